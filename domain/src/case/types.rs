//! What a case is: the client, the situation, its state, and the records kept on it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{input::Parsed, string_enum, timestamp::Ts};

string_enum! {
    /// Where a case is in its life (contract §3).
    pub enum CaseStatus { Intake = "intake", Active = "active", OnHold = "on_hold", Closed = "closed" }
}

string_enum! {
    /// adult = 19 and over, youth = 18 and under [IIPS].
    pub enum AgeGroup { Adult = "adult", Youth = "youth" }
}

string_enum! {
    /// How the client wants to be reached.
    pub enum PreferredChannel { Phone = "phone", Email = "email", None = "none" }
}

string_enum! {
    /// Whether a youth's parent or guardian is involved; adults are `not_applicable`.
    pub enum GuardianInvolvement {
        NotApplicable = "not_applicable",
        Undecided = "undecided",
        YouthConsents = "youth_consents",
        YouthDeclines = "youth_declines",
    }
}

string_enum! {
    /// What happened: the Act covers sharing and threats to share, not mere possession.
    pub enum Situation { Shared = "shared", Threatened = "threatened", PossessedNotShared = "possessed_not_shared" }
}

string_enum! {
    pub enum Jurisdiction { Bc = "bc", Qc = "qc", Other = "other" }
}

string_enum! {
    /// Help the client asked for.
    pub enum Support {
        EmotionalSupport = "emotional_support",
        LegalInformation = "legal_information",
        CrtSupport = "crt_support",
        ImageRemoval = "image_removal",
        CriminalProcessInformation = "criminal_process_information",
        Referrals = "referrals",
    }
}

string_enum! {
    pub enum Priority { Normal = "normal", Urgent = "urgent" }
}

string_enum! {
    /// Why a case was closed.
    pub enum CloseReason {
        Resolved = "resolved",
        ClientWithdrew = "client_withdrew",
        UnableToContact = "unable_to_contact",
        ReferredElsewhere = "referred_elsewhere",
        Duplicate = "duplicate",
        Other = "other",
    }
}

string_enum! {
    pub enum NoteKind { Note = "note", ContactLog = "contact_log", SafetyPlan = "safety_plan" }
}

string_enum! {
    /// Organisations a client can be referred to.
    pub enum ReferralTo {
        C3p = "c3p",
        Victimlinkbc = "victimlinkbc",
        Salal = "salal",
        AccessProBono = "access_pro_bono",
        StandInformed = "stand_informed",
        Police = "police",
        Counselling = "counselling",
        Cvap = "cvap",
        KidsHelpPhone = "kids_help_phone",
        Other = "other",
    }
}

string_enum! {
    /// suggested → made → accepted | declined; suggested → declined.
    pub enum ReferralStatus { Suggested = "suggested", Made = "made", Accepted = "accepted", Declined = "declined" }
}

string_enum! {
    /// Who the client allows case information to be shared with.
    pub enum ConsentScope {
        PlatformContact = "platform_contact",
        RespondentContact = "respondent_contact",
        Crt = "crt",
        Police = "police",
        Guardian = "guardian",
        Referral = "referral",
        /// The client agrees to be named (and reached at an address they gave for it) in a
        /// letter to this party (`party_id`), or to any recipient. A Canadian copyright notice
        /// is forwarded to the person who posted (Copyright Act s. 41.26(1)(a)), so this is
        /// asked for separately from `platform_contact`.
        IdentityDisclosure = "identity_disclosure",
    }
}

string_enum! {
    pub enum EvidenceKind {
        Screenshot = "screenshot",
        MessageThread = "message_thread",
        Profile = "profile",
        Comments = "comments",
        UrlRecord = "url_record",
        Other = "other",
    }
}

/// How to reach the client safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Digits with optional `+`, spaces, dashes, dots and parentheses; 7–15 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Needs the matching `email` or `phone`.
    pub preferred_channel: PreferredChannel,
    /// Whether a message may be left (someone else may hear or read it).
    pub safe_to_leave_message: bool,
    /// When and how contact is safe, e.g. "only after 5pm".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_contact_notes: Option<String>,
}

