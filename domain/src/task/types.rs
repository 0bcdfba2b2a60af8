//! What a task is.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{input::Parsed, string_enum, timestamp::Ts};

string_enum! {
    /// What kind of work a task is.
    pub enum TaskKind {
        TakedownFollowUp = "takedown_follow_up",
        OrderComplianceCheck = "order_compliance_check",
        PenaltyClaimPreparation = "penalty_claim_preparation",
        /// A Quebec order still breached: report it to the Court of Québec (its fines, not
        /// an administrative penalty, enforce the order).
        ReportNonCompliance = "report_non_compliance",
        CaseReview = "case_review",
        Custom = "custom",
    }
}

string_enum! {
    /// open → done | cancelled.
    pub enum TaskStatus { Open = "open", Done = "done", Cancelled = "cancelled" }
}

/// What a task is about inside its case (a takedown request, an order binding, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subject {
    /// e.g. `takedown_request`, `order_binding`.
    pub kind: String,
    pub id: Uuid,
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: Uuid,
    pub kind: TaskKind,
    pub title: String,
    pub case_id: Option<Uuid>,
    pub assignee: Uuid,
    pub status: TaskStatus,
    pub due_at: Ts,
    pub subject: Option<Subject>,
    /// Figures the task carries (e.g. the penalty exposure of an escalation).
    pub data: serde_json::Value,
    /// `user:<id>` or `system:<what>`.
    pub created_by: String,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub closed_at: Option<Ts>,
    pub version: i64,
}

/// A validated task, ready to store (from [`crate::task::NewTask::parse`] for custom
/// tasks, or [`TaskSpec::system`] for the ones the worker creates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpec {
    pub kind: TaskKind,
    pub title: String,
    pub case_id: Option<Uuid>,
    pub assignee: Uuid,
    pub due_at: Ts,
    pub subject: Option<Subject>,
    pub data: serde_json::Value,
    pub(crate) parsed: Parsed,
}

impl TaskSpec {
    /// A task the service creates by itself (follow-ups, reviews, escalations): not user
    /// input, so nothing to parse.
    #[must_use]
    pub fn system(
        kind: TaskKind,
        title: impl Into<String>,
        case_id: Option<Uuid>,
        assignee: Uuid,
        due_at: Ts,
        subject: Option<Subject>,
        data: serde_json::Value,
    ) -> Self {
        Self {
            kind,
            title: title.into(),
            case_id,
            assignee,
            due_at,
            subject,
            data,
            parsed: crate::input::PARSED,
        }
    }
}

/// List filters (contract §8).
#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub assignee: Option<Uuid>,
    pub status: Option<TaskStatus>,
    pub case_id: Option<Uuid>,
    pub due_before: Option<Ts>,
}
