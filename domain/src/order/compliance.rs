//! Chasing a respondent who ignores an order (contract §8). At `comply_by`, a binding not
//! confirmed `complied` becomes `non_compliant` (if it was served) and the case's
//! caseworker gets an `order_compliance_check` task; two office days later, still
//! non-compliant, a `penalty_claim_preparation` task carrying the current penalty exposure
//! and a notification to supervisors, re-escalated weekly while it lasts.
//!
//! Each step runs in the caller's transaction and is idempotent: the binding row is locked,
//! the state is re-checked, and a step already done (its task exists) is not done again.

use jiff::{SignedDuration, Timestamp};
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::{WORKER_ACTOR, binding_exposure, mark_non_compliant};
use crate::{
    DomainError,
    calendar::OfficeCalendar,
    jobs,
    notification::{self, NotificationKind},
    task::{self, Subject, TaskKind, TaskSpec},
    timestamp::Ts,
};

/// Office days between `comply_by` and the first penalty escalation.
pub const ESCALATE_AFTER_OFFICE_DAYS: u32 = 2;
/// How often a lasting breach is escalated again.
pub const RE_ESCALATE_EVERY: SignedDuration = SignedDuration::from_hours(7 * 24);

/// What a compliance check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Complied, not due yet, unknown, or already handled.
    Nothing,
    /// Now non-compliant: a task, and the first escalation scheduled.
    NonCompliant,
    /// Never served, so not in breach: a task to serve or follow up, no escalation.
    NotServed,
}

struct Binding {
    status: String,
    comply_by: Ts,
    case_id: Uuid,
    assignee: Uuid,
}

async fn lock(conn: &mut PgConnection, binding_id: Uuid) -> Result<Option<Binding>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT b.status, b.comply_by, o.case_id, c.assigned_to
           FROM order_bindings b JOIN orders o ON o.id = b.order_id JOIN cases c ON c.id = o.case_id
           WHERE b.id = $1 FOR UPDATE OF b"#,
        binding_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Binding {
        status: r.status,
        comply_by: r.comply_by,
        case_id: r.case_id,
        assignee: r.assigned_to,
    }))
}

/// Whether a task of `kind` about `binding_id` exists (for `round`, when given).
async fn task_exists(
    conn: &mut PgConnection,
    kind: TaskKind,
    binding_id: Uuid,
    round: Option<u32>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tasks WHERE kind = $1 AND subject_kind = 'order_binding' AND subject_id = $2
                          AND ($3::bigint IS NULL OR (data ->> 'round')::bigint = $3)) AS "e!""#,
        kind.as_str(),
        binding_id,
        round.map(i64::from)
    )
    .fetch_one(conn)
    .await
}

fn subject(binding_id: Uuid) -> Option<Subject> {
    Some(Subject {
        kind: "order_binding".into(),
        id: binding_id,
    })
}

/// The check at `comply_by` of one binding.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(binding.id = %binding_id))]
pub async fn check(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    cal: &OfficeCalendar,
    now: Ts,
) -> Result<Check, DomainError> {
    let Some(b) = lock(conn, binding_id).await? else {
        return Ok(Check::Nothing);
    };
    if b.comply_by > now || task_exists(conn, TaskKind::OrderComplianceCheck, binding_id, None).await? {
        return Ok(Check::Nothing);
    }
    let breached = match b.status.as_str() {
        "served" => mark_non_compliant(conn, binding_id, now).await?,
        "non_compliant" => true,
        "pending_service" => false,
        _ => return Ok(Check::Nothing),
    };
    let data = serde_json::json!({
        "order_id": order_id, "binding_id": binding_id, "comply_by": b.comply_by, "served": breached,
    });
    let title = if breached {
        "Order not complied with by its deadline: check and record compliance"
    } else {
        "Order deadline passed before the respondent was served: serve or follow up"
    };
    let spec = TaskSpec::system(
        TaskKind::OrderComplianceCheck,
        title,
        Some(b.case_id),
        b.assignee,
        now,
        subject(binding_id),
        data,
    );
    task::store::create(conn, &spec, WORKER_ACTOR, now).await?;
    if !breached {
        return Ok(Check::NotServed);
    }
    let first = cal.add_business_days(b.comply_by.get(), ESCALATE_AFTER_OFFICE_DAYS);
    jobs::enqueue_penalty_escalation(conn, order_id, binding_id, first, 1).await?;
    Ok(Check::NonCompliant)
}

/// Round `round` of the escalation of a binding: if it is still `non_compliant`, a
/// `penalty_claim_preparation` task carrying the exposure as of now, supervisors notified,
/// and the next round a week later. Returns whether it escalated.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(binding.id = %binding_id, round))]
pub async fn escalate(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    round: u32,
    now: Ts,
) -> Result<bool, DomainError> {
    let Some(b) = lock(conn, binding_id).await? else {
        return Ok(false);
    };
    if b.status != "non_compliant"
        || task_exists(conn, TaskKind::PenaltyClaimPreparation, binding_id, Some(round)).await?
    {
        return Ok(false);
    }
    let exposure = binding_exposure(conn, binding_id, now.get()).await?;
    let figures = exposure.as_ref().map(|e| {
        let x = &e.exposure;
        serde_json::json!({
            "as_of": now,
            "days_non_compliant": x.days_non_compliant,
            "daily_max_cents": x.daily_max_cents,
            "cap_cents": x.cap_cents,
            "max_exposure_cents": x.max_exposure_cents,
        })
    });
    let data = serde_json::json!({
        "order_id": order_id, "binding_id": binding_id, "round": round, "exposure": figures,
    });
    let spec = TaskSpec::system(
        TaskKind::PenaltyClaimPreparation,
        format!("Prepare an administrative penalty claim: order still not complied with (escalation {round})"),
        Some(b.case_id),
        b.assignee,
        now,
        subject(binding_id),
        data.clone(),
    );
    let t = task::store::create(conn, &spec, WORKER_ACTOR, now).await?;
    notification::notify_supervisors(
        conn,
        NotificationKind::Escalation,
        Some(t.id),
        Some(b.case_id),
        &data,
        &format!("penalty-escalation:{binding_id}:{round}"),
        now,
    )
    .await?;
    let next: Timestamp = now.get().saturating_add(RE_ESCALATE_EVERY).unwrap_or(now.get());
    jobs::enqueue_penalty_escalation(conn, order_id, binding_id, next, round + 1).await?;
    Ok(true)
}
