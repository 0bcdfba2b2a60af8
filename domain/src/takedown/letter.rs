//! The letters a takedown request sends (`GET .../notice`), built from the record.
//!
//! [`facts`] takes the request, the case, its evidence and consents, the platform and (for
//! `order_service`) the order, and returns what a letter may say: nothing about the client
//! beyond what the client's consent allows, dates taken from the evidence, and the law of
//! the case's own jurisdiction. [`render`] fills the letter's template (one file per letter
//! kind and language, under `letter/templates/`, which a lawyer can review without reading
//! Rust). The rules are set out for readers in `docs/letters.md`.
//!
//! | channel | letter |
//! |---|---|
//! | `email` | a removal request under the platform's own rules |
//! | `copyright_notice_ca` | a notice of claimed infringement, Copyright Act (Canada) s. 41.25(2) |
//! | `dmca_notice` | a notice to the designated agent, 17 U.S.C. 512(c)(3)(A) |
//! | `cease_and_desist` | a demand to the person sharing: stop, delete, confirm in writing. It says the client does not consent now (consent once given can be withdrawn, which the Intimate Images Protection Act, SBC 2023, c. 11, covers), never that they "never consented", and never threatens criminal proceedings |
//! | `order_service` | service of an order on a platform the order binds |
//!
//! The other channels are filled in on the platform's own pages and have no letter.

use jiff::{Timestamp, civil::Date};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    store,
    types::{Takedown, TakedownChannel},
    url::normalise,
};
use crate::{
    calendar,
    case::{Case, Consent, ConsentScope, Evidence, Jurisdiction, Visibility},
    error::{DomainError, FieldError},
    order::{Order, OrderTerm},
    platform::{ChannelKind, Platform},
    string_enum,
};

string_enum! {
    /// The language a letter is written in.
    pub enum Lang { Fr = "fr", En = "en" }
}

impl Lang {
    /// French for a Quebec case, English otherwise.
    #[must_use]
    pub fn default_for(j: Jurisdiction) -> Lang {
        if j == Jurisdiction::Qc { Lang::Fr } else { Lang::En }
    }
}

/// The time zone a case's letters state instants in: the client's own, named in the letter.
#[must_use]
pub fn case_time_zone(j: Jurisdiction) -> &'static str {
    match j {
        Jurisdiction::Qc => "America/Toronto",
        Jurisdiction::Bc | Jurisdiction::Other => "America/Vancouver",
    }
}

/// Who sends the letter: the service, on the client's behalf (configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sender {
    pub name: String,
    /// One entry per line.
    pub postal_address: Vec<String>,
    pub email: String,
    pub phone: Option<String>,
    /// The name of the staff member who signs (the templates add the title).
    pub signatory: String,
}

/// Everything a letter is built from.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub takedown: &'a Takedown,
    pub case: &'a Case,
    /// The evidence of the case (the letter uses the items matching its URLs).
    pub evidence: &'a [Evidence],
    /// The consent ledger of the case, revoked entries included.
    pub consents: &'a [Consent],
    pub platform: &'a Platform,
    /// The order a request relies on or serves.
    pub order: Option<&'a Order>,
    pub sender: &'a Sender,
    pub lang: Lang,
    pub now: Timestamp,
    /// The date written confirmation of a cease-and-desist is due (office days).
    pub respond_by: Option<Date>,
}

/// A consent a letter needs before it may be read or submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `platform_contact` for any party or this platform.
    PlatformContact,
    /// `respondent_contact`: the letter goes to the person sharing.
    RespondentContact,
    /// `identity_disclosure` covering the platform: the letter must name the claimant.
    IdentityDisclosure,
}

impl Need {
    /// The code listed in `unmet` when the consent is missing.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Need::PlatformContact => "platform_contact_consent_required",
            Need::RespondentContact => "respondent_contact_consent_required",
            Need::IdentityDisclosure => "identity_disclosure_consent",
        }
    }
}