/// The person the case is about. Kept sealed at rest (see `case::protect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pronouns: Option<String>,
    /// adult = 19 and over, youth = 18 and under.
    pub age_group: AgeGroup,
    /// When given, must agree with `age_group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 120)]
    pub age: Option<u8>,
    pub contact: Contact,
    /// Adults: `not_applicable`; youth: anything else.
    pub guardian_involvement: GuardianInvolvement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_language: Option<String>,
    /// The client has died: an application for them is made by their personal
    /// representative (B.C. Reg. 293/2023 s. 3). Shown only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deceased: bool,
}

/// The editable part of a case, validated: built only by `NewCase::parse` (or read back
/// from the store), and what a PATCH merges into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDetails {
    pub client: Client,
    pub situation: Situation,
    pub jurisdiction: Jurisdiction,
    pub sextortion: bool,
    pub altered_image: bool,
    pub supports_requested: Vec<Support>,
    pub priority: Priority,
    /// Free text; kept sealed at rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip)]
    pub(crate) parsed: Parsed,
}

impl CaseDetails {
    /// The Intimate Images Protection Act applies to sharing and threats in BC.
    #[must_use]
    pub fn iipa_applicable(&self) -> bool {
        matches!(self.situation, Situation::Shared | Situation::Threatened) && self.jurisdiction == Jurisdiction::Bc
    }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub reference: String,
    pub status: CaseStatus,
    pub details: CaseDetails,
    pub assigned_to: Uuid,
    pub collaborators: Vec<Uuid>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub closed_at: Option<Ts>,
    pub close_reason: Option<CloseReason>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: NoteKind,
    pub body: String,
    pub author: Uuid,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub to: ReferralTo,
    pub other_name: Option<String>,
    pub status: ReferralStatus,
    pub created_by: Uuid,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    pub case_id: Uuid,
    pub scope: ConsentScope,
    pub party_id: Option<Uuid>,
    pub given_at: Ts,
    pub revoked_at: Option<Ts>,
    pub recorded_by: Uuid,
    pub created_at: Ts,
}

/// Evidence metadata, validated: built only by `NewEvidence::parse` (or read back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub kind: EvidenceKind,
    pub url: Option<String>,
    pub site: String,
    pub poster: Option<String>,
    pub posted_at: Option<Ts>,
    pub captured_at: Ts,
    pub description: String,
    /// Lower-case hex.
    pub sha256: Option<String>,
    pub storage_location: Option<String>,
    pub(crate) parsed: Parsed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: Uuid,
    pub case_id: Uuid,
    pub record: EvidenceRecord,
    pub recorded_by: Uuid,
    pub created_at: Ts,
}

/// A note, validated: built only by `NewNote::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEntry {
    pub kind: NoteKind,
    pub body: String,
    pub(crate) parsed: Parsed,
}

/// A referral, validated: built only by `NewReferral::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEntry {
    pub to: ReferralTo,
    /// Only (and always) for `to: other`.
    pub other_name: Option<String>,
    pub status: ReferralStatus,
    pub(crate) parsed: Parsed,
}

/// A consent, validated: built only by `NewConsent::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentEntry {
    pub scope: ConsentScope,
    pub party_id: Option<Uuid>,
    /// Not in the future.
    pub given_at: Ts,
    pub(crate) parsed: Parsed,
}

/// A validated assignment: an eligible primary and distinct eligible collaborators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub primary: Uuid,
    pub collaborators: Vec<Uuid>,
    pub(crate) parsed: Parsed,
}

/// A validated transition request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRequest {
    pub to: CaseStatus,
    /// Only when closing.
    pub close_reason: Option<CloseReason>,
    pub force: bool,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub case_id: Uuid,
    pub occurred_at: Ts,
    pub kind: String,
    pub actor: String,
    pub detail: serde_json::Value,
}
