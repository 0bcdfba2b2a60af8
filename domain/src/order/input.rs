//! What a caller sends to record an order, its service and compliance: lenient wire shapes
//! (required fields `Option`, documented as required; unknown fields refused), each with
//! exactly one `parse` in `rules.rs`.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::types::{ComplianceStatus, OrderTerm, ServiceChannel};

/// An order the tribunal issued on a claim.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// A claim you see, `decided` with outcome `granted` or `partially_granted`.
    #[schema(value_type = Uuid, required)]
    pub claim_id: Option<Uuid>,
    /// The tribunal's reference for the order, 1–100 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 100)]
    pub order_reference: Option<String>,
    /// RFC 3339 with offset, not in the future.
    #[schema(value_type = String, format = DateTime, required)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub issued_at: Option<jiff::Timestamp>,
    /// What the order requires; at least one, each once.
    #[schema(value_type = Vec<OrderTerm>, required, min_items = 1)]
    pub terms: Option<Vec<OrderTerm>>,
    /// Default: the claim's (any minor respondent). A claim's ban cannot be lifted here.
    #[schema(required = false, value_type = bool)]
    pub publication_ban: Option<bool>,
    /// Who is bound and by when; at least one, each respondent of the claim at most once.
    #[schema(value_type = Vec<NewBinding>, required, min_items = 1)]
    pub bindings: Option<Vec<NewBinding>>,
}

/// A respondent bound by an order.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBinding {
    /// A respondent of the order's claim.
    #[schema(value_type = Uuid, required)]
    pub respondent_id: Option<Uuid>,
    /// The deadline to comply (RFC 3339 with offset), after `issued_at`.
    #[schema(value_type = String, format = DateTime, required)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub comply_by: Option<jiff::Timestamp>,
    /// Quebec: a repeat offence doubles the daily fine range. Default `false`.
    #[schema(required = false, value_type = bool)]
    pub repeat_offence: Option<bool>,
}

/// Service of the order on the bound respondent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// RFC 3339 with offset; not in the future, not before the order was issued. Default now.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub served_at: Option<jiff::Timestamp>,
    #[schema(value_type = ServiceChannel, required)]
    pub channel: Option<ServiceChannel>,
    /// At most 20,000 characters; kept sealed.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 20000)]
    pub note: Option<String>,
}

/// What a compliance check found.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompliance {
    #[schema(value_type = ComplianceStatus, required)]
    pub status: Option<ComplianceStatus>,
    /// RFC 3339 with offset; not in the future, not before service. Default now. For
    /// `complied` it is the `complied_at` that stops the penalty count.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub checked_at: Option<jiff::Timestamp>,
    /// At most 20,000 characters; kept sealed.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 20000)]
    pub note: Option<String>,
    /// The images are only blocked for viewers in Canada. Such blocking is not compliance
    /// (CRT decision against X Corp): `complied` with `true` is refused. Default `false`.
    #[schema(required = false, value_type = bool)]
    pub geofenced_only: Option<bool>,
}