/// The consents reading the letter of `channel` needs; submitting its request needs them
/// too (`rules::Guard`).
///
/// A cease-and-desist goes to the person sharing, so it needs `respondent_contact`. A
/// Canadian copyright notice must state the claimant's name and address (Copyright Act
/// s. 41.25(2)(a)) and the host forwards it to the person who posted (s. 41.26(1)(a)), so
/// it also needs the client's `identity_disclosure` consent for that platform.
#[must_use]
pub fn needs(channel: TakedownChannel) -> &'static [Need] {
    match channel {
        TakedownChannel::CeaseAndDesist => &[Need::RespondentContact],
        TakedownChannel::CopyrightNoticeCa => &[Need::PlatformContact, Need::IdentityDisclosure],
        TakedownChannel::Email | TakedownChannel::DmcaNotice | TakedownChannel::OrderService => {
            &[Need::PlatformContact]
        }
        _ => &[],
    }
}

/// Whether an active (not revoked) consent of `scope` covers `party`: given for any party,
/// or for this one. A consent for another platform covers nothing here.
#[must_use]
pub fn covers(consents: &[Consent], scope: ConsentScope, party: Option<Uuid>) -> bool {
    consents
        .iter()
        .any(|c| c.scope == scope && c.revoked_at.is_none() && (c.party_id.is_none() || c.party_id == party))
}

/// Whether `need` is met for a request to `platform`.
#[must_use]
pub fn met(need: Need, consents: &[Consent], platform: Uuid) -> bool {
    match need {
        Need::PlatformContact => covers(consents, ConsentScope::PlatformContact, Some(platform)),
        Need::RespondentContact => covers(consents, ConsentScope::RespondentContact, None),
        Need::IdentityDisclosure => covers(consents, ConsentScope::IdentityDisclosure, Some(platform)),
    }
}

/// The codes of every consent the letter of `channel` to `platform` needs and lacks.
#[must_use]
pub fn unmet(channel: TakedownChannel, consents: &[Consent], platform: Uuid) -> Vec<String> {
    needs(channel)
        .iter()
        .filter(|n| !met(**n, consents, platform))
        .map(|n| n.code().to_owned())
        .collect()
}

/// One URL of the letter and when its infringement happened, from the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlFacts {
    pub url: String,
    /// The covering evidence's `posted_at`, or its `captured_at` when `posted_at` is unknown,
    /// written in the case's time zone; `None` when no evidence item shows this URL.
    pub at: Option<String>,
    /// `at` is when the service first saw it (`captured_at`), not when it was posted.
    pub first_seen: bool,
}

/// The client, as far as their consent lets a letter name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFacts {
    pub name: String,
    /// The claimant's own address, given in the copyright particulars for this purpose.
    pub address: Option<String>,
}

/// Caseworker text quoted in a copyright letter, one entry per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyrightFacts {
    pub work: Vec<String>,
    pub claimant_right: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderFacts {
    /// Who made the order: `crt_bc` or `court_of_quebec`.
    pub forum: &'static str,
    pub reference: String,
    pub issued_on: String,
    /// Term codes (`stop_distribution`, ...); each template words them.
    pub terms: Vec<OrderTerm>,
    /// The comply-by instant of the binding of this platform.
    pub comply_by: String,
    pub publication_ban: bool,
}

/// What a template may use, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterFacts {
    pub channel: TakedownChannel,
    pub lang: Lang,
    /// Which law the letter cites, the case's own and never another's: `bc` → the Intimate
    /// Images Protection Act (SBC 2023, c. 11) and the Civil Resolution Tribunal; `qc` → the
    /// Act to counter non-consensual sharing of intimate images (CQLR, c. P-9.0002), the
    /// Court of Québec and its daily fines; `other` → platform policy and copyright only.
    pub jurisdiction: Jurisdiction,
    /// The IANA name of the zone every instant is written in.
    pub time_zone: &'static str,
    pub date: String,
    pub sender: Sender,
    /// The sender's postal address on one line.
    pub sender_address: String,
    pub platform_name: String,
    /// The `dmca_agent` address of the platform (DMCA notices only).
    pub dmca_agent: Option<String>,
    pub case_reference: String,
    pub request_id: Uuid,
    /// Present only under an `identity_disclosure` consent covering the recipient. A DMCA
    /// notice does not need the owner's name: the service signs it as the person authorised
    /// to act for the owner and gives its own contact details (17 U.S.C. 512(c)(3)(A)(i),
    /// (iv)).
    pub client: Option<ClientFacts>,
    pub urls: Vec<UrlFacts>,
    pub depicted_under_18: bool,
    pub copyright: Option<CopyrightFacts>,
    pub respond_by: Option<String>,
    /// The person a cease-and-desist is addressed to, when the record names them.
    pub respondent_name: Option<String>,
    pub order: Option<OrderFacts>,
}

