//! Chasing a respondent who ignores an order. The compliance check runs when a breach
//! would begin (`max(comply_by, served_at)`; see `order::moves`): a `served` binding not
//! confirmed `complied` becomes `non_compliant` through the binding table and the case's
//! caseworker gets an `order_compliance_check` task; a binding still unserved at its
//! deadline gets a task to serve it. Two office days after the breach began, still
//! non-compliant, the escalation: in BC a `penalty_claim_preparation` task (an
//! administrative penalty before the CRT, B.C. Reg. 293/2023), in Quebec a
//! `report_non_compliance` task (the Court of Québec enforces its orders with fines),
//! carrying the current exposure, and a notification to supervisors; again weekly while
//! it lasts.
//!
//! Each step runs in the caller's transaction and is idempotent: the order row is locked,
//! the state is re-checked, and a step already done (its task exists) is not done again.

use jiff::{SignedDuration, Timestamp};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    BindingStatus, moves,
    store::{self, WORKER_ACTOR, binding_exposure},
};
use crate::{
    DomainError,
    calendar::OfficeCalendar,
    claim::Forum,
    jobs,
    notification::{self, NotificationKind},
    penalty::PenaltyJurisdiction,
    task::{self, Subject, TaskKind, TaskSpec},
    timestamp::Ts,
};

/// Office days between the start of a breach and its first escalation.
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
    /// Never served by its deadline, so not in breach: a task to serve it, no escalation.
    NotServed,
}

struct Binding {
    status: String,
    case_id: Uuid,
    assignee: Uuid,
    forum: Forum,
}

async fn lock(conn: &mut PgConnection, binding_id: Uuid) -> Result<Option<Binding>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT b.status, o.case_id, c.assigned_to, cl.forum AS "forum: Forum"
           FROM order_bindings b JOIN orders o ON o.id = b.order_id JOIN cases c ON c.id = o.case_id
                JOIN claims cl ON cl.id = o.claim_id
           WHERE b.id = $1 FOR UPDATE OF b"#,
        binding_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Binding {
        status: r.status,
        case_id: r.case_id,
        assignee: r.assigned_to,
        forum: r.forum,
    }))
}

/// Whether a task of `kind` about `binding_id` exists (for `round`, and about a served or
/// unserved binding, when given).
async fn task_exists(
    conn: &mut PgConnection,
    kind: TaskKind,
    binding_id: Uuid,
    round: Option<u32>,
    served: Option<bool>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tasks WHERE kind = $1 AND subject_kind = 'order_binding' AND subject_id = $2
                          AND ($3::bigint IS NULL OR (data ->> 'round')::bigint = $3)
                          AND ($4::bool IS NULL OR (data ->> 'served')::bool = $4)) AS "e!""#,
        kind.as_str(),
        binding_id,
        round.map(i64::from),
        served
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

/// The check of one binding at its due instant (see the module documentation).
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
    let seen = match store::for_worker(conn, order_id).await {
        Err(DomainError::NotFound) => return Ok(Check::Nothing),
        other => other?,
    };
    let Some(b) = seen.order.binding(binding_id).cloned() else {
        return Ok(Check::Nothing);
    };
    let (title, breached) = match b.status {
        BindingStatus::Served => {
            if !moves::breach(conn, &seen, binding_id, cal, now).await? {
                return Ok(Check::Nothing);
            }
            ("Order not complied with: check and record compliance", true)
        }
        BindingStatus::PendingService if b.comply_by <= now => (
            "Order deadline passed before the respondent was served: serve or follow up",
            false,
        ),
        // Complied, already non-compliant (a caseworker recorded the breach, which
        // scheduled its escalation), or not due.
        _ => return Ok(Check::Nothing),
    };
    if task_exists(conn, TaskKind::OrderComplianceCheck, binding_id, None, Some(breached)).await? {
        return Ok(if breached { Check::NonCompliant } else { Check::Nothing });
    }
    let data = serde_json::json!({
        "order_id": order_id, "binding_id": binding_id, "comply_by": b.comply_by,
        "breach_from": breached.then(|| moves::breach_from(&b)), "served": breached,
    });
    let spec = TaskSpec::system(
        TaskKind::OrderComplianceCheck,
        title,
        Some(seen.order.case_id),
        case_assignee(conn, seen.order.case_id).await?,
        now,
        subject(binding_id),
        data,
    );
    task::store::create(conn, &spec, WORKER_ACTOR, now).await?;
    Ok(if breached {
        Check::NonCompliant
    } else {
        Check::NotServed
    })
}

async fn case_assignee(conn: &mut PgConnection, case_id: Uuid) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!("SELECT assigned_to FROM cases WHERE id = $1", case_id)
        .fetch_one(conn)
        .await
}

/// Round `round` of the escalation of a binding: if it is still `non_compliant`, a task
/// carrying the exposure as of now — `penalty_claim_preparation` for a CRT order,
/// `report_non_compliance` for a Court of Québec one — supervisors notified, and the next
/// round a week later. Returns whether it escalated.
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
    let (kind, title) = match b.forum.penalty_jurisdiction() {
        PenaltyJurisdiction::Bc => (
            TaskKind::PenaltyClaimPreparation,
            format!("Prepare an administrative penalty claim: order still not complied with (escalation {round})"),
        ),
        PenaltyJurisdiction::Qc => (
            TaskKind::ReportNonCompliance,
            format!("Report to the Court of Québec that its order is still not complied with (escalation {round})"),
        ),
    };
    if b.status != "non_compliant" || task_exists(conn, kind, binding_id, Some(round), None).await? {
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
        kind,
        title,
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
