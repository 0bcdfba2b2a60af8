//! What the platform directory holds (contract §4): the services images get shared on,
//! and the routes by which the service asks them to take images down.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{string_enum, timestamp::Ts};

string_enum! {
    /// What sort of service a platform is.
    pub enum PlatformKind {
        SocialMedia = "social_media",
        SearchEngine = "search_engine",
        AdultSite = "adult_site",
        Hosting = "hosting",
        Messaging = "messaging",
        Forum = "forum",
        /// Matches image fingerprints across partner sites (StopNCII, Take It Down).
        HashService = "hash_service",
        Other = "other",
    }
}

string_enum! {
    /// How a platform takes reports.
    pub enum ChannelKind {
        /// A report made inside the platform's app or site; `address` names where.
        InAppReport = "in_app_report",
        /// A web form; `address` is its URL.
        WebForm = "web_form",
        /// An email address.
        Email = "email",
        /// The agent designated for copyright (DMCA) notices: an email address or a form URL.
        DmcaAgent = "dmca_agent",
        /// A portal for police and courts; `address` is its URL.
        LawEnforcementPortal = "law_enforcement_portal",
        /// Submission of image fingerprints (hashes); `address` is the service's URL.
        HashSubmission = "hash_submission",
    }
}

/// One way to ask a platform to remove content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformChannel {
    pub kind: ChannelKind,
    /// Where to send it, checked by kind: an email address for `email`; an http(s) URL for
    /// `web_form`, `law_enforcement_portal` and `hash_submission`; either for
    /// `dmca_agent`; a short description of where in the app for `in_app_report`. URLs
    /// and email domains are checked strictly (`userinfo_not_allowed`, `non_canonical_ip`,
    /// `mixed_script_host`; see the website).
    #[schema(example = "https://support.example.com/report")]
    pub address: String,
    /// What to say or choose so the report reaches the right team (e.g. a required
    /// subject line).
    pub instructions: String,
}

/// A person or team at a platform the service deals with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformContact {
    pub name: String,
    /// e.g. "Trust and safety, Canada".
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Digits with optional `+`, spaces, dashes, dots and parentheses; 7–15 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A platform as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub id: Uuid,
    pub name: String,
    pub kind: PlatformKind,
    pub website: String,
    pub is_internet_intermediary: bool,
    pub stopncii_partner: bool,
    pub channels: Vec<PlatformChannel>,
    pub contacts: Vec<PlatformContact>,
    pub follow_up_business_days: u8,
    pub notes: Option<String>,
    pub active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub version: i64,
}

// Lenient on purpose: fields the contract requires are optional here so that
// `NewPlatform::parse` (in `platform::rules`) names every missing or invalid field in one
// answer. Store functions take only the parsed `PlatformSpec`.
/// A platform to add to the directory. Every broken rule is reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlatform {
    /// Unique, ignoring case; 1–200 characters.
    #[schema(value_type = String, required = true, example = "Example Social")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(value_type = PlatformKind, required = true)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PlatformKind>,
    /// The platform's home page (http or https), parsed as browsers do: no user name or
    /// password (`userinfo_not_allowed`), IPv4 only in dotted decimal
    /// (`non_canonical_ip`), ports up to 65535, and no host label mixing writing systems
    /// (`mixed_script_host`). An internationalised host is stored in punycode.
    #[schema(value_type = String, required = true, example = "https://social.example.com")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Whether it hosts or carries other people's content, which decides the penalty
    /// scale an order binds it to.
    #[schema(value_type = bool, required = true)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_internet_intermediary: Option<bool>,
    /// Whether it takes hashes from StopNCII (default false).
    #[schema(value_type = bool, default = false)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopncii_partner: Option<bool>,
    /// Reporting routes, most useful first (at most 20; default none).
    #[schema(value_type = Vec<PlatformChannel>, max_items = 20)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<PlatformChannel>>,
    /// People and teams (at most 20; default none).
    #[schema(value_type = Vec<PlatformContact>, max_items = 20)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<PlatformContact>>,
    /// Office days to wait for an answer before following up a takedown request, 1–30
    /// (default 5).
    #[schema(value_type = i32, minimum = 1, maximum = 30, default = 5)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_business_days: Option<i64>,
    /// Free text for caseworkers (at most 10000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `false` retires the platform: it stays listed (history keeps pointing at it) but
    /// no new takedown request should name it. Default true.
    #[schema(value_type = bool, default = true)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A platform that passed every rule. Only [`NewPlatform::parse`] makes one, so a store