/// A rendered letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub lang: Lang,
    pub text: String,
}

/// When each URL's infringement happened: the earliest `posted_at` of the case's evidence
/// with the same URL (normal form), else the earliest `captured_at` ("first seen"). The
/// request's own dates are never used: s. 41.25(2)(f) of the Copyright Act asks for the date
/// and time of the claimed infringement.
fn url_facts(t: &Takedown, evidence: &[Evidence], zone: &str, lang: Lang) -> Vec<UrlFacts> {
    t.urls
        .iter()
        .map(|u| {
            let n = normalise(u.trim());
            let matching: Vec<&Evidence> = evidence
                .iter()
                .filter(|e| n.is_some() && e.record.url.as_deref().and_then(|x| normalise(x.trim())) == n)
                .collect();
            let posted = matching.iter().filter_map(|e| e.record.posted_at).min();
            let captured = matching.iter().map(|e| e.record.captured_at).min();
            let (at, first_seen) = match (posted, captured) {
                (Some(p), _) => (Some(p), false),
                (None, Some(c)) => (Some(c), true),
                (None, None) => (None, false),
            };
            UrlFacts {
                url: one_line(u),
                at: at.map(|a| local_instant(a.get(), zone, lang)),
                first_seen,
            }
        })
        .collect()
}

/// The facts of the letter a request sends.
///
/// # Errors
/// - `Conflict` for a channel without a letter;
/// - `Unmet` listing every consent the letter needs and lacks (see [`needs`]);
/// - `Validation`: `channel` `no_dmca_agent` (a DMCA notice goes to the platform's
///   designated agent, 17 U.S.C. 512(c)(2), and this platform records none), `platform_id`
///   `not_bound` (an order is served only on a platform it binds), `order_id` `required`.
pub fn facts(s: &Sources<'_>) -> Result<LetterFacts, DomainError> {
    let t = s.takedown;
    if !t.channel.has_letter() {
        return Err(DomainError::Conflict(format!(
            "the {} channel sends no letter: the request is made on the platform's own pages",
            t.channel
        )));
    }
    let missing = unmet(t.channel, s.consents, t.platform_id);
    if !missing.is_empty() {
        return Err(DomainError::Unmet(missing));
    }
    let details = &s.case.details;
    let zone = case_time_zone(details.jurisdiction);
    let lang = s.lang;

    let dmca_agent = if t.channel == TakedownChannel::DmcaNotice {
        let agent = s.platform.channels.iter().find(|c| c.kind == ChannelKind::DmcaAgent);
        let Some(agent) = agent else {
            return Err(FieldError::new(
                "channel",
                "no_dmca_agent",
                "this platform has no designated DMCA agent in the directory: choose another channel",
            )
            .into());
        };
        Some(one_line(&agent.address))
    } else {
        None
    };

    let order = if t.channel == TakedownChannel::OrderService {
        let Some(o) = s.order else {
            return Err(FieldError::new("order_id", "required", "serving an order needs the order").into());
        };
        let Some(binding) = o
            .bindings
            .iter()
            .find(|b| b.respondent_platform_id == Some(t.platform_id))
        else {
            return Err(FieldError::new(
                "platform_id",
                "not_bound",
                "the order binds no respondent on this platform: it cannot be served on it",
            )
            .into());
        };
        Some(OrderFacts {
            forum: match o.jurisdiction {
                crate::penalty::PenaltyJurisdiction::Bc => "crt_bc",
                crate::penalty::PenaltyJurisdiction::Qc => "court_of_quebec",
            },
            reference: one_line(&o.order_reference),
            issued_on: long_date(o.issued_at.get().to_zoned(tz(zone)).date(), lang),
            terms: o.terms.clone(),
            comply_by: local_instant(binding.comply_by.get(), zone, lang),
            publication_ban: o.publication_ban,
        })
    } else {
        None
    };

    // The person a cease-and-desist goes to: the individual the relied-on order binds.
    let respondent = (t.channel == TakedownChannel::CeaseAndDesist)
        .then(|| {
            s.order.and_then(|o| {
                o.bindings.iter().find(|b| {
                    b.respondent_platform_id.is_none()
                        && b.respondent_kind == crate::penalty::RespondentKind::Individual
                })
            })
        })
        .flatten();

    // Named only under an `identity_disclosure` consent covering the recipient: the
    // platform, or (for a cease-and-desist) any recipient or that respondent.
    let named = if t.channel == TakedownChannel::CeaseAndDesist {
        covers(
            s.consents,
            ConsentScope::IdentityDisclosure,
            respondent.map(|b| b.respondent_id),
        )
    } else {
        covers(s.consents, ConsentScope::IdentityDisclosure, Some(t.platform_id))
    };
    let client = named.then(|| ClientFacts {
        name: one_line(&details.client.name),
        address: t
            .copyright
            .as_ref()
            .and_then(|c| c.claimant_address.as_deref())
            .map(one_line),
    });

    let copyright = match t.channel {
        TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice => {
            let Some(c) = &t.copyright else {
                return Err(DomainError::Conflict(
                    "the letter cannot be written without the copyright particulars".into(),
                ));
            };
            Some(CopyrightFacts {
                work: quoted(&c.work),
                claimant_right: quoted(&c.claimant_right),
            })
        }
        _ => None,
    };

    Ok(LetterFacts {
        channel: t.channel,
        lang,
        jurisdiction: details.jurisdiction,
        time_zone: zone,
        date: long_date(s.now.to_zoned(tz(zone)).date(), lang),
        sender: Sender {
            name: one_line(&s.sender.name),
            postal_address: s.sender.postal_address.iter().map(|l| one_line(l)).collect(),
            email: one_line(&s.sender.email),
            phone: s.sender.phone.as_deref().map(one_line),
            signatory: one_line(&s.sender.signatory),
        },
        sender_address: s
            .sender
            .postal_address
            .iter()
            .map(|l| one_line(l))
            .collect::<Vec<_>>()
            .join(", "),
        platform_name: one_line(&s.platform.name),
        dmca_agent,
        case_reference: s.case.reference.clone(),
        request_id: t.id,
        client,
        urls: url_facts(t, s.evidence, zone, lang),
        depicted_under_18: t.depicted_under_18 == Some(true),
        copyright,
        respond_by: s.respond_by.map(|d| long_date(d, lang)),
        respondent_name: respondent.map(|b| one_line(&b.respondent_name)),
        order,
    })
}

