//! Takedown requests (contract §5): draft, list, read, move through their lifecycle, and
//! render the letter a request sends. A request is visible exactly to those who see its
//! case; every path answers in the case order (role, visibility, then query, headers,
//! body, key, effect).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::{
    FieldError, Ts, Validation, calendar, case, identity,
    takedown::{
        LegalBasis, NewTakedown, Takedown, TakedownChannel, TakedownStatus, TakedownTransition,
        letter::{self, Lang, Sender},
        rules,
        store::{self, Move, TakedownFilter},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{
        JsonBody, ListQuery, Page, QueryParams, conditional_get, finish_created, instant_filter, optional_if_match,
    },
    idempotency::{self, Answer},
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// A takedown request as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TakedownRequest)]
pub struct TakedownOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub platform_id: Uuid,
    pub channel: TakedownChannel,
    /// As written, except an internationalised host, which is kept in punycode
    /// (`https://xn--bcher-kva.example/...`); compared with evidence URLs in normal form
    /// (see `POST`).
    pub urls: Vec<String>,
    /// `urls` for people to read, in the same order: each host in Unicode
    /// (`https://bücher.example/...`).
    pub urls_display: Vec<String>,
    pub evidence_ids: Vec<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_waiver_reason: Option<String>,
    pub legal_basis: LegalBasis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depicted_under_18: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<casework_domain::takedown::CopyrightParticulars>,
    pub status: TakedownStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_reference: Option<String>,
    /// Close of business on the platform's `follow_up_business_days`-th office day after
    /// submission; cleared once the platform answers or the request is withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_due_at: Option<jiff::Timestamp>,
    /// Follow-ups sent so far.
    pub follow_up_count: i32,
    /// When the platform answered (removed, partially removed or refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<jiff::Timestamp>,
    pub created_by: Uuid,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub version: i64,
}

impl From<Takedown> for TakedownOut {
    fn from(t: Takedown) -> Self {
        Self {
            id: t.id,
            case_id: t.case_id,
            platform_id: t.platform_id,
            channel: t.channel,
            urls_display: t
                .urls
                .iter()
                .map(|u| casework_domain::takedown::url::display(u))
                .collect(),
            urls: t.urls,
            evidence_ids: t.evidence_ids,
            evidence_waiver_reason: t.evidence_waiver_reason,
            legal_basis: t.legal_basis,
            order_id: t.order_id,
            depicted_under_18: t.depicted_under_18,
            override_reason: t.override_reason,
            copyright: t.copyright,
            status: t.status,
            submitted_at: t.submitted_at.map(Ts::get),
            platform_reference: t.platform_reference,
            follow_up_due_at: t.follow_up_due_at.map(Ts::get),
            follow_up_count: t.follow_up_count,
            resolved_at: t.resolved_at.map(Ts::get),
            created_by: t.created_by,
            created_at: t.created_at.get(),
            updated_at: t.updated_at.get(),
            version: t.version,
        }
    }
}

