//! The rules of a takedown request: what a valid one is, which transitions exist and
//! which guards they need, and when the platform is due to have answered.
//!
//! Where each age rule lives: a request that *contradicts* its channel
//! (`stopncii` with `depicted_under_18: true`, `take_it_down` with `false`) is refused at
//! creation (422 on `depicted_under_18`), because it can never be submitted. A request
//! that does not say yet (`null`) may be drafted; the submission guard
//! (`stopncii_adults_only` / `take_it_down_minors_only`, 409) then requires the answer.

use std::collections::HashSet;

use jiff::Timestamp;
use uuid::Uuid;

use super::{
    letter::{Need, needs},
    types::{
        CopyrightParticulars, LegalBasis, NewTakedown, TakedownChannel, TakedownSpec, TakedownStatus,
        TakedownTransition,
    },
    url::{HttpUrl, normalise},
};
pub use crate::transitions::{TransitionError, occurred_at};
use crate::{
    calendar::OfficeCalendar,
    case::{AgeGroup, Client},
    error::{DomainError, FieldError, Validation},
    identity::Label,
    input::duplicates,
    platform::{ChannelKind, Platform, PlatformKind},
    text,
    transitions::{self, Edge},
};

/// Bounds on a request's URLs (contract §5).
pub const MAX_URLS: usize = 50;
/// Most evidence items one request names.
pub const MAX_EVIDENCE_IDS: usize = 200;
pub const REASON_MAX_CHARS: usize = 2_000;

/// An optional reason: absent stays absent, empty is refused, at most 2,000 characters.
fn reason(v: &mut Validation, field: &str, raw: Option<&str>) -> Option<String> {
    v.optional(field, raw, |s| text::trimmed(field, s, REASON_MAX_CHARS))
}

