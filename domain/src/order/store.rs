//! SQL for orders and their bindings. Every read by a caller goes through the case's
//! visibility rule (`case_visible` on the order's case); the worker's functions at the end
//! act on one binding by id and need no caller.

use jiff::Timestamp;
use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{
    Binding, BindingStatus, ComplianceEntry, Order, OrderDraft, OrderTerm, ServiceChannel, ServiceEntry,
};
use crate::{
    case::{
        Actor, Visibility, protect,
        store::{actor, add_event},
    },
    claim::{Claim, Forum, RelatedBinding, rules::NamedBinding},
    error::DomainError,
    penalty::{self, BindingFacts, Exposure, LegalParameters, MissingParameter, PenaltyJurisdiction, RespondentKind},
    store::{self, SqlVisibility, Visible},
    timestamp::Ts,
};

/// Who the worker acts as in the timeline.
pub const WORKER_ACTOR: &str = "system:worker";

struct OrderRow {
    id: Uuid,
    case_id: Uuid,
    claim_id: Uuid,
    forum: Forum,
    order_reference: String,
    issued_at: Ts,
    terms: Vec<OrderTerm>,
    publication_ban: bool,
    created_by: Uuid,
    created_at: Ts,
    updated_at: Ts,
    version: i64,
}

struct BindingRow {
    id: Uuid,
    order_id: Uuid,
    respondent_id: Uuid,
    respondent_kind: RespondentKind,
    name_sealed: Vec<u8>,
    platform_id: Option<Uuid>,
    comply_by: Ts,
    status: BindingStatus,
    repeat_offence: bool,
    served_at: Option<Ts>,
    service_channel: Option<ServiceChannel>,
    complied_at: Option<Ts>,
    non_compliant_at: Option<Ts>,
    updated_at: Ts,
}

impl BindingRow {
    fn into_binding(self) -> Result<Binding, sqlx::Error> {
        Ok(Binding {
            id: self.id,
            order_id: self.order_id,
            respondent_id: self.respondent_id,
            respondent_kind: self.respondent_kind,
            respondent_name: protect::open(&self.name_sealed, protect::RESPONDENT_NAME.at(self.respondent_id))?,
            respondent_platform_id: self.platform_id,
            comply_by: self.comply_by,
            status: self.status,
            repeat_offence: self.repeat_offence,
            served_at: self.served_at,
            service_channel: self.service_channel,
            complied_at: self.complied_at,
            non_compliant_at: self.non_compliant_at,
            updated_at: self.updated_at,
        })
    }
}

impl Visible for Order {
    type Seen = SeenOrder;

    fn seen(self, by: Actor) -> SeenOrder {
        SeenOrder { order: self, by }
    }

    /// The one place that reads order rows, with their bindings.
    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Order>, sqlx::Error> {
        let rows = sqlx::query_as!(
            OrderRow,
            r#"SELECT o.id, o.case_id, o.claim_id, cl.forum AS "forum: Forum", o.order_reference, o.issued_at,
                      o.terms AS "terms: Vec<OrderTerm>", o.publication_ban, o.created_by, o.created_at, o.updated_at,
                      o.version
               FROM orders o JOIN claims cl ON cl.id = o.claim_id
               WHERE o.id = ANY($1) AND case_visible(o.case_id, $2, $3)
               ORDER BY o.id DESC"#,
            ids,
            v.see_all,
            v.viewer
        )
        .fetch_all(&mut *conn)
        .await?;
        let order_ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let bindings = sqlx::query_as!(
            BindingRow,
            r#"SELECT b.id, b.order_id, b.respondent_id, r.kind AS "respondent_kind: RespondentKind", r.name_sealed,
                      r.platform_id, b.comply_by, b.status AS "status: BindingStatus", b.repeat_offence, b.served_at,
                      b.service_channel AS "service_channel: ServiceChannel", b.complied_at, b.non_compliant_at,
                      b.updated_at
               FROM order_bindings b JOIN claim_respondents r ON r.id = b.respondent_id
               WHERE b.order_id = ANY($1) ORDER BY b.order_id, b.position"#,
            &order_ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(BindingRow::into_binding)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|r| Order {
                id: r.id,
                case_id: r.case_id,
                claim_id: r.claim_id,
                jurisdiction: r.forum.penalty_jurisdiction(),
                order_reference: r.order_reference,
                issued_at: r.issued_at,
                terms: r.terms,
                publication_ban: r.publication_ban,
                bindings: bindings.iter().filter(|b| b.order_id == r.id).cloned().collect(),
                created_by: r.created_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
            })
            .collect())
    }

    async fn lock(conn: &mut PgConnection, v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT o.id FROM orders o WHERE o.id = $1 AND case_visible(o.case_id, $2, $3) FOR UPDATE OF o",
            id,
            v.see_all,
            v.viewer
        )
        .fetch_optional(conn)
        .await
    }
}