/// Draft a takedown request on a case you work.
///
/// URLs (1–50, http or https, at most 2048 characters) must be distinct once normalised:
/// scheme and host lower-cased, the default port (80 for http, 443 for https) dropped, the
/// fragment dropped, and a trailing slash of the path dropped; the query string, the path's
/// case and percent-encoding are kept as written. The same normal form is used to match
/// URLs with evidence on submission. `evidence_ids` must be evidence of the same case.
/// `order_id` is required with `legal_basis: iipa_order` and for `order_service`;
/// `copyright` particulars for `copyright_notice_ca` and `dmca_notice` (their
/// `claimant_address` on one line); `stopncii` refuses `depicted_under_18: true` and
/// `take_it_down` refuses `false`.
///
/// The channel must fit the platform and the client (422 naming the field):
/// `channel_not_offered` (`stopncii` and `take_it_down` only on the matching hash-sharing
/// entry, which takes nothing else; `search_deindex` only on a search engine),
/// `no_dmca_agent` (`dmca_notice` on a platform whose directory entry has no `dmca_agent`
/// channel), `client_is_a_minor` (`stopncii` when the case's client is under 18, or a youth
/// whose age is not recorded, whatever `depicted_under_18` says) and, on `platform_id`,
/// `not_bound` (`order_service` on a platform the order does not bind).
#[utoipa::path(
    operation_id = "create_takedown_request",
    tag = "takedowns",
    security(("bearer" = [])),
    request_body = NewTakedown,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Drafted", body = TakedownOut, headers(("ETag" = String), ("Location" = String))),
        crate::openapi::CaseWorkOnly,
    )
)]
#[post("/v1/takedown-requests")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewTakedown>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.case_actor()?;
    let body = body?;
    let mut work = idempotency::open(&state).await?;
    // The case first: someone else's case is 404 whatever else the body says.
    let case = match body.value.case_id {
        Some(case_id) => Some(
            case::store::visible(&mut work.tx, principal.visibility(), case_id)
                .await?
                .case,
        ),
        None => None,
    };
    let spec = body.value.clone().parse()?;
    // `parse` requires `case_id`, so the case was read above.
    let case = case.ok_or(ApiError::NotFound)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let t = store::create(&mut work.tx, &spec, &case, me, state.clock.ts()).await?;
    let location = format!("/v1/takedown-requests/{}", t.id);
    finish_created(work, &state.clock, t.version, location, &TakedownOut::from(t)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TakedownListQuery {
    pub case_id: Option<Uuid>,
    pub platform_id: Option<Uuid>,
    pub status: Option<TakedownStatus>,
    /// Only requests whose follow-up falls due before this RFC 3339 instant (with offset).
    #[param(value_type = Option<String>, format = DateTime)]
    pub follow_up_due_before: Option<String>,
}

const CURSOR: &str = "takedowns";

/// Takedown requests of the cases you see, newest first.
#[utoipa::path(
    operation_id = "list_takedown_requests",
    tag = "takedowns",
    security(("bearer" = [])),
    params(ListQuery<TakedownListQuery>),
    responses(
        (status = 200, description = "A page of requests", body = Page<TakedownOut>),
        crate::openapi::CaseWorkOnly,
    )
)]
#[get("/v1/takedown-requests")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<TakedownListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.case_actor()?;
    let ListQuery { filter: q, page } = q?;
    let mut v = Validation::new();
    let due_before = instant_filter(&mut v, "follow_up_due_before", q.follow_up_due_before.as_deref());
    v.finish()?;
    let filter = TakedownFilter {
        case_id: q.case_id,
        platform_id: q.platform_id,
        status: q.status,
        follow_up_due_before: due_before,
    };
    page.answer_seen::<TakedownOut, _, _>(&state, CURSOR, &principal, &filter, store::list, |t| t.id)
        .await
}

/// One takedown request.
#[utoipa::path(
    operation_id = "get_takedown_request",
    tag = "takedowns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The request", body = TakedownOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
        (status = 404, description = "No such request, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/takedown-requests/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let t = store::visible(&mut conn, principal.visibility(), *id).await?.takedown;
    Ok(conditional_get(&req, t.version, TakedownOut::from(t)))
}

