//! Tribunal claims (contract §6): a claim before the Civil Resolution Tribunal (BC) or the
//! Court of Québec, for a case; visible exactly to those who see the case.
//!
//! `input` holds what callers send, `rules` how it is parsed and which transitions exist,
//! `types` what a claim is, `store` the SQL.

pub mod input;
pub mod rules;
pub mod store;
pub mod types;

pub use input::*;
pub use types::*;