/// An order read through its case's visibility rule, with the caller who saw it.
#[derive(Debug, Clone)]
pub struct SeenOrder {
    pub order: Order,
    pub by: Actor,
}

/// The order, if the caller sees its case.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(order.id = %id))]
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<SeenOrder, DomainError> {
    store::visible::<Order>(conn, vis, id).await
}

/// Like [`visible`], and the order row stays locked until the transaction ends (every
/// binding change goes through it, so two changes of one order never interleave).
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(order.id = %id))]
pub async fn visible_for_update(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<SeenOrder, DomainError> {
    store::visible_for_update::<Order>(conn, vis, id).await
}

/// Records an order on `claim` (the caller checked that it grants), every binding
/// `pending_service`.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(claim.id = %claim.id))]
pub async fn create(
    conn: &mut PgConnection,
    claim: &Claim,
    d: &OrderDraft,
    by: Actor,
    now: Ts,
) -> Result<Order, DomainError> {
    let id = Uuid::now_v7();
    let terms: Vec<String> = d.terms.iter().map(|t| t.as_str().to_owned()).collect();
    sqlx::query!(
        r#"INSERT INTO orders (id, case_id, claim_id, order_reference, issued_at, terms, publication_ban, created_by,
                               created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"#,
        id,
        claim.case_id,
        claim.id,
        d.order_reference,
        d.issued_at,
        &terms,
        d.publication_ban,
        by.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    let mut binding_ids = Vec::with_capacity(d.bindings.len());
    for (i, b) in d.bindings.iter().enumerate() {
        let bid = Uuid::now_v7();
        binding_ids.push(bid);
        sqlx::query!(
            r#"INSERT INTO order_bindings (id, order_id, respondent_id, position, comply_by, status, repeat_offence,
                                           updated_at)
               VALUES ($1, $2, $3, $4, $5, 'pending_service', $6, $7)"#,
            bid,
            id,
            b.respondent_id,
            i32::try_from(i).unwrap_or(i32::MAX),
            b.comply_by,
            b.repeat_offence,
            now
        )
        .execute(&mut *conn)
        .await?;
        // The check at the deadline, in the transaction that sets it: unserved by then, the
        // caseworker is asked to serve. Service schedules the check of the breach itself
        // (at the same instant when served in time: one job, by its idempotency key).
        crate::jobs::enqueue_compliance_check(conn, id, bid, b.comply_by).await?;
    }
    let detail = serde_json::json!({
        "order_id": id, "claim_id": claim.id, "order_reference": d.order_reference,
        "issued_at": d.issued_at, "binding_ids": binding_ids,
    });
    add_event(conn, claim.case_id, "order.issued", &actor(by.id), detail, now).await?;
    store::reread(conn, id, by).await
}

/// List filters (contract §6).
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub case_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
    /// Orders with at least one binding in this status.
    pub binding_status: Option<BindingStatus>,
}

/// Visible orders, newest first (by id), after the `before` id of the previous page.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &OrderFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Order>, sqlx::Error> {
    store::page(conn, vis, async |conn, v| {
        sqlx::query_scalar!(
            r#"SELECT o.id FROM orders o
               WHERE case_visible(o.case_id, $1, $2)
                 AND ($3::uuid IS NULL OR o.case_id = $3)
                 AND ($4::uuid IS NULL OR o.claim_id = $4)
                 AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM order_bindings b WHERE b.order_id = o.id AND b.status = $5))
                 AND ($6::uuid IS NULL OR o.id < $6)
               ORDER BY o.id DESC
               LIMIT $7"#,
            v.see_all,
            v.viewer,
            f.case_id,
            f.claim_id,
            f.binding_status.map(BindingStatus::as_str),
            before,
            limit
        )
        .fetch_all(conn)
        .await
    })
    .await
}

/// Whether the case holds, at `at`, an active consent that allows serving `binding`'s
/// respondent: scope `respondent_contact` or `crt`, for any party, the respondent, or the
/// respondent's platform.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn consent_to_serve(
    conn: &mut PgConnection,
    case_id: Uuid,
    binding: &Binding,
    at: Ts,
) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM case_consents
               WHERE case_id = $1 AND scope IN ('respondent_contact', 'crt') AND given_at <= $2
                 AND (revoked_at IS NULL OR revoked_at > $2)
                 AND (party_id IS NULL OR party_id = $3 OR party_id = $4)
           ) AS "found!""#,
        case_id,
        at,
        binding.respondent_id,
        binding.respondent_platform_id
    )
    .fetch_one(conn)
    .await?;
    Ok(found)
}

