//! The case aggregate (contract §3): the client, the lifecycle and its record.

pub mod protect;
pub mod rules;
pub mod store;
pub mod types;

pub use rules::Visibility;
pub use types::*;