/// function taking it cannot write an unchecked platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSpec {
    pub(super) name: String,
    pub(super) kind: PlatformKind,
    pub(super) website: String,
    pub(super) is_internet_intermediary: bool,
    pub(super) stopncii_partner: bool,
    pub(super) channels: Vec<PlatformChannel>,
    pub(super) contacts: Vec<PlatformContact>,
    pub(super) follow_up_business_days: u8,
    pub(super) notes: Option<String>,
    pub(super) active: bool,
}

impl PlatformSpec {
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    #[must_use]
    pub fn kind(&self) -> PlatformKind {
        self.kind
    }
    #[must_use]
    pub fn website(&self) -> &str {
        &self.website
    }
    #[must_use]
    pub fn is_internet_intermediary(&self) -> bool {
        self.is_internet_intermediary
    }
    #[must_use]
    pub fn stopncii_partner(&self) -> bool {
        self.stopncii_partner
    }
    #[must_use]
    pub fn channels(&self) -> &[PlatformChannel] {
        &self.channels
    }
    #[must_use]
    pub fn contacts(&self) -> &[PlatformContact] {
        &self.contacts
    }
    #[must_use]
    pub fn follow_up_business_days(&self) -> u8 {
        self.follow_up_business_days
    }
    #[must_use]
    pub fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }
    #[must_use]
    pub fn active(&self) -> bool {
        self.active
    }
}

impl PlatformSpec {
    /// The platform in the shape a client sends (what [`Platform::to_new`] gives for a
    /// stored one), to compare a merge patch's result with what was there.
    #[must_use]
    pub fn to_new(&self) -> NewPlatform {
        NewPlatform {
            name: Some(self.name.clone()),
            kind: Some(self.kind),
            website: Some(self.website.clone()),
            is_internet_intermediary: Some(self.is_internet_intermediary),
            stopncii_partner: Some(self.stopncii_partner),
            channels: Some(self.channels.clone()),
            contacts: Some(self.contacts.clone()),
            follow_up_business_days: Some(i64::from(self.follow_up_business_days)),
            notes: self.notes.clone(),
            active: Some(self.active),
        }
    }
}

impl Platform {
    /// The editable part, in the shape a client sends: what a merge patch applies to.
    #[must_use]
    pub fn to_new(&self) -> NewPlatform {
        NewPlatform {
            name: Some(self.name.clone()),
            kind: Some(self.kind),
            website: Some(self.website.clone()),
            is_internet_intermediary: Some(self.is_internet_intermediary),
            stopncii_partner: Some(self.stopncii_partner),
            channels: Some(self.channels.clone()),
            contacts: Some(self.contacts.clone()),
            follow_up_business_days: Some(i64::from(self.follow_up_business_days)),
            notes: self.notes.clone(),
            active: Some(self.active),
        }
    }
}

/// How a platform has answered takedown requests (contract §4).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlatformScorecard {
    pub platform_id: Uuid,
    /// Takedown requests by their current status (every status listed, zeros included).
    pub counts: OutcomeCounts,
    /// Median office days from submission to removal over requests that reached
    /// `removed` (see `platform::scorecard::office_days_between`); `null` when none did.
    pub median_business_days_to_removal: Option<f64>,
    /// How many removals the median is taken over.
    pub removals_measured: u32,
}

/// Takedown requests of one platform by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutcomeCounts {
    pub draft: u32,
    pub submitted: u32,
    pub acknowledged: u32,
    pub removed: u32,
    pub partially_removed: u32,
    pub refused: u32,
    pub escalated: u32,
    pub withdrawn: u32,
}
