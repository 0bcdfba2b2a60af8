//! The moves of an order binding — serve, record a compliance check, breach — each one
//! domain operation: it checks the move against the binding table
//! ([`BINDING_TRANSITIONS`](super::rules::BINDING_TRANSITIONS)), writes it with its record
//! and timeline event, and schedules what follows (the compliance check, the escalation),
//! all in the caller's transaction. The HTTP handlers and the worker call these and
//! nothing else changes a binding's status.
//!
//! A respondent is bound once served, so a breach begins at `max(comply_by, served_at)`
//! ([`breach_from`]): the compliance check runs then, and the escalation two office days
//! later, once per breach whoever (worker or caseworker) recorded it.

use jiff::Timestamp;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    compliance::ESCALATE_AFTER_OFFICE_DAYS,
    rules::{BindingFacts, check_binding_move},
    store::{self, SeenOrder},
    types::{Binding, BindingStatus, ComplianceEntry, ComplianceStatus, Order, ServiceEntry},
};
use crate::{DomainError, calendar::OfficeCalendar, jobs, timestamp::Ts, transitions::TransitionError};

/// When a binding's breach begins: the later of its deadline and its service; the
/// deadline while it is not served (it cannot be in breach then; the check at the deadline
/// asks the caseworker to serve it).
#[must_use]
pub fn breach_from(b: &Binding) -> Ts {
    b.served_at.map_or(b.comply_by, |s| s.max(b.comply_by))
}

/// The first escalation of a breach that began at `from`: two office days later.
#[must_use]
pub fn first_escalation(cal: &OfficeCalendar, from: Ts) -> Timestamp {
    cal.add_business_days(from.get(), ESCALATE_AFTER_OFFICE_DAYS)
}

fn refused(e: TransitionError) -> DomainError {
    match e {
        TransitionError::Invalid(v) => DomainError::Validation(v),
        TransitionError::Unmet(u) => DomainError::Unmet(u.into_iter().map(str::to_owned).collect()),
        other @ (TransitionError::NotAllowed { .. } | TransitionError::Forbidden) => {
            DomainError::Conflict(other.to_string())
        }
    }
}

fn binding(seen: &SeenOrder, binding_id: Uuid) -> Result<Binding, DomainError> {
    seen.order.binding(binding_id).cloned().ok_or(DomainError::NotFound)
}

/// Records service of the order on a bound respondent (order read with
/// `store::visible_for_update`) and schedules its compliance check at the instant the
/// breach would begin (`max(comply_by, served_at)`; once per instant). Recording the same
/// service again (same `served_at` and channel) changes nothing and schedules nothing.
///
/// # Errors
/// `NotFound` (no such binding), `Conflict` (not `pending_service`), `Unmet` (no consent
/// to contact the respondent), `Db`.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %binding_id))]
pub async fn serve(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    binding_id: Uuid,
    entry: &ServiceEntry,
    now: Ts,
) -> Result<Order, DomainError> {
    let b = binding(seen, binding_id)?;
    if b.served_at == Some(entry.served_at) && b.service_channel == Some(entry.channel) {
        return Ok(seen.order.clone());
    }
    let consent = store::consent_to_serve(conn, seen.order.case_id, &b, entry.served_at).await?;
    let facts = BindingFacts {
        consent_to_serve: consent,
        at: entry.served_at,
        breach_from: b.comply_by,
    };
    check_binding_move(b.status, BindingStatus::Served, facts).map_err(refused)?;
    let order = store::serve(conn, seen, &b, entry, now).await?;
    let due = entry.served_at.max(b.comply_by);
    jobs::enqueue_compliance_check(conn, seen.order.id, b.id, due.get()).await?;
    Ok(order)
}

/// Records a caseworker's compliance check (order read with `store::visible_for_update`).
/// `non_compliant` is a breach: allowed once it has begun (`max(comply_by, served_at)`),
/// and it schedules the escalation as the worker's own check would (once per breach).
///
/// # Errors
/// `NotFound`, `Conflict` (no such move, e.g. not served yet), `Unmet`
/// (`comply_by_not_reached`), `Db`.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %binding_id))]
pub async fn record_compliance(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    binding_id: Uuid,
    entry: &ComplianceEntry,
    cal: &OfficeCalendar,
    now: Ts,
) -> Result<Order, DomainError> {
    let b = binding(seen, binding_id)?;
    let to = entry.status.binding_status();
    let facts = BindingFacts {
        consent_to_serve: true,
        at: entry.checked_at,
        breach_from: breach_from(&b),
    };
    check_binding_move(b.status, to, facts).map_err(refused)?;
    let order = store::record_compliance(conn, seen, &b, entry, now).await?;
    if entry.status == ComplianceStatus::NonCompliant {
        schedule_escalation(conn, seen.order.id, &b, cal).await?;
    }
    Ok(order)
}

/// The worker's breach: a `served` binding whose breach has begun by `now` becomes
/// `non_compliant` through the binding table, and its escalation is scheduled. Returns
/// whether it moved (a binding in another status, or not yet due, is left alone).
///
/// # Errors
/// `Db`; `Unmet`/`Conflict` cannot happen for a binding found `served` and due.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %binding_id))]
pub async fn breach(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    binding_id: Uuid,
    cal: &OfficeCalendar,
    now: Ts,
) -> Result<bool, DomainError> {
    let b = binding(seen, binding_id)?;
    let from = breach_from(&b);
    if b.status != BindingStatus::Served || from > now {
        return Ok(false);
    }
    let facts = BindingFacts {
        consent_to_serve: true,
        at: now,
        breach_from: from,
    };
    check_binding_move(b.status, BindingStatus::NonCompliant, facts).map_err(refused)?;
    store::breach(conn, seen, &b, now).await?;
    schedule_escalation(conn, seen.order.id, &b, cal).await?;
    Ok(true)
}

/// Round 1 of the escalation of `b`'s breach, two office days after it began; apalis'
/// idempotency key makes it exist once, whichever move scheduled it first.
async fn schedule_escalation(
    conn: &mut PgConnection,
    order_id: Uuid,
    b: &Binding,
    cal: &OfficeCalendar,
) -> Result<(), DomainError> {
    let due = first_escalation(cal, breach_from(b));
    jobs::enqueue_penalty_escalation(conn, order_id, b.id, due, 1).await?;
    Ok(())
}
