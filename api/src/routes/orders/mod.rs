//! Orders (contract §6): the order itself (`order`), service and compliance of each binding
//! (`bindings`), and the penalty exposure (`exposure`). An order is visible exactly to those
//! who see its case; every path answers in the cases' order of checks.

pub mod bindings;
pub mod exposure;
pub mod order;

use casework_domain::{
    Ts,
    order::{Binding, BindingStatus, Order, OrderTerm, ServiceChannel},
    penalty::{PenaltyJurisdiction, RespondentKind},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One respondent bound by an order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrderBinding)]
pub struct BindingOut {
    pub id: Uuid,
    /// A respondent of the order's claim.
    pub respondent_id: Uuid,
    pub respondent_kind: RespondentKind,
    pub comply_by: jiff::Timestamp,
    /// pending_service → served → complied | non_compliant; non_compliant → complied.
    pub status: BindingStatus,
    /// Quebec: a repeat offence doubles the daily fine range.
    pub repeat_offence: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_channel: Option<ServiceChannel>,
    /// When compliance was recorded; it stops the penalty count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complied_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_compliant_at: Option<jiff::Timestamp>,
    pub updated_at: jiff::Timestamp,
}

impl From<Binding> for BindingOut {
    fn from(b: Binding) -> Self {
        Self {
            id: b.id,
            respondent_id: b.respondent_id,
            respondent_kind: b.respondent_kind,
            comply_by: b.comply_by.get(),
            status: b.status,
            repeat_offence: b.repeat_offence,
            served_at: b.served_at.map(Ts::get),
            service_channel: b.service_channel,
            complied_at: b.complied_at.map(Ts::get),
            non_compliant_at: b.non_compliant_at.map(Ts::get),
            updated_at: b.updated_at.get(),
        }
    }
}

/// An order as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Order)]
pub struct OrderOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub claim_id: Uuid,
    /// Whose penalties apply: the claim's forum (`crt_bc` → `bc`, `court_of_quebec` → `qc`).
    pub jurisdiction: PenaltyJurisdiction,
    pub order_reference: String,
    pub issued_at: jiff::Timestamp,
    pub terms: Vec<OrderTerm>,
    pub publication_ban: bool,
    pub bindings: Vec<BindingOut>,
    pub created_by: Uuid,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// Increments on every change, including each binding's; the ETag is derived from it.
    pub version: i64,
}

impl From<Order> for OrderOut {
    fn from(o: Order) -> Self {
        Self {
            id: o.id,
            case_id: o.case_id,
            claim_id: o.claim_id,
            jurisdiction: o.jurisdiction,
            order_reference: o.order_reference,
            issued_at: o.issued_at.get(),
            terms: o.terms,
            publication_ban: o.publication_ban,
            bindings: o.bindings.into_iter().map(Into::into).collect(),
            created_by: o.created_by,
            created_at: o.created_at.get(),
            updated_at: o.updated_at.get(),
            version: o.version,
        }
    }
}
