//! The rules of an order: parsing an order, a service and a compliance check (every broken
//! rule at once); which claims can lead to an order; the binding state machine as a table.

use jiff::Timestamp;

use super::{
    input::{NewBinding, NewCompliance, NewOrder, NewService},
    types::{Binding, BindingEntry, BindingStatus, ComplianceEntry, ComplianceStatus, Order, OrderDraft, ServiceEntry},
};
use crate::{
    DomainError,
    claim::{Claim, ClaimStatus},
    error::{FieldError, Validation},
    input::{PARSED, duplicates},
    timestamp::Ts,
    transitions::{self, Edge, TransitionError},
};

pub const REFERENCE_MAX_CHARS: usize = 100;
pub const NOTE_MAX_CHARS: usize = 20_000;

/// An order follows only a claim `decided` with a granting outcome.
///
/// # Errors
/// `Unmet` naming why: `claim_not_decided` or `claim_not_granted`.
pub fn check_claim_grants(claim: &Claim) -> Result<(), DomainError> {
    if claim.status != ClaimStatus::Decided {
        return Err(DomainError::Unmet(vec!["claim_not_decided".into()]));
    }
    if !claim.outcome.is_some_and(super::super::claim::Outcome::grants) {
        return Err(DomainError::Unmet(vec!["claim_not_granted".into()]));
    }
    Ok(())
}

impl NewOrder {
    /// The validated order for `claim` (absent when the body named none): terms at least one
    /// and each once; bindings at least one, each a respondent of the claim at most once, due
    /// after `issued_at`; `issued_at` not in the future; a claim's publication ban kept.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp, claim: Option<&Claim>) -> Result<OrderDraft, DomainError> {
        let mut v = Validation::new();
        let claim_id = v.required("claim_id", self.claim_id);
        let order_reference = v.required_with("order_reference", self.order_reference.as_deref(), |v, s| {
            v.required_text(
                "order_reference",
                Some(s),
                REFERENCE_MAX_CHARS,
                "give the tribunal's reference for the order",
            )
        });
        let issued_at = v.required("issued_at", self.issued_at);
        v.not_in_future("issued_at", issued_at, now, "an order cannot be issued in the future");
        let terms = v.non_empty("terms", self.terms, "an order has at least one term");
        for i in duplicates(terms.iter().flatten().copied()) {
            v.push(FieldError::new(
                format!("terms[{i}]"),
                "duplicate",
                "list each term once",
            ));
        }
        let claim_ban = claim.is_some_and(|c| c.publication_ban);
        if self.publication_ban == Some(false) && claim_ban {
            v.push(FieldError::new(
                "publication_ban",
                "required_by_claim",
                "the claim names a minor respondent, so the order keeps its publication ban",
            ));
        }
        let bindings = v
            .non_empty("bindings", self.bindings, "an order binds at least one respondent")
            .and_then(|bs| {
                let repeated = duplicates(bs.iter().map(|b| b.respondent_id));
                v.each("bindings", bs.into_iter().enumerate(), |v, at, (i, b)| {
                    b.parse_into(v, at, issued_at, claim, repeated.contains(&i))
                })
            });
        v.into_result(|| {
            Some(OrderDraft {
                claim_id: claim_id?,
                order_reference: order_reference?,
                issued_at: Ts::new(issued_at?),
                terms: terms?,
                publication_ban: claim_ban || self.publication_ban.unwrap_or(false),
                bindings: bindings?,
                parsed: PARSED,
            })
        })
    }
}

impl NewBinding {
    /// One binding, its fields under `at`: a respondent of `claim` (bound once: `repeated`
    /// says an earlier binding names the same one), due after `issued_at`.
    fn parse_into(
        self,
        v: &mut Validation,
        at: &str,
        issued_at: Option<Timestamp>,
        claim: Option<&Claim>,
        repeated: bool,
    ) -> Option<BindingEntry> {
        let respondent_id = v.required(&format!("{at}.respondent_id"), self.respondent_id);
        if let (Some(r), Some(c)) = (respondent_id, claim) {
            if !c.respondents.iter().any(|x| x.id == r) {
                v.push(FieldError::new(
                    format!("{at}.respondent_id"),
                    "not_a_respondent",
                    "not a respondent of this order's claim",
                ));
            } else if repeated {
                v.push(FieldError::new(
                    format!("{at}.respondent_id"),
                    "duplicate",
                    "bind each respondent once",
                ));
            }
        }
        let comply_by = v.required(&format!("{at}.comply_by"), self.comply_by);
        if let (Some(c), Some(i)) = (comply_by, issued_at)
            && c <= i
        {
            v.push(FieldError::new(
                format!("{at}.comply_by"),
                "not_after_issue",
                "the deadline to comply comes after the order is issued",
            ));
        }
        Some(BindingEntry {
            respondent_id: respondent_id?,
            comply_by: Ts::new(comply_by?),
            repeat_offence: self.repeat_offence.unwrap_or(false),
        })
    }
}

