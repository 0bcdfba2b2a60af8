//! Background job payloads. Handlers live in `casework-worker`; a job re-checks business
//! state when it starts, so running one twice is harmless.

use serde::{Deserialize, Serialize};

/// Queue of the housekeeping job.
pub const HOUSEKEEPING_QUEUE: &str = "casework::housekeeping";

/// Periodic clean-up: expired idempotency records.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Housekeeping {
    /// Why it was enqueued (`sweep`, `manual`), for the job list.
    pub reason: String,
}
