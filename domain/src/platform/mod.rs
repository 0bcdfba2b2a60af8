//! The platform directory (contract §4): the services images are shared on, how each
//! takes reports, and how quickly it answers takedown requests.

pub mod rules;
pub mod scorecard;
pub mod seed;
pub mod store;
pub mod types;

pub use types::*;
