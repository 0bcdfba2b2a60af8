//! The case aggregate (contract §3): the client, the lifecycle and its record.
//!
//! `input` holds what callers send, `rules` how it is parsed and which transitions exist,
//! `types` what a case is, `store` the SQL (one file per sub-resource), `protect` the one
//! door to client details at rest.

pub mod input;
pub mod lookup;
pub mod protect;
pub mod rules;
pub mod store;
pub mod types;

pub use input::*;
pub use rules::{Actor, Visibility};
pub use types::*;
