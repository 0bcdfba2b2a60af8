//! What a takedown request is (contract §5): which URLs, sent to which platform, by which
//! route, on what legal footing; and the wire shape a client creates one with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::string_enum;

string_enum! {
    /// Where a takedown request is in its life.
    pub enum TakedownStatus {
        Draft = "draft",
        Submitted = "submitted",
        Acknowledged = "acknowledged",
        Removed = "removed",
        PartiallyRemoved = "partially_removed",
        Refused = "refused",
        Escalated = "escalated",
        Withdrawn = "withdrawn",
    }
}

string_enum! {
    /// The route a request goes by.
    pub enum TakedownChannel {
        /// The platform's own reporting tool (in-app or on its site).
        PlatformReport = "platform_report",
        /// A letter by email citing the platform's policy.
        Email = "email",
        /// The platform's web form.
        WebForm = "web_form",
        /// Hashes through StopNCII (adults only).
        Stopncii = "stopncii",
        /// Hashes through Take It Down (images of people under 18).
        TakeItDown = "take_it_down",
        /// A search engine's de-indexing request.
        SearchDeindex = "search_deindex",
        /// A notice of claimed infringement under the Copyright Act (Canada), s. 41.25.
        CopyrightNoticeCa = "copyright_notice_ca",
        /// A DMCA takedown notice, 17 U.S.C. § 512(c)(3).
        DmcaNotice = "dmca_notice",
        /// A cease-and-desist letter to the person sharing the images.
        CeaseAndDesist = "cease_and_desist",
        /// Serving a tribunal or court order.
        OrderService = "order_service",
    }
}

string_enum! {
    /// What the request relies on.
    pub enum LegalBasis {
        PlatformPolicy = "platform_policy",
        /// An order under the Intimate Images Protection Act.
        IipaOrder = "iipa_order",
        Copyright = "copyright",
        PrivacyAct = "privacy_act",
        Other = "other",
    }
}

impl TakedownStatus {
    /// No transition leaves these.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TakedownStatus::Removed
                | TakedownStatus::PartiallyRemoved
                | TakedownStatus::Escalated
                | TakedownStatus::Withdrawn
        )
    }

    /// Sent and not yet answered: follow-ups run, and the case cannot close without force.
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, TakedownStatus::Submitted | TakedownStatus::Acknowledged)
    }

    /// The platform's answer: `resolved_at` is set on entering one of these.
    #[must_use]
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            TakedownStatus::Removed | TakedownStatus::PartiallyRemoved | TakedownStatus::Refused
        )
    }
}

impl TakedownChannel {
    /// Whether the route sends a letter (`GET .../notice` renders it).
    #[must_use]
    pub fn has_letter(self) -> bool {
        matches!(
            self,
            TakedownChannel::Email
                | TakedownChannel::CopyrightNoticeCa
                | TakedownChannel::DmcaNotice
                | TakedownChannel::CeaseAndDesist
                | TakedownChannel::OrderService
        )
    }
}

// Lenient on purpose: required fields are optional here so that `NewTakedown::parse` (in
// `takedown::rules`) names every missing or invalid field in one answer. Store functions
// take only the parsed `TakedownSpec`.
/// A takedown request to draft. Every broken rule is reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTakedown {
    #[schema(value_type = Uuid, required = true)]
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[schema(value_type = Uuid, required = true)]
    #[serde(default)]
    pub platform_id: Option<Uuid>,
    #[schema(value_type = TakedownChannel, required = true)]
    #[serde(default)]
    pub channel: Option<TakedownChannel>,
    /// 1–50 http(s) URLs of at most 2048 characters, distinct after normalisation.
    #[schema(value_type = Vec<String>, required = true, min_items = 1, max_items = 50)]
    #[serde(default)]
    pub urls: Option<Vec<String>>,
    /// Evidence items of the case that show the URLs (distinct; default none).
    #[schema(value_type = Vec<Uuid>)]
    #[serde(default)]
    pub evidence_ids: Option<Vec<Uuid>>,
    /// Why the request goes out without evidence of every URL (e.g. the client could not
    /// safely capture it).
    #[serde(default)]
    pub evidence_waiver_reason: Option<String>,
    #[schema(value_type = LegalBasis, required = true)]
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    /// The order relied on or served; required with `iipa_order` and for `order_service`.
    #[serde(default)]
    pub order_id: Option<Uuid>,
    /// Whether the person shown was under 18 in the images: `stopncii` needs `false`,
    /// `take_it_down` needs `true`.
    #[serde(default)]
    pub depicted_under_18: Option<bool>,
    /// Why a cease-and-desist letter goes to the person behind a sextortion (the toolkit
    /// advises stopping all contact with an extorter).
    #[serde(default)]
    pub override_reason: Option<String>,
    /// The particulars a copyright notice states (required for `copyright_notice_ca` and
    /// `dmca_notice`); kept sealed.
    #[serde(default)]
    pub copyright: Option<CopyrightParticulars>,
}