/// Reads everything the letter of request `id` is built from, in the caller's view of the
/// case, and writes it in `lang` (default: the case's language).
///
/// # Errors
/// `NotFound` when the request is not visible; otherwise as [`facts`] and [`render`].
#[tracing::instrument(skip_all, fields(takedown.id = %id))]
pub async fn write(
    conn: &mut PgConnection,
    vis: Visibility,
    id: Uuid,
    lang: Option<Lang>,
    sender: &Sender,
    now: Timestamp,
) -> Result<Letter, DomainError> {
    let t = store::visible(conn, vis, id).await?.takedown;
    if !t.channel.has_letter() {
        return Err(DomainError::Conflict(format!(
            "the {} channel sends no letter: the request is made on the platform's own pages",
            t.channel
        )));
    }
    let consents = crate::case::store::consents::list(conn, t.case_id, None, i64::MAX).await?;
    // Consent first: nothing else is read about the case without it.
    let missing = unmet(t.channel, &consents, t.platform_id);
    if !missing.is_empty() {
        return Err(DomainError::Unmet(missing));
    }
    let case = crate::case::store::visible(conn, vis, t.case_id).await?.case;
    let evidence = crate::case::store::evidence::list(conn, t.case_id, None, i64::MAX).await?;
    let platform = crate::platform::store::get(conn, t.platform_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let order = match t.order_id {
        Some(o) => Some(crate::order::store::visible(conn, vis, o).await?.order),
        None => None,
    };
    // Five office days to confirm, counting the closures an admin added.
    let respond_by = if t.channel == TakedownChannel::CeaseAndDesist {
        let cal = calendar::store::load(conn).await?;
        Some(calendar::local_date(cal.add_business_days(now, 5)))
    } else {
        None
    };
    let sources = Sources {
        takedown: &t,
        case: &case,
        evidence: &evidence,
        consents: &consents,
        platform: &platform,
        order: order.as_ref(),
        sender,
        lang: lang.unwrap_or_else(|| Lang::default_for(case.details.jurisdiction)),
        now,
        respond_by,
    };
    render(&facts(&sources)?)
}

mod engine;
mod format;

pub use engine::render;
pub use format::{local_instant, long_date};
use format::{one_line, quoted, tz};

#[cfg(test)]
mod tests;
