//! What a caller sends to create or move a task: lenient wire shapes (required fields are
//! `Option` so one 422 names every missing one; unknown fields refused), each with one
//! `parse` in `rules.rs`.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A custom task. Give exactly one of `due_at` and `due_in_business_days`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// The case it is about (one you see).
    #[schema(required = false, value_type = Uuid)]
    pub case_id: Option<Uuid>,
    /// 1–200 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// An active caseworker or supervisor (who sees the case, for a case's task); default you.
    #[schema(required = false, value_type = Uuid)]
    pub assignee: Option<Uuid>,
    /// When it is due (RFC 3339 with offset; years 1900–2100, offset within ±14:00, else
    /// `out_of_range`). Exactly one of `due_at`, `due_in_business_days`.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub due_at: Option<jiff::Timestamp>,
    /// Due at 16:30 office time on the n-th office day from now (1–365).
    #[schema(required = false, value_type = u32, minimum = 1, maximum = 365)]
    pub due_in_business_days: Option<u32>,
}
