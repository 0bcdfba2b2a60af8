//! Takedown requests (contract §5), the pure part: what a request is, its state machine
//! and guards, URL comparison, and the letters it sends. Persistence and routes come with
//! the takedown store.

pub mod notice;
pub mod rules;
pub mod types;
pub mod url;

pub use types::*;
