//! What an order is: its terms and the respondents it binds.

use uuid::Uuid;

use crate::{
    input::Parsed,
    penalty::{PenaltyJurisdiction, RespondentKind},
    string_enum,
    timestamp::Ts,
};

string_enum! {
    /// What an order requires of the respondents.
    pub enum OrderTerm {
        StopDistribution = "stop_distribution",
        DeleteCopies = "delete_copies",
        RemoveFromPlatform = "remove_from_platform",
        Deindex = "deindex",
        NoThreats = "no_threats",
    }
}

string_enum! {
    /// pending_service → served → complied | non_compliant; non_compliant → complied.
    pub enum BindingStatus {
        PendingService = "pending_service",
        Served = "served",
        Complied = "complied",
        NonCompliant = "non_compliant",
    }
}

string_enum! {
    /// How an order was served on a respondent.
    pub enum ServiceChannel {
        Email = "email",
        WebForm = "web_form",
        PlatformPortal = "platform_portal",
        RegisteredMail = "registered_mail",
        InPerson = "in_person",
    }
}

string_enum! {
    /// What a compliance check found.
    pub enum ComplianceStatus { Complied = "complied", NonCompliant = "non_compliant" }
}

impl ComplianceStatus {
    #[must_use]
    pub fn binding_status(self) -> BindingStatus {
        match self {
            ComplianceStatus::Complied => BindingStatus::Complied,
            ComplianceStatus::NonCompliant => BindingStatus::NonCompliant,
        }
    }
}

/// A binding, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingEntry {
    pub respondent_id: Uuid,
    pub comply_by: Ts,
    pub repeat_offence: bool,
}

/// A new order, validated: built only by `NewOrder::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    pub claim_id: Uuid,
    pub order_reference: String,
    pub issued_at: Ts,
    pub terms: Vec<OrderTerm>,
    pub publication_ban: bool,
    pub bindings: Vec<BindingEntry>,
    pub(crate) parsed: Parsed,
}

/// One respondent bound by an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub id: Uuid,
    pub order_id: Uuid,
    pub respondent_id: Uuid,
    pub respondent_kind: RespondentKind,
    /// Sealed at rest.
    pub respondent_name: String,
    pub respondent_platform_id: Option<Uuid>,
    pub comply_by: Ts,
    pub status: BindingStatus,
    pub repeat_offence: bool,
    pub served_at: Option<Ts>,
    pub service_channel: Option<ServiceChannel>,
    /// When compliance was recorded; stops the penalty count.
    pub complied_at: Option<Ts>,
    pub non_compliant_at: Option<Ts>,
    pub updated_at: Ts,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub case_id: Uuid,
    pub claim_id: Uuid,
    /// The penalty regime: the forum of the claim.
    pub jurisdiction: PenaltyJurisdiction,
    pub order_reference: String,
    pub issued_at: Ts,
    pub terms: Vec<OrderTerm>,
    pub publication_ban: bool,
    pub bindings: Vec<Binding>,
    pub created_by: Uuid,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub version: i64,
}

impl Order {
    #[must_use]
    pub fn binding(&self, id: Uuid) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.id == id)
    }
}

/// Service of an order on a respondent, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    pub served_at: Ts,
    pub channel: ServiceChannel,
    pub note: Option<String>,
    pub(crate) parsed: Parsed,
}

/// A compliance check, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceEntry {
    pub status: ComplianceStatus,
    pub checked_at: Ts,
    pub note: Option<String>,
    pub geofenced_only: bool,
    pub(crate) parsed: Parsed,
}