/// Checks the URL list: 1–50, each an http(s) URL of at most 2048 characters, none the
/// same page as an earlier one (after normalisation).
fn urls(v: &mut Validation, raw: Option<&[String]>) -> Option<Vec<String>> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        v.push(FieldError::new(
            "urls",
            "required",
            "list at least one URL to take down",
        ));
        return None;
    };
    if !v.at_most(
        "urls",
        raw.len(),
        MAX_URLS,
        "URLs per request; split the rest into another request",
    ) {
        return None;
    }
    let mut seen: Vec<String> = Vec::with_capacity(raw.len());
    let mut out = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, u) in raw.iter().enumerate() {
        let field = format!("urls[{i}]");
        match HttpUrl::parse(&field, u) {
            Ok(url) => {
                if let Some(j) = seen.iter().position(|s| s == url.normalised()) {
                    v.push(FieldError::new(
                        field,
                        "duplicate",
                        format!("the same page as urls[{j}]"),
                    ));
                    ok = false;
                }
                seen.push(url.normalised().to_owned());
                out.push(url.into_string());
            }
            Err(e) => {
                v.push(e);
                seen.push(String::new());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn evidence_ids(v: &mut Validation, raw: &[Uuid]) -> Option<Vec<Uuid>> {
    if !v.at_most("evidence_ids", raw.len(), MAX_EVIDENCE_IDS, "evidence items") {
        return None;
    }
    let repeated = duplicates(raw.iter().copied());
    for i in &repeated {
        v.push(FieldError::new(
            format!("evidence_ids[{i}]"),
            "duplicate",
            "list each evidence item once",
        ));
    }
    repeated.is_empty().then(|| raw.to_vec())
}

impl NewTakedown {
    /// Checks every rule that needs nothing but the request itself and returns the request
    /// to store; or every broken rule, each naming its field.
    ///
    /// Besides the field rules: `order_id` is required with `iipa_order` and for
    /// `order_service` (allowed otherwise, e.g. a Quebec court order under `other`);
    /// copyright notices (`copyright_notice_ca`, `dmca_notice`) rest on `copyright`;
    /// `stopncii` refuses `depicted_under_18: true` and `take_it_down` refuses `false`.
    ///
    /// # Errors
    /// `DomainError::Validation` listing every problem found.
    pub fn parse(self) -> Result<TakedownSpec, DomainError> {
        let mut v = Validation::new();
        let case_id = v.required("case_id", self.case_id);
        let platform_id = v.required("platform_id", self.platform_id);
        let channel = v.required("channel", self.channel);
        let urls = urls(&mut v, self.urls.as_deref());
        let evidence_ids = evidence_ids(&mut v, self.evidence_ids.as_deref().unwrap_or_default());
        let waiver = reason(&mut v, "evidence_waiver_reason", self.evidence_waiver_reason.as_deref());
        let legal_basis = v.required("legal_basis", self.legal_basis);
        if self.order_id.is_none() {
            if self.legal_basis == Some(LegalBasis::IipaOrder) {
                v.push(FieldError::new(
                    "order_id",
                    "required",
                    "a request relying on an IIPA order names the order",
                ));
            } else if self.channel == Some(TakedownChannel::OrderService) {
                v.push(FieldError::new(
                    "order_id",
                    "required",
                    "serving an order needs the order",
                ));
            }
        }
        if matches!(
            self.channel,
            Some(TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice)
        ) && self.legal_basis.is_some_and(|b| b != LegalBasis::Copyright)
        {
            v.push(FieldError::new(
                "legal_basis",
                "copyright_required",
                "a copyright notice rests on copyright: use legal_basis copyright",
            ));
        }
        match (self.channel, self.depicted_under_18) {
            (Some(TakedownChannel::Stopncii), Some(true)) => v.push(FieldError::new(
                "depicted_under_18",
                "stopncii_adults_only",
                "StopNCII takes only images of adults; use take_it_down for images of people under 18",
            )),
            (Some(TakedownChannel::TakeItDown), Some(false)) => v.push(FieldError::new(
                "depicted_under_18",
                "take_it_down_minors_only",
                "Take It Down takes only images of people under 18; use stopncii for adults",
            )),
            _ => {}
        }
        let override_reason = reason(&mut v, "override_reason", self.override_reason.as_deref());
        let copyright = copyright(&mut v, self.channel, self.copyright);
        v.into_result(|| {
            Some(TakedownSpec {
                case_id: case_id?,
                platform_id: platform_id?,
                channel: channel?,
                urls: urls?,
                evidence_ids: evidence_ids?,
                evidence_waiver_reason: waiver,
                legal_basis: legal_basis?,
                order_id: self.order_id,
                depicted_under_18: self.depicted_under_18,
                override_reason,
                copyright,
            })
        })
    }
}

/// Copyright particulars: required (and trimmed, non-empty) for the two copyright notices,
/// refused for other channels.
fn copyright(
    v: &mut Validation,
    channel: Option<TakedownChannel>,
    raw: Option<CopyrightParticulars>,
) -> Option<CopyrightParticulars> {
    let needed = matches!(
        channel,
        Some(TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice)
    );
    match (needed, raw) {
        (true, None) => {
            v.push(FieldError::new(
                "copyright",
                "required",
                "a copyright notice states the work and the claimant's right in it",
            ));
            None
        }
        (false, Some(_)) if channel.is_some() => {
            v.push(FieldError::new(
                "copyright",
                "not_applicable",
                "copyright particulars are only for copyright_notice_ca and dmca_notice",
            ));
            None
        }
        (_, None) | (false, Some(_)) => None,
        (true, Some(c)) => {
            let work = v.required_text("copyright.work", Some(&c.work), REASON_MAX_CHARS, "describe the work");
            let right = v.required_text(
                "copyright.claimant_right",
                Some(&c.claimant_right),
                REASON_MAX_CHARS,
                "state the claimant's interest or right",
            );
            // One line: it is printed after a label in the letter, where a line break could
            // start a forged header.
            let address = v.optional_label(
                "copyright.claimant_address",
                c.claimant_address.as_deref(),
                REASON_MAX_CHARS,
            );
            Some(CopyrightParticulars {
                work: work?,
                claimant_right: right?,
                claimant_address: address,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// Channel, platform and client: what drafting checks against the directory and the case

/// What drafting a request checks besides the request itself; the store gathers it.
#[derive(Debug, Clone, Copy)]
pub struct Fit<'a> {
    pub platform: &'a Platform,
    /// The case's client is under 18, or a youth whose age is not recorded.
    pub client_under_18: bool,
    /// For `order_service` with an order of the case: whether the order binds a respondent
    /// on this platform.
    pub bound_by_order: Option<bool>,
}

/// Whether the client may be under 18: an age below 18, or a youth (18 and under) whose age
/// is not recorded.
#[must_use]
pub fn client_under_18(c: &Client) -> bool {
    c.age.map_or(c.age_group == AgeGroup::Youth, |a| a < 18)
}

/// The hash-sharing route a directory entry is: StopNCII or Take It Down, by its name or
/// its submission address.
fn hash_route(p: &Platform) -> Option<TakedownChannel> {
    if p.kind != PlatformKind::HashService {
        return None;
    }
    let said = |needle: &str| {
        p.name.to_lowercase().replace(' ', "").contains(needle)
            || p.channels.iter().any(|c| c.address.to_lowercase().contains(needle))
    };
    if said("stopncii") {
        Some(TakedownChannel::Stopncii)
    } else if said("takeitdown") {
        Some(TakedownChannel::TakeItDown)
    } else {
        None
    }
}

/// Whether `channel` fits the platform and the client; every misfit, each naming its field.
///
/// - `channel_not_offered`: `stopncii` and `take_it_down` go only to the matching
///   hash-sharing entry, which takes nothing else; `search_deindex` only to a search engine.
/// - `no_dmca_agent`: a DMCA notice goes to the agent the platform designated to receive
///   notifications (17 U.S.C. 512(c)(2)); the directory records none for this platform.
/// - `client_is_a_minor`: StopNCII takes images of adults only, and the client is under 18,
///   whatever `depicted_under_18` says.
/// - `not_bound` (on `platform_id`): an order is served only on a platform it binds.
#[must_use]
pub fn fit(channel: TakedownChannel, f: &Fit<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    let p = f.platform;
    let not_offered = |what: String| FieldError::new("channel", "channel_not_offered", what);
    match (channel, hash_route(p)) {
        (TakedownChannel::Stopncii | TakedownChannel::TakeItDown, route) if route != Some(channel) => {
            out.push(not_offered(format!("{} does not take {channel} submissions", p.name)));
        }
        (TakedownChannel::Stopncii | TakedownChannel::TakeItDown, _) => {}
        (_, Some(route)) => out.push(not_offered(format!("{} takes only {route} submissions", p.name))),
        (_, None) if p.kind == PlatformKind::HashService => {
            out.push(not_offered(format!("{} is a hash-sharing service, not a host", p.name)));
        }
        _ => {}
    }
    if channel == TakedownChannel::SearchDeindex && p.kind != PlatformKind::SearchEngine {
        out.push(not_offered(format!("{} is not a search engine", p.name)));
    }
    if channel == TakedownChannel::DmcaNotice && !p.channels.iter().any(|c| c.kind == ChannelKind::DmcaAgent) {
        out.push(FieldError::new(
            "channel",
            "no_dmca_agent",
            format!("the directory records no designated DMCA agent for {}", p.name),
        ));
    }
    if channel == TakedownChannel::Stopncii && f.client_under_18 {
        out.push(FieldError::new(
            "channel",
            "client_is_a_minor",
            "StopNCII is for adults and the client is under 18 (or a youth whose age is not recorded): use take_it_down",
        ));
    }
    if channel == TakedownChannel::OrderService && f.bound_by_order == Some(false) {
        out.push(FieldError::new(
            "platform_id",
            "not_bound",
            "the order binds no respondent on this platform: it can only be served on a platform it binds",
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The state machine

/// A condition a transition needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Every URL has evidence of the case with the same normalised URL, or a waiver reason
    /// is recorded: evidence first, then report [Compass].
    EvidenceForEveryUrl,
    /// An active consent with scope `platform_contact` (for any party or this platform).
    PlatformContactConsent,
    /// `stopncii` needs `depicted_under_18 = false`.
    StopnciiAdultsOnly,
    /// `take_it_down` needs `depicted_under_18 = true`.
    TakeItDownMinorsOnly,
    /// `cease_and_desist` on a sextortion case needs an `override_reason`.
    SextortionOverride,
    /// A letter that goes to the person sharing needs `respondent_contact`, as reading it
    /// does (`letter::needs`).
    RespondentContactConsent,
    /// A Canadian copyright notice needs the client's `identity_disclosure` consent for this
    /// platform, as reading it does: it states the claimant's name and address (Copyright
    /// Act s. 41.25(2)(a)) and is forwarded to the person who posted (s. 41.26(1)(a)).
    IdentityDisclosureConsent,
    /// A DMCA notice goes to the platform's designated agent (17 U.S.C. 512(c)(2)): the
    /// platform must still record one when the notice is submitted, as when it is read.
    DmcaAgent,
}

impl transitions::Guard for Guard {
    fn code(self) -> &'static str {
        match self {
            Guard::EvidenceForEveryUrl => "evidence_missing_for_url",
            Guard::PlatformContactConsent => "platform_contact_consent_required",
            Guard::StopnciiAdultsOnly => "stopncii_adults_only",
            Guard::TakeItDownMinorsOnly => "take_it_down_minors_only",
            Guard::SextortionOverride => "sextortion_override_required",
            Guard::RespondentContactConsent => Need::RespondentContact.code(),
            Guard::IdentityDisclosureConsent => Need::IdentityDisclosure.code(),
            Guard::DmcaAgent => "no_dmca_agent",
        }
    }
}

use Guard::{
    DmcaAgent, EvidenceForEveryUrl, IdentityDisclosureConsent, PlatformContactConsent, RespondentContactConsent,
    SextortionOverride, StopnciiAdultsOnly, TakeItDownMinorsOnly,
};
use TakedownStatus::{Acknowledged, Draft, Escalated, PartiallyRemoved, Refused, Removed, Submitted, Withdrawn};

/// Every transition that exists, with its guards. Nothing else moves a request.
pub const TRANSITIONS: &[Edge<TakedownStatus, Guard>] = &[
    (
        Draft,
        Submitted,
        &[
            EvidenceForEveryUrl,
            PlatformContactConsent,
            StopnciiAdultsOnly,
            TakeItDownMinorsOnly,
            SextortionOverride,
            RespondentContactConsent,
            IdentityDisclosureConsent,
            DmcaAgent,
        ],
    ),
    (Submitted, Acknowledged, &[]),
    (Submitted, Removed, &[]),
    (Submitted, PartiallyRemoved, &[]),
    (Submitted, Refused, &[]),
    (Acknowledged, Removed, &[]),
    (Acknowledged, PartiallyRemoved, &[]),
    (Acknowledged, Refused, &[]),
    (Refused, Escalated, &[]),
    (Draft, Withdrawn, &[]),
    (Submitted, Withdrawn, &[]),
    (Acknowledged, Withdrawn, &[]),
];

/// What the guards look at; the store gathers it in the transaction that moves the request.
#[derive(Debug, Clone, Copy)]
pub struct GuardFacts<'a> {
    pub channel: TakedownChannel,
    /// The request's URLs.
    pub urls: &'a [String],
    /// URLs of the case's evidence items (those without a URL left out).
    pub evidence_urls: &'a [&'a str],
    pub evidence_waiver_reason: Option<&'a str>,
    /// An active (given, not revoked) consent with scope `platform_contact` exists for any
    /// party or for this platform.
    pub platform_contact_consent: bool,
    /// An active `respondent_contact` consent exists (for any party).
    pub respondent_contact_consent: bool,
    /// An active `identity_disclosure` consent covers this platform.
    pub identity_disclosure_consent: bool,
    /// The platform's directory entry has a `dmca_agent` channel.
    pub platform_dmca_agent: bool,
    pub depicted_under_18: Option<bool>,
    /// The case's `sextortion` flag.
    pub case_sextortion: bool,
    pub override_reason: Option<&'a str>,
}

/// The URLs (as written) that no evidence URL matches in normal form.
#[must_use]
pub fn urls_without_evidence<'a>(urls: &'a [String], evidence_urls: &[&str]) -> Vec<&'a str> {
    let evidence: HashSet<String> = evidence_urls.iter().filter_map(|u| normalise(u.trim())).collect();
    urls.iter()
        .filter(|u| normalise(u.trim()).is_none_or(|n| !evidence.contains(&n)))
        .map(String::as_str)
        .collect()
}

fn guard_met(g: Guard, f: &GuardFacts<'_>) -> bool {
    match g {
        Guard::EvidenceForEveryUrl => {
            f.evidence_waiver_reason.is_some_and(|r| !r.trim().is_empty())
                || urls_without_evidence(f.urls, f.evidence_urls).is_empty()
        }
        Guard::PlatformContactConsent => f.platform_contact_consent,
        Guard::StopnciiAdultsOnly => f.channel != TakedownChannel::Stopncii || f.depicted_under_18 == Some(false),
        Guard::TakeItDownMinorsOnly => f.channel != TakedownChannel::TakeItDown || f.depicted_under_18 == Some(true),
        Guard::SextortionOverride => {
            f.channel != TakedownChannel::CeaseAndDesist
                || !f.case_sextortion
                || f.override_reason.is_some_and(|r| !r.trim().is_empty())
        }
        Guard::RespondentContactConsent => {
            !needs(f.channel).contains(&Need::RespondentContact) || f.respondent_contact_consent
        }
        Guard::IdentityDisclosureConsent => {
            !needs(f.channel).contains(&Need::IdentityDisclosure) || f.identity_disclosure_consent
        }
        Guard::DmcaAgent => f.channel != TakedownChannel::DmcaNotice || f.platform_dmca_agent,
    }
}

/// A transition request.
#[derive(Debug, Clone, Copy)]
pub struct TransitionRequest {
    pub to: TakedownStatus,
    pub occurred_at: Option<Timestamp>,
}

/// A move as parsed: the request, and the note and reference it records.
#[derive(Debug, Clone)]
pub struct ParsedTransition {
    pub request: TransitionRequest,
    pub note: Option<String>,
    pub platform_reference: Option<String>,
}

impl TakedownTransition {
    /// # Errors
    /// `Validation` with every broken field rule.
    pub fn parse(self) -> Result<ParsedTransition, DomainError> {
        let mut v = Validation::new();
        let to = v.required("to", self.to);
        let note = v.optional_text("note", self.note.as_deref(), REASON_MAX_CHARS);
        let platform_reference = self
            .platform_reference
            .as_deref()
            .and_then(|r| v.check(Label::parse("platform_reference", r)))
            .map(Label::into_string);
        v.into_result(|| {
            Some(ParsedTransition {
                request: TransitionRequest {
                    to: to?,
                    occurred_at: self.occurred_at,
                },
                note,
                platform_reference,
            })
        })
    }
}

/// Checks a transition: `occurred_at` first (422), then the table (409), then every guard
/// (409 with all unmet codes). Returns when it happened.
///
/// `previous` is when the request entered its current state (its creation for a draft).
///
/// # Errors
/// See [`TransitionError`].
pub fn check_transition(
    from: TakedownStatus,
    req: &TransitionRequest,
    facts: &GuardFacts<'_>,
    previous: Timestamp,
    now: Timestamp,
) -> Result<Timestamp, TransitionError> {
    let at = transitions::occurred_at(req.occurred_at, previous, now).map_err(|e| TransitionError::Invalid(vec![e]))?;
    transitions::check("a takedown request", TRANSITIONS, from, req.to, |g| guard_met(g, facts))?;
    Ok(at)
}

/// What the store does besides setting the status, for a transition to `to` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    /// Set `submitted_at` (and `follow_up_due_at`, see [`follow_up_due_at`]) and schedule
    /// the first follow-up.
    pub submitted_at: Option<Timestamp>,
    /// Set `resolved_at`: the platform answered.
    pub resolved_at: Option<Timestamp>,
    /// Cancel pending follow-ups and clear `follow_up_due_at`.
    pub cancel_follow_ups: bool,
}

/// The effects of entering `to` at `at`.
#[must_use]
pub fn effects(to: TakedownStatus, at: Timestamp) -> Effects {
    Effects {
        submitted_at: (to == Submitted).then_some(at),
        resolved_at: to.is_outcome().then_some(at),
        cancel_follow_ups: to.is_terminal() || to == Refused,
    }
}

/// When the platform is due to have answered: close of business on the
/// `follow_up_business_days`-th office day after the local date of submission (§7).
#[must_use]
pub fn follow_up_due_at(cal: &OfficeCalendar, submitted_at: Timestamp, follow_up_business_days: u8) -> Timestamp {
    cal.add_business_days(submitted_at, u32::from(follow_up_business_days))
}

#[cfg(test)]
mod tests;