async fn set_binding(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    b: &Binding,
    to: BindingStatus,
    now: Ts,
    change: BindingChange<'_>,
) -> Result<(), DomainError> {
    let done = sqlx::query!(
        r#"UPDATE order_bindings SET status = $3,
                  served_at = COALESCE($4, served_at), service_channel = COALESCE($5, service_channel),
                  complied_at = COALESCE($6, complied_at), non_compliant_at = COALESCE($7, non_compliant_at),
                  updated_at = $8
           WHERE id = $1 AND order_id = $2 AND status = $9"#,
        b.id,
        seen.order.id,
        to.as_str(),
        change.served_at,
        change.channel.map(ServiceChannel::as_str),
        change.complied_at,
        change.non_compliant_at,
        now,
        b.status.as_str()
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    sqlx::query!(
        "UPDATE orders SET updated_at = $2, version = version + 1 WHERE id = $1",
        seen.order.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    let record_id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO order_binding_records (id, binding_id, kind, occurred_at, channel, status, geofenced_only,
                                              note_sealed, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        record_id,
        b.id,
        change.kind,
        change.occurred_at,
        change.channel.map(ServiceChannel::as_str),
        to.as_str(),
        change.geofenced_only,
        change
            .note
            .map(|n| protect::seal(n, protect::BINDING_RECORD_NOTE.at(record_id))),
        (!is_worker(seen.by)).then_some(seen.by.id),
        now
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({
        "order_id": seen.order.id, "binding_id": b.id, "respondent_id": b.respondent_id,
        "from": b.status, "to": to, "occurred_at": change.occurred_at, "channel": change.channel,
    });
    let who = if is_worker(seen.by) {
        WORKER_ACTOR.to_owned()
    } else {
        actor(seen.by.id)
    };
    add_event(
        conn,
        seen.order.case_id,
        "order.binding_status_changed",
        &who,
        detail,
        now,
    )
    .await?;
    Ok(())
}

struct BindingChange<'a> {
    kind: &'static str,
    occurred_at: Ts,
    served_at: Option<Ts>,
    channel: Option<ServiceChannel>,
    complied_at: Option<Ts>,
    non_compliant_at: Option<Ts>,
    geofenced_only: Option<bool>,
    note: Option<&'a String>,
}

/// Records service on a binding of an order read with [`visible_for_update`]. Called by
/// `order::moves::serve`, which checks the move against the binding table.
///
/// # Errors
/// `Stale` when the binding moved meanwhile; `Db` otherwise.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %b.id))]
pub async fn serve(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    b: &Binding,
    s: &ServiceEntry,
    now: Ts,
) -> Result<Order, DomainError> {
    let change = BindingChange {
        kind: "service",
        occurred_at: s.served_at,
        served_at: Some(s.served_at),
        channel: Some(s.channel),
        complied_at: None,
        non_compliant_at: None,
        geofenced_only: None,
        note: s.note.as_ref(),
    };
    set_binding(conn, seen, b, BindingStatus::Served, now, change).await?;
    store::reread(conn, seen.order.id, seen.by).await
}

/// Records a compliance check on a binding of an order read with [`visible_for_update`].
/// Called by `order::moves::record_compliance`, which checks the move against the table. `complied` records `complied_at`, which
/// stops the penalty count.
///
/// # Errors
/// `Stale` when the binding moved meanwhile; `Db` otherwise.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %b.id))]
pub async fn record_compliance(
    conn: &mut PgConnection,
    seen: &SeenOrder,
    b: &Binding,
    c: &ComplianceEntry,
    now: Ts,
) -> Result<Order, DomainError> {
    let to = c.status.binding_status();
    let change = BindingChange {
        kind: "compliance",
        occurred_at: c.checked_at,
        served_at: None,
        channel: None,
        complied_at: (to == BindingStatus::Complied).then_some(c.checked_at),
        non_compliant_at: (to == BindingStatus::NonCompliant).then_some(c.checked_at),
        geofenced_only: Some(c.geofenced_only),
        note: c.note.as_ref(),
    };
    set_binding(conn, seen, b, to, now, change).await?;
    store::reread(conn, seen.order.id, seen.by).await
}

/// The worker's breach of a `served` binding at `now` (order read with
/// [`for_worker`]). Called by `order::moves::breach`, which checks the move against the
/// binding table.
///
/// # Errors
/// `Stale` when the binding moved meanwhile; `Db` otherwise.
#[tracing::instrument(skip_all, fields(order.id = %seen.order.id, binding.id = %b.id))]
pub async fn breach(conn: &mut PgConnection, seen: &SeenOrder, b: &Binding, now: Ts) -> Result<(), DomainError> {
    let change = BindingChange {
        kind: "compliance",
        occurred_at: now,
        served_at: None,
        channel: None,
        complied_at: None,
        non_compliant_at: Some(now),
        geofenced_only: None,
        note: None,
    };
    set_binding(conn, seen, b, BindingStatus::NonCompliant, now, change).await
}

/// For the worker: the order of `order_id`, locked like [`visible_for_update`], read as
/// the worker (which sees every case; its moves are recorded as `system:worker`).
///
/// # Errors
/// `NotFound` when there is no such order; `Db` otherwise.
pub async fn for_worker(conn: &mut PgConnection, order_id: Uuid) -> Result<SeenOrder, DomainError> {
    visible_for_update(conn, Visibility::All(system_actor()), order_id).await
}

/// The binding an administrative-penalty claim names: of `order_id`, an order of `case_id`,
/// for `respondent_id`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn named_binding(
    conn: &mut PgConnection,
    case_id: Uuid,
    related: RelatedBinding,
) -> Result<Option<NamedBinding>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT b.status AS "status: BindingStatus", GREATEST(b.comply_by, b.served_at) AS "breach_at!: Ts"
           FROM order_bindings b JOIN orders o ON o.id = b.order_id
           WHERE o.case_id = $1 AND o.id = $2 AND b.respondent_id = $3"#,
        case_id,
        related.order_id,
        related.respondent_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| NamedBinding {
        status: r.status,
        breach_at: r.breach_at.get(),
    }))
}

