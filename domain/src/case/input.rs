//! What a caller sends to change a case: lenient wire shapes, one per write. Fields the
//! contract requires are `Option` here (documented as required) so that a body missing
//! several of them is answered with one 422 naming each; unknown fields are refused. Each
//! shape has exactly one `parse` (in `rules.rs`) into the validated type the store takes.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::types::{
    AgeGroup, CaseStatus, CloseReason, ConsentScope, EvidenceKind, GuardianInvolvement, Jurisdiction, NoteKind,
    PreferredChannel, Priority, ReferralStatus, ReferralTo, Situation, Support,
};

/// A new case: the client, what happened, and what help is wanted.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(value_type = NewClient, required)]
    pub client: Option<NewClient>,
    #[schema(value_type = Situation, required)]
    pub situation: Option<Situation>,
    #[schema(value_type = Jurisdiction, required)]
    pub jurisdiction: Option<Jurisdiction>,
    /// Default `false`.
    #[schema(required = false, value_type = bool)]
    pub sextortion: Option<bool>,
    /// Default `false`.
    #[schema(required = false, value_type = bool)]
    pub altered_image: Option<bool>,
    /// Each at most once. Default none.
    #[schema(required = false, value_type = Vec<Support>)]
    pub supports_requested: Option<Vec<Support>>,
    /// Default `normal`.
    #[schema(required = false, value_type = Priority)]
    pub priority: Option<Priority>,
    /// Free text, at most 10,000 characters; kept sealed at rest.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 10000)]
    pub summary: Option<String>,
}

/// The person the case is about.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// 1–200 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(required = false, value_type = String, min_length = 1, max_length = 200)]
    pub preferred_name: Option<String>,
    #[schema(required = false, value_type = String, min_length = 1, max_length = 100)]
    pub pronouns: Option<String>,
    /// adult = 19 and over, youth = 18 and under.
    #[schema(value_type = AgeGroup, required)]
    pub age_group: Option<AgeGroup>,
    /// When given, must agree with `age_group`.
    #[schema(required = false, value_type = u8, minimum = 0, maximum = 120)]
    pub age: Option<u8>,
    #[schema(value_type = NewContact, required)]
    pub contact: Option<NewContact>,
    /// Adults: `not_applicable`; youth: anything else.
    #[schema(value_type = GuardianInvolvement, required)]
    pub guardian_involvement: Option<GuardianInvolvement>,
    #[schema(required = false, value_type = String, min_length = 1, max_length = 100)]
    pub interpreter_language: Option<String>,
    /// The client has died (default false): only their personal representative applies
    /// for an order then.
    #[schema(required = false, value_type = bool)]
    pub deceased: Option<bool>,
}

/// How to reach the client safely.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    #[schema(required = false, value_type = String, format = Email)]
    pub email: Option<String>,
    /// Digits with optional `+`, spaces, dashes, dots and parentheses; 7–15 digits.
    #[schema(required = false, value_type = String)]
    pub phone: Option<String>,
    /// Needs the matching `email` or `phone`.
    #[schema(value_type = PreferredChannel, required)]
    pub preferred_channel: Option<PreferredChannel>,
    /// Whether a message may be left (someone else may hear or read it).
    #[schema(value_type = bool, required)]
    pub safe_to_leave_message: Option<bool>,
    /// When and how contact is safe, e.g. "only after 5pm"; at most 2,000 characters.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 2000)]
    pub safe_contact_notes: Option<String>,
}

/// A move through the case lifecycle.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseTransition {
    /// The target state.
    #[schema(value_type = CaseStatus, required)]
    pub to: Option<CaseStatus>,
    /// Required to close.
    #[schema(required = false, value_type = CloseReason)]
    pub close_reason: Option<CloseReason>,
    /// Close even though takedown requests are still open. Default `false`.
    #[schema(required = false, value_type = bool)]
    pub force: Option<bool>,
}

/// Who works a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAssignment {
    /// The primary caseworker (an active caseworker or supervisor).
    #[schema(value_type = Uuid, required)]
    pub primary: Option<Uuid>,
    /// Others working the case (active caseworkers or supervisors); they see it too.
    #[schema(required = false, value_type = Vec<Uuid>)]
    pub collaborators: Option<Vec<Uuid>>,
}

/// A note for the case record (append-only).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[schema(value_type = NoteKind, required)]
    pub kind: Option<NoteKind>,
    /// 1–20,000 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 20000)]
    pub body: Option<String>,
}

/// A referral to another organisation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferral {
    #[schema(value_type = ReferralTo, required)]
    pub to: Option<ReferralTo>,
    /// Required when `to` is `other`, refused otherwise.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 200)]
    pub other_name: Option<String>,
    /// Default `suggested`.
    #[schema(required = false, value_type = ReferralStatus)]
    pub status: Option<ReferralStatus>,
}

/// Moves a referral on.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralPatch {
    /// suggested → made | declined; made → accepted | declined.
    #[schema(value_type = ReferralStatus, required)]
    pub status: Option<ReferralStatus>,
}

/// A consent the client gave.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsent {
    #[schema(value_type = ConsentScope, required)]
    pub scope: Option<ConsentScope>,
    /// The party it covers: a platform of the directory, or a respondent of one of the
    /// case's claims (422 `unknown_party` otherwise); absent = any party of that scope.
    #[schema(required = false, value_type = Uuid)]
    pub party_id: Option<Uuid>,
    /// When the client gave it (RFC 3339 with offset, not in the future); default now.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub given_at: Option<jiff::Timestamp>,
}

/// Metadata of preserved evidence (never image bytes).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    #[schema(value_type = EvidenceKind, required)]
    pub kind: Option<EvidenceKind>,
    /// http or https, at most 2048 characters, parsed as browsers do: no user name or
    /// password (`userinfo_not_allowed`), IPv4 only in dotted decimal
    /// (`non_canonical_ip`), ports up to 65535. Kept as posted, except an
    /// internationalised host, stored in punycode.
    #[schema(required = false, value_type = String, max_length = 2048, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://")]
    pub url: Option<String>,
    /// Where it was found, e.g. "Instagram"; 1–200 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 200)]
    pub site: Option<String>,
    /// Who posted it, as shown on the site.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 2000)]
    pub poster: Option<String>,
    /// When it was posted; not after `captured_at`.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub posted_at: Option<jiff::Timestamp>,
    /// When it was preserved; not in the future.
    #[schema(value_type = String, format = DateTime, required)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub captured_at: Option<jiff::Timestamp>,
    /// What it shows (1–10,000 characters). Never the image itself.
    #[schema(value_type = String, required, min_length = 1, max_length = 10000)]
    pub description: Option<String>,
    /// SHA-256 of the preserved file, 64 hex digits.
    #[schema(required = false, value_type = String, pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: Option<String>,
    /// Where the preserved copy is kept (outside this service).
    #[schema(required = false, value_type = String, min_length = 1, max_length = 2000)]
    pub storage_location: Option<String>,
}
