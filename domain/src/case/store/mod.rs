//! SQL for cases and their records, one file per sub-resource. Every read of a case goes
//! through the visibility rule (`case_visible`, see [`cases::visible`]), and every sealed
//! column through `protect`.

pub mod cases;
pub mod consents;
pub mod events;
pub mod evidence;
pub mod notes;
pub mod referrals;

pub use cases::{CaseFilter, Seen, visible, visible_for_update};
pub use events::{actor, add_event};