/// What a copyright notice says about the work and the claimant's right in it. The client
/// is named as claimant only in these notices, because the law requires it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyrightParticulars {
    /// The work, e.g. "A photograph the claimant took of themselves in June 2025."
    #[schema(min_length = 1, max_length = 2000)]
    pub work: String,
    /// The claimant's interest or right, e.g. "The claimant took the photograph and owns
    /// the copyright in it."
    #[schema(min_length = 1, max_length = 2000)]
    pub claimant_right: String,
    /// The claimant's own address, when they want it used; otherwise the service's
    /// address is given for correspondence ("care of").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 2000)]
    pub claimant_address: Option<String>,
}

/// A takedown request that passed every rule of its own (the guards that need the case,
/// the platform or the evidence are checked on submission). Only `NewTakedown::parse`
/// makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakedownSpec {
    pub(super) case_id: Uuid,
    pub(super) platform_id: Uuid,
    pub(super) channel: TakedownChannel,
    pub(super) urls: Vec<String>,
    pub(super) evidence_ids: Vec<Uuid>,
    pub(super) evidence_waiver_reason: Option<String>,
    pub(super) legal_basis: LegalBasis,
    pub(super) order_id: Option<Uuid>,
    pub(super) depicted_under_18: Option<bool>,
    pub(super) override_reason: Option<String>,
    pub(super) copyright: Option<CopyrightParticulars>,
}

impl TakedownSpec {
    #[must_use]
    pub fn case_id(&self) -> Uuid {
        self.case_id
    }
    #[must_use]
    pub fn platform_id(&self) -> Uuid {
        self.platform_id
    }
    #[must_use]
    pub fn channel(&self) -> TakedownChannel {
        self.channel
    }
    /// As written (trimmed), in the order given.
    #[must_use]
    pub fn urls(&self) -> &[String] {
        &self.urls
    }
    #[must_use]
    pub fn evidence_ids(&self) -> &[Uuid] {
        &self.evidence_ids
    }
    #[must_use]
    pub fn evidence_waiver_reason(&self) -> Option<&str> {
        self.evidence_waiver_reason.as_deref()
    }
    #[must_use]
    pub fn legal_basis(&self) -> LegalBasis {
        self.legal_basis
    }
    #[must_use]
    pub fn order_id(&self) -> Option<Uuid> {
        self.order_id
    }
    #[must_use]
    pub fn depicted_under_18(&self) -> Option<bool> {
        self.depicted_under_18
    }
    #[must_use]
    pub fn override_reason(&self) -> Option<&str> {
        self.override_reason.as_deref()
    }
    #[must_use]
    pub fn copyright(&self) -> Option<&CopyrightParticulars> {
        self.copyright.as_ref()
    }
}

/// A takedown request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Takedown {
    pub id: Uuid,
    pub case_id: Uuid,
    pub platform_id: Uuid,
    pub channel: TakedownChannel,
    pub urls: Vec<String>,
    pub evidence_ids: Vec<Uuid>,
    pub evidence_waiver_reason: Option<String>,
    pub legal_basis: LegalBasis,
    pub order_id: Option<Uuid>,
    pub depicted_under_18: Option<bool>,
    pub override_reason: Option<String>,
    pub copyright: Option<CopyrightParticulars>,
    pub status: TakedownStatus,
    /// When the current status was entered: the earliest `occurred_at` of the next move.
    pub status_changed_at: crate::Ts,
    pub submitted_at: Option<crate::Ts>,
    pub platform_reference: Option<String>,
    pub follow_up_due_at: Option<crate::Ts>,
    pub follow_up_count: i32,
    pub resolved_at: Option<crate::Ts>,
    pub created_by: Uuid,
    pub created_at: crate::Ts,
    pub updated_at: crate::Ts,
    pub version: i64,
}

/// A move of a takedown request, as a caller sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakedownTransition {
    /// The target state.
    #[schema(value_type = TakedownStatus, required)]
    pub to: Option<TakedownStatus>,
    /// When it happened (RFC 3339 with offset): not in the future, not before the previous
    /// move; default now.
    #[schema(required = false, value_type = String, format = DateTime)]
    #[serde(default, deserialize_with = "crate::timestamp::strict_option")]
    pub occurred_at: Option<jiff::Timestamp>,
    /// What happened, in a caseworker's words (kept sealed).
    #[schema(required = false, value_type = String, min_length = 1, max_length = 2000)]
    pub note: Option<String>,
    /// The platform's ticket or case number, once it gives one.
    #[schema(required = false, value_type = String, min_length = 1, max_length = 200)]
    pub platform_reference: Option<String>,
}
