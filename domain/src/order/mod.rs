//! Orders (contract §6): what the tribunal ordered on a granted claim, who is bound by it,
//! by when, and where each respondent stands (served, complied, non-compliant). Visible
//! exactly to those who see the claim's case.
//!
//! `input` holds what callers send, `rules` how it is parsed and the binding state machine,
//! `types` what an order is, `moves` the one operation per binding move (serve, record
//! compliance, breach) that handlers and the worker call, `compliance` the worker's check
//! and escalation, `store` the SQL.

pub mod compliance;
pub mod input;
pub mod moves;
pub mod rules;
pub mod store;
pub mod types;

pub use input::*;
pub use types::*;