// ---------------------------------------------------------------------------------------
// Penalty exposure and what the worker calls

/// The exposure of one binding of an order, as of an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingExposure {
    pub binding_id: Uuid,
    pub respondent_id: Uuid,
    pub respondent_kind: RespondentKind,
    pub jurisdiction: PenaltyJurisdiction,
    pub status: BindingStatus,
    pub comply_by: Ts,
    pub complied_at: Option<Ts>,
    pub repeat_offence: bool,
    pub exposure: Exposure,
}

fn exposure_of(
    law: &LegalParameters,
    jurisdiction: PenaltyJurisdiction,
    b: &Binding,
    as_of: Timestamp,
) -> Result<BindingExposure, MissingParameter> {
    let facts = BindingFacts {
        jurisdiction,
        respondent_kind: b.respondent_kind,
        comply_by: b.comply_by.get(),
        complied_at: b.complied_at.map(Ts::get),
        served_at: b.served_at.map(Ts::get),
        repeat_offence: b.repeat_offence,
    };
    Ok(BindingExposure {
        binding_id: b.id,
        respondent_id: b.respondent_id,
        respondent_kind: b.respondent_kind,
        jurisdiction,
        status: b.status,
        comply_by: b.comply_by,
        complied_at: b.complied_at,
        repeat_offence: b.repeat_offence,
        exposure: penalty::exposure(law, &facts, as_of)?,
    })
}

/// The exposure of every binding of `order` as of `as_of`.
///
/// # Errors
/// `MissingParameter` when the law table lacks a figure for a breach date.
pub fn order_exposure(
    law: &LegalParameters,
    order: &Order,
    as_of: Timestamp,
) -> Result<Vec<BindingExposure>, MissingParameter> {
    order
        .bindings
        .iter()
        .map(|b| exposure_of(law, order.jurisdiction, b, as_of))
        .collect()
}

/// For the worker: the exposure of one binding as of `as_of`, `None` when there is no such
/// binding. Reads the law table itself.
///
/// # Errors
/// `Db`; `Conflict` when the law table lacks a figure for the breach date.
#[tracing::instrument(skip_all, fields(binding.id = %binding_id))]
pub async fn binding_exposure(
    conn: &mut PgConnection,
    binding_id: Uuid,
    as_of: Timestamp,
) -> Result<Option<BindingExposure>, DomainError> {
    let Some(order_id) = sqlx::query_scalar!("SELECT order_id FROM order_bindings WHERE id = $1", binding_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let order = store::read::<Order>(conn, Visibility::All(system_actor()), &[order_id])
        .await?
        .pop();
    let Some(b) = order.as_ref().and_then(|o| o.binding(binding_id)) else {
        return Ok(None);
    };
    let law = penalty::store::load(conn).await?;
    let jurisdiction = order.as_ref().map_or(PenaltyJurisdiction::Bc, |o| o.jurisdiction);
    exposure_of(&law, jurisdiction, b, as_of)
        .map(Some)
        .map_err(|e| DomainError::Conflict(e.to_string()))
}

/// Whether `a` is the worker's own actor ([`system_actor`]).
fn is_worker(a: Actor) -> bool {
    a.id.is_nil()
}

/// The worker reads as if it saw every case; it acts on rows it found by id.
fn system_actor() -> Actor {
    Actor {
        id: Uuid::nil(),
        role: crate::identity::Role::Supervisor,
    }
}
