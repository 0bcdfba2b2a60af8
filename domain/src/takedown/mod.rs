//! Takedown requests (contract §5): what a request is, its state machine and guards, URL
//! comparison, the letters it sends, and its SQL (visible exactly to who sees its case).

pub mod follow_up;
pub mod letter;
pub mod rules;
pub mod store;
pub mod types;
pub mod url;

pub use types::*;
