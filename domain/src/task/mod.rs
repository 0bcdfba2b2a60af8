//! Tasks (contract §8): work for one member of staff, optionally about a case, each with a
//! reminder delivered inside office hours.
//!
//! `input` holds what callers send, `rules` how it is parsed and which moves exist, `types`
//! what a task is, `store` the SQL (tasks and their reminders).

pub mod input;
pub mod rules;
pub mod store;
pub mod types;

pub use input::*;
pub use types::*;