impl NewService {
    /// `served_at` defaults to `now`; not after it, not before the order was issued.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp, order: &Order) -> Result<ServiceEntry, DomainError> {
        let mut v = Validation::new();
        let served_at = self.served_at.unwrap_or(now);
        if v.not_in_future("served_at", served_at, now, "must not be in the future")
            && Ts::new(served_at) < order.issued_at
        {
            v.push(FieldError::new(
                "served_at",
                "before_issue",
                "an order is served after it is issued",
            ));
        }
        let channel = v.required("channel", self.channel);
        let note = v.optional_text("note", self.note.as_deref(), NOTE_MAX_CHARS);
        v.into_result(|| {
            Some(ServiceEntry {
                served_at: Ts::new(served_at),
                channel: channel?,
                note,
                parsed: PARSED,
            })
        })
    }
}

impl NewCompliance {
    /// `checked_at` defaults to `now`; not after it, not before service. `complied` with
    /// `geofenced_only` is refused: blocking access only in Canada is not compliance (CRT
    /// decision against X Corp).
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp, binding: &Binding) -> Result<ComplianceEntry, DomainError> {
        let mut v = Validation::new();
        let status = v.required("status", self.status);
        let geofenced_only = self.geofenced_only.unwrap_or(false);
        if status == Some(ComplianceStatus::Complied) && geofenced_only {
            v.push(FieldError::new(
                "geofenced_only",
                "not_compliance",
                "blocking the images only for viewers in Canada is not compliance; they must come down everywhere",
            ));
        }
        let checked_at = self.checked_at.unwrap_or(now);
        if v.not_in_future("checked_at", checked_at, now, "must not be in the future")
            && binding.served_at.is_some_and(|s| Ts::new(checked_at) < s)
        {
            v.push(FieldError::new(
                "checked_at",
                "before_service",
                "compliance is checked after the order was served",
            ));
        }
        let note = v.optional_text("note", self.note.as_deref(), NOTE_MAX_CHARS);
        v.into_result(|| {
            Some(ComplianceEntry {
                status: status?,
                checked_at: Ts::new(checked_at),
                note,
                geofenced_only,
                parsed: PARSED,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// The binding state machine

/// A condition a binding move needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingGuard {
    /// Serving the order discloses case information to the respondent: an active consent
    /// with scope `respondent_contact` or `crt` on the case.
    ServiceConsent,
    /// A respondent is non-compliant only once the breach has begun: the deadline has
    /// passed *and* the order was served (`max(comply_by, served_at)`).
    DeadlinePassed,
}

impl transitions::Guard for BindingGuard {
    fn code(self) -> &'static str {
        match self {
            BindingGuard::ServiceConsent => "respondent_contact_consent_required",
            BindingGuard::DeadlinePassed => "comply_by_not_reached",
        }
    }
}

use BindingGuard::{DeadlinePassed, ServiceConsent};
use BindingStatus::{Complied, NonCompliant, PendingService, Served};

/// Every move of a binding. An unserved respondent is never non-compliant (no edge from
/// `pending_service`). Every move, the worker's included, goes through `order::moves`.
pub const BINDING_TRANSITIONS: &[Edge<BindingStatus, BindingGuard>] = &[
    (PendingService, Served, &[ServiceConsent]),
    (Served, Complied, &[]),
    (Served, NonCompliant, &[DeadlinePassed]),
    (NonCompliant, Complied, &[]),
];

/// What the binding guards look at.
#[derive(Debug, Clone, Copy)]
pub struct BindingFacts {
    pub consent_to_serve: bool,
    /// When the move happens (served, checked).
    pub at: Ts,
    /// When a breach begins: `max(comply_by, served_at)` (see `moves::breach_from`).
    pub breach_from: Ts,
}

/// Checks a binding move against the table and every guard.
///
/// # Errors
/// `NotAllowed` when the table has no such edge (e.g. compliance before service); otherwise
/// `Unmet` with every unmet guard.
pub fn check_binding_move(from: BindingStatus, to: BindingStatus, f: BindingFacts) -> Result<(), TransitionError> {
    transitions::check("an order binding", BINDING_TRANSITIONS, from, to, |g| match g {
        ServiceConsent => f.consent_to_serve,
        DeadlinePassed => f.at >= f.breach_from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Ts {
        Ts::new(s.parse().unwrap())
    }

    #[test]
    fn the_binding_table() {
        let f = BindingFacts {
            consent_to_serve: true,
            at: t("2026-11-23T17:00:00Z"),
            breach_from: t("2026-11-01T17:00:00Z"),
        };
        for from in BindingStatus::ALL {
            for to in BindingStatus::ALL {
                let allowed = matches!(
                    (from, to),
                    (PendingService, Served) | (Served, Complied | NonCompliant) | (NonCompliant, Complied)
                );
                assert_eq!(check_binding_move(*from, *to, f).is_ok(), allowed, "{from} -> {to}");
            }
        }
        let early = BindingFacts {
            consent_to_serve: false,
            at: t("2026-10-01T17:00:00Z"),
            ..f
        };
        assert_eq!(
            check_binding_move(PendingService, Served, early),
            Err(TransitionError::Unmet(vec!["respondent_contact_consent_required"]))
        );
        assert_eq!(
            check_binding_move(Served, NonCompliant, early),
            Err(TransitionError::Unmet(vec!["comply_by_not_reached"]))
        );
        assert!(matches!(
            check_binding_move(PendingService, Complied, f),
            Err(TransitionError::NotAllowed { .. })
        ));
    }
}
