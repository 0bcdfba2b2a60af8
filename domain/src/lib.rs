//! Casework domain: what a case is and what may happen to it — types, rules, state
//! machines, the office calendar, and the SQL that persists them. Knows nothing of HTTP.

pub mod audit;
pub mod calendar;
pub mod case;
pub mod claim;
pub mod clock;
pub mod crypto;
pub mod cursor;
pub mod db;
pub mod enums;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod input;
pub mod jobs;
pub mod keyring;
pub mod keys;
pub mod notification;
pub mod order;
pub mod penalty;
pub mod platform;
pub mod rekey;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod sweeps;
pub mod takedown;
pub mod task;
pub mod text;
pub mod timestamp;
pub mod transitions;

pub use clock::Clock;
pub use error::{DomainError, FieldError, Validation};
pub use timestamp::Ts;

impl Clock {
    /// The current instant as a database timestamp.
    #[must_use]
    pub fn ts(&self) -> Ts {
        Ts::new(self.now())
    }
}
