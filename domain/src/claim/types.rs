//! What a claim is: the forum, the kind, the respondents, and where it stands.

use uuid::Uuid;

pub use crate::penalty::RespondentKind;
use crate::{case::Jurisdiction, input::Parsed, penalty::PenaltyJurisdiction, string_enum, timestamp::Ts};

string_enum! {
    /// Where a claim is brought.
    pub enum Forum { CrtBc = "crt_bc", CourtOfQuebec = "court_of_quebec" }
}

impl Forum {
    /// The case jurisdiction the forum serves.
    #[must_use]
    pub fn jurisdiction(self) -> Jurisdiction {
        match self {
            Forum::CrtBc => Jurisdiction::Bc,
            Forum::CourtOfQuebec => Jurisdiction::Qc,
        }
    }

    /// Whose penalties apply to the orders it issues.
    #[must_use]
    pub fn penalty_jurisdiction(self) -> PenaltyJurisdiction {
        match self {
            Forum::CrtBc => PenaltyJurisdiction::Bc,
            Forum::CourtOfQuebec => PenaltyJurisdiction::Qc,
        }
    }
}

string_enum! {
    /// What a claim asks for.
    pub enum ClaimKind {
        ProtectionOrder = "protection_order",
        Damages = "damages",
        AdministrativePenalty = "administrative_penalty",
    }
}

string_enum! {
    /// preparing → filed → decided → closed; preparing | filed → withdrawn.
    pub enum ClaimStatus {
        Preparing = "preparing",
        Filed = "filed",
        Decided = "decided",
        Closed = "closed",
        Withdrawn = "withdrawn",
    }
}

string_enum! {
    /// What the tribunal decided.
    pub enum Outcome { Granted = "granted", PartiallyGranted = "partially_granted", Dismissed = "dismissed" }
}

impl Outcome {
    /// Whether an order can follow.
    #[must_use]
    pub fn grants(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::PartiallyGranted)
    }
}

string_enum! {
    /// Who makes the application (B.C. Reg. 293/2023 ss. 3–5; the Quebec recourse): the
    /// client, a guardian (a parent), someone the client authorised, or a deceased client's
    /// personal representative.
    pub enum ApplicantKind {
        Client = "client",
        Guardian = "guardian",
        AuthorisedPerson = "authorised_person",
        PersonalRepresentative = "personal_representative",
    }
}

/// Who applies, validated. `name` (kept sealed at rest) is there unless the client applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: Option<String>,
}

/// A respondent, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespondentEntry {
    pub kind: RespondentKind,
    /// Kept sealed at rest.
    pub name: String,
    pub platform_id: Option<Uuid>,
    pub is_minor: bool,
}

/// A respondent as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    pub id: Uuid,
    pub kind: RespondentKind,
    pub name: String,
    pub platform_id: Option<Uuid>,
    pub is_minor: bool,
}

/// The order and respondent an administrative-penalty claim enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelatedBinding {
    pub order_id: Uuid,
    pub respondent_id: Uuid,
}

/// A new claim, validated: built only by `NewClaim::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDraft {
    pub case_id: Uuid,
    pub forum: Forum,
    pub kind: ClaimKind,
    pub tribunal_reference: Option<String>,
    pub applicant: Applicant,
    /// Present: the claim starts `filed`; absent: `preparing`.
    pub filed_at: Option<Ts>,
    pub respondents: Vec<RespondentEntry>,
    pub related: Option<RelatedBinding>,
    pub damages_claimed_cents: Option<i64>,
    pub(crate) parsed: Parsed,
}

impl ClaimDraft {
    /// Minor respondents put a publication ban on the claim.
    #[must_use]
    pub fn publication_ban(&self) -> bool {
        self.respondents.iter().any(|r| r.is_minor)
    }
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: Uuid,
    pub case_id: Uuid,
    pub forum: Forum,
    pub kind: ClaimKind,
    pub tribunal_reference: Option<String>,
    pub applicant: Applicant,
    pub filed_at: Option<Ts>,
    pub respondents: Vec<Respondent>,
    pub related: Option<RelatedBinding>,
    pub damages_claimed_cents: Option<i64>,
    pub status: ClaimStatus,
    pub outcome: Option<Outcome>,
    pub publication_ban: bool,
    /// When the last status change happened (the filing date for a claim created filed).
    pub status_changed_at: Option<Ts>,
    pub created_by: Uuid,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub version: i64,
}

/// A validated claim transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMove {
    pub to: ClaimStatus,
    /// Only (and always) when moving to `decided`.
    pub outcome: Option<Outcome>,
    pub occurred_at: Ts,
    pub note: Option<String>,
}
