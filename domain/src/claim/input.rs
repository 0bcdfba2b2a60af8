//! What a caller sends to open or move a claim: lenient wire shapes (required fields are
//! `Option`, documented as required, so one 422 names every missing field; unknown fields
//! are refused). Each has exactly one `parse`, in `rules.rs`.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::types::{ApplicantKind, ClaimKind, ClaimStatus, Forum, Outcome, RespondentKind};

/// A new claim for a case.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    /// A case you see whose situation is `shared` or `threatened`.
    #[schema(value_type = Uuid, required)]
    pub case_id: Option<Uuid>,
    /// `crt_bc` needs a `bc` case, `court_of_quebec` a `qc` case.
    #[schema(value_type = Forum, required)]
    pub forum: Option<Forum>,
    /// `administrative_penalty` only before the CRT: the Court of Québec enforces its
    /// orders with fines, not administrative penalties.
    #[schema(value_type = ClaimKind, required)]
    pub kind: Option<ClaimKind>,
    /// Who applies. By the client's age and the forum: `client` from 14; under 14 in BC a
    /// `guardian`, or an `authorised_person` from 12; under 14 in Quebec a `guardian` (the
    /// parents); `authorised_person` from 14 in both; `personal_representative` only, and
    /// always, for a deceased client.
    #[schema(value_type = NewApplicant, required)]
    pub applicant: Option<NewApplicant>,
    /// The tribunal's file number, 1–100 characters.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 100)]
    pub tribunal_reference: Option<String>,
    /// When it was filed (RFC 3339 with offset, not in the future). Present: the claim
    /// starts `filed`; absent: `preparing`, and the filing date is the transition's.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub filed_at: Option<jiff::Timestamp>,
    /// Who the claim is against; up to 20. A `protection_order` may name none (an
    /// application can be made without naming the person); `damages` and
    /// `administrative_penalty` name at least one.
    #[schema(value_type = Vec<NewRespondent>, required = false, max_items = 20)]
    pub respondents: Option<Vec<NewRespondent>>,
    /// `administrative_penalty` only (and required there): the order of the same case
    /// whose breach the claim is about.
    #[schema(required = false, value_type = Uuid)]
    pub related_order_id: Option<Uuid>,
    /// `administrative_penalty` only (and required there): the respondent (of the claim that
    /// led to the order) bound by it, whose binding is `non_compliant`. The claim must be
    /// filed within 4 years of the breach (the binding's `comply_by`).
    #[schema(required = false, value_type = Uuid)]
    pub related_respondent_id: Option<Uuid>,
    /// `damages` only. Before the CRT, at most the cap in force on the filing date
    /// (see `GET /v1/legal-parameters`, `crt_bc.damages_cap`): checked here when `filed_at`
    /// is given, otherwise when the claim moves to `filed`.
    #[schema(required = false, value_type = i64, minimum = 1)]
    pub damages_claimed_cents: Option<i64>,
}

/// Who makes the application.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplicant {
    #[schema(value_type = ApplicantKind, required)]
    pub kind: Option<ApplicantKind>,
    /// 1–200 characters; required unless `kind` is `client` (refused then: the client's
    /// name is on the case). Kept sealed at rest, never in the timeline.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
}

/// Someone a claim is against.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRespondent {
    #[schema(value_type = RespondentKind, required)]
    pub kind: Option<RespondentKind>,
    /// 1–200 characters; kept sealed at rest, never in the timeline.
    #[schema(value_type = String, required, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The platform of the directory the respondent is, or acts through.
    #[schema(required = false, value_type = Uuid)]
    pub platform_id: Option<Uuid>,
    /// A minor respondent puts a publication ban on the claim. Required, so that a ban is
    /// never missed by omission.
    #[schema(value_type = bool, required)]
    pub is_minor: Option<bool>,
}

/// A move of a claim through its lifecycle.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimTransition {
    #[schema(value_type = ClaimStatus, required)]
    pub to: Option<ClaimStatus>,
    /// Required when moving to `decided`, refused otherwise.
    #[schema(required = false, value_type = Outcome)]
    pub outcome: Option<Outcome>,
    /// When it happened (RFC 3339 with offset): not in the future, not before the previous
    /// status change. Default now.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub occurred_at: Option<jiff::Timestamp>,
    /// At most 20,000 characters; kept sealed, never in the timeline.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 20000)]
    pub note: Option<String>,
}
