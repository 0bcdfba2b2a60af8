//! One module per job kind. Takedown follow-ups and order compliance checks have payloads
//! and enqueue helpers in `casework_domain::jobs`; their handlers arrive with takedowns and
//! orders (until then their jobs wait, pending, in their queues).

pub mod housekeeping;
pub mod reminder;