/// Move a takedown request through its lifecycle.
///
/// `draft → submitted → acknowledged`; `submitted|acknowledged → removed |
/// partially_removed | refused`; `refused → escalated`; `draft|submitted|acknowledged →
/// withdrawn`. `occurred_at` (default now) may not be in the future nor before the
/// previous move. Guards on `draft → submitted`, all listed in `unmet`:
/// `evidence_missing_for_url` (every URL matches, in normal form, the URL of an evidence
/// item of the case, unless an `evidence_waiver_reason` is recorded),
/// `platform_contact_consent_required` (an active consent with scope `platform_contact`
/// for any party or this platform), `stopncii_adults_only` / `take_it_down_minors_only`
/// (`depicted_under_18` must be `false` / `true`), `sextortion_override_required` (a
/// cease-and-desist on a sextortion case needs an `override_reason`), and what reading the
/// request's letter needs: `respondent_contact_consent_required` (a cease-and-desist) and
/// `identity_disclosure_consent` (a Canadian copyright notice: an active
/// `identity_disclosure` consent for any party or this platform), `no_dmca_agent` (a DMCA
/// notice whose platform no longer records a designated agent). On submission
/// `follow_up_due_at` is set to 16:30 Vancouver time on the platform's
/// `follow_up_business_days`-th office day after the submission date; an answer or a
/// withdrawal clears it.
#[utoipa::path(
    operation_id = "transition_takedown_request",
    tag = "takedowns",
    security(("bearer" = [])),
    request_body = TakedownTransition,
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional, crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Moved", body = TakedownOut, headers(("ETag" = String))),
        (status = 404, description = "No such request, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "No such transition from the current state, or guards unmet (`unmet` lists them)", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
        (status = 422, description = "Invalid fields (e.g. `occurred_at` in the future), or Idempotency-Key malformed or reused", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/takedown-requests/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<TakedownTransition>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let vis = principal.visibility();
    let now = state.clock.now();
    let now_ts = state.clock.ts();
    idempotency::post(
        &state,
        &req,
        &principal,
        body,
        async |tx| Ok(store::visible_for_update(tx, vis, *id).await?),
        async |tx, seen, body: TakedownTransition| {
            let parsed = body.parse()?;
            if let Some(e) = optional_if_match(&req)? {
                e.check(seen.takedown.version)?;
            }
            let t = &seen.takedown;
            let data = store::guard_data(tx, t).await?;
            let evidence_urls: Vec<&str> = data.evidence_urls.iter().map(String::as_str).collect();
            let facts = data.facts(t, &evidence_urls);
            let at = rules::check_transition(t.status, &parsed.request, &facts, t.status_changed_at.get(), now)?;
            let to = parsed.request.to;
            let follow_up_due_at = if to == TakedownStatus::Submitted {
                let cal = calendar::store::load(tx).await?;
                let days = store::follow_up_business_days(tx, t.platform_id).await?;
                Some(rules::follow_up_due_at(&cal, at, days))
            } else {
                None
            };
            let m = Move {
                to,
                at,
                effects: rules::effects(to, at),
                follow_up_due_at,
                note: parsed.note.as_deref(),
                platform_reference: parsed.platform_reference.as_deref(),
            };
            let moved = store::apply(tx, &seen, &m, now_ts).await?;
            Ok(Answer::ok(moved.version, TakedownOut::from(moved)))
        },
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// The letter's language: `fr` or `en`. Default: French for a Quebec (`qc`) case,
    /// English otherwise.
    #[param(value_type = Option<Lang>, inline)]
    pub lang: Option<String>,
}

/// The letter a request sends, as plain text.
///
/// For the channels that send one: `email` (a removal request under the platform's own
/// rules), `copyright_notice_ca` (the particulars of the Copyright Act (Canada)
/// s. 41.25(2)), `dmca_notice` (the elements of 17 U.S.C. 512(c)(3), addressed to the
/// platform's `dmca_agent` channel and signed by the service as the owner's authorised
/// agent), `cease_and_desist` (stop, delete every copy, confirm in writing within five office
/// days; it never threatens criminal charges) and `order_service` (on a platform the order
/// binds, quoting that binding's comply-by time). Other channels are filled in on the
/// platform's own pages: 409.
///
/// Every letter exists in French and English (`lang`; `Content-Language` says which), cites
/// the law of the case's jurisdiction only, and states instants in the case's time zone,
/// named (America/Toronto for `qc`, America/Vancouver otherwise). The date of each claimed
/// infringement is the covering evidence's `posted_at`, or its `captured_at` ("first seen").
/// A letter names the client only under an active `identity_disclosure` consent covering
/// its recipient; otherwise it speaks of "our client" and gives the service's details.
///
/// Rendering discloses case information to the recipient, so it needs an active consent
/// that covers them, listed in `unmet` (409) when missing: `platform_contact_consent_required`
/// (letters to a platform), `respondent_contact_consent_required` (a cease-and-desist) and
/// `identity_disclosure_consent` (a Canadian copyright notice, which must name the claimant
/// and is forwarded to the person who posted). 422: `lang` other than `fr` or `en`
/// (`unsupported_language`), `channel` `no_dmca_agent`, `platform_id` `not_bound`.
#[utoipa::path(
    operation_id = "takedown_notice",
    tag = "takedowns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), NoticeQuery),
    responses(
        (status = 200, description = "The letter", body = String, content_type = "text/plain",
            headers(("Content-Language" = String, description = "The letter's language: `fr` or `en`"))),
        (status = 404, description = "No such request, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The channel sends no letter, a consent the letter needs is missing (`unmet`: `platform_contact_consent_required`, `respondent_contact_consent_required`, `identity_disclosure_consent`), or the service's sender details are not configured", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "`lang` is not `fr` or `en` (`unsupported_language`); the platform has no designated DMCA agent (`no_dmca_agent`); the order does not bind this platform (`not_bound`)", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/takedown-requests/{id}/notice")]
pub async fn render_notice(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<NoticeQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let vis = principal.visibility();
    let mut conn = state.db.acquire().await?;
    // Who sees the request first: someone else's request is 404 whatever the query says.
    let seen = store::visible(&mut conn, vis, *id).await?;
    let lang = match q?.0.lang.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse::<Lang>().map_err(|()| {
            ApiError::Validation(vec![FieldError::new(
                "lang",
                "unsupported_language",
                "letters are written in French (fr) or English (en)",
            )])
        })?),
    };
    let service = &state.service;
    if seen.takedown.channel.has_letter() && (service.postal_address.is_empty() || service.email.is_empty()) {
        return Err(ApiError::Conflict(
            "the service's sender details are not configured (CASEWORK_SERVICE_ADDRESS, CASEWORK_SERVICE_EMAIL)".into(),
        ));
    }
    // The caseworker signs by name; each template adds the title in its language.
    let signatory = identity::store::get_user(&mut conn, seen.by.id)
        .await?
        .map_or_else(|| service.name.clone(), |u| u.display_name);
    let sender = Sender {
        name: service.name.clone(),
        postal_address: service.postal_address.clone(),
        email: service.email.clone(),
        phone: service.phone.clone(),
        signatory,
    };
    let letter = letter::write(&mut conn, vis, *id, lang, &sender, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Content-Language", letter.lang.as_str()))
        .body(letter.text))
}
