//! HTTP handlers, one module per resource. Handlers are thin: parse, authorise, call the
//! domain, shape the response.

pub mod api_clients;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod claims;
pub mod health;
pub mod jobs;
pub mod legal_parameters;
pub mod me;
pub mod notifications;
pub mod orders;
pub mod platforms;
pub mod signing_keys;
pub mod takedowns;
pub mod tasks;
pub mod users;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::{
    error::ApiResult,
    extract::{PageQuery, Pager, etag, if_none_match_hits},
    startup::AppState,
};

/// Registers every documented route; the same function feeds the server and the spec.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(auth::token)
        .service(auth::revoke)
        .service(auth::jwks)
        .service(me::me)
        .service(me::change_password)
        .service(users::create)
        .service(users::list)
        .service(users::get)
        .service(users::update)
        .service(users::decide_role_grant)
        .service(users::list_pending_grants)
        .service(api_clients::create)
        .service(api_clients::list)
        .service(api_clients::revoke)
        .service(signing_keys::list)
        .service(signing_keys::rotate)
        .service(calendar::list_closures)
        .service(calendar::add_closure)
        .service(calendar::remove_closure)
        .service(calendar::next_open)
        .service(calendar::add_business_days)
        .service(platforms::create)
        .service(platforms::list)
        .service(platforms::get)
        .service(platforms::update)
        .service(platforms::get_scorecard)
        .service(takedowns::create)
        .service(takedowns::list)
        .service(takedowns::get)
        .service(takedowns::transition)
        .service(takedowns::render_notice)
        .service(cases::case::create)
        .service(cases::case::list)
        .service(cases::case::get)
        .service(cases::case::update)
        .service(cases::case::transition)
        .service(cases::case::assign)
        .service(cases::notes::add)
        .service(cases::notes::list)
        .service(cases::referrals::add)
        .service(cases::referrals::list)
        .service(cases::referrals::update)
        .service(cases::consents::add)
        .service(cases::consents::list)
        .service(cases::consents::revoke)
        .service(cases::evidence::add)
        .service(cases::evidence::list)
        .service(cases::timeline::list)
        .service(legal_parameters::list)
        .service(claims::create)
        .service(claims::list)
        .service(claims::get)
        .service(claims::transition)
        .service(orders::order::create)
        .service(orders::order::list)
        .service(orders::order::get)
        .service(orders::bindings::serve)
        .service(orders::bindings::compliance)
        .service(orders::exposure::get)
        .service(tasks::create)
        .service(tasks::list)
        .service(tasks::get)
        .service(tasks::complete)
        .service(tasks::cancel)
        .service(notifications::list)
        .service(notifications::read)
        .service(jobs::list)
        .service(jobs::retry)
        .service(jobs::cancel);
}

/// One page of a list ordered by id, oldest first (staff accounts, pending role grants,
/// integration clients): the page size and cursor of `q` are checked (422), then `fetch`
/// reads the rows after the previous page's last id (asked for one more than the page
/// holds, to know whether another follows), and the answer is a `Page<O>` whose cursor,
/// valid only for the list `kind`, names the page's last id.
pub(crate) async fn id_page<R, O>(
    state: &AppState,
    kind: &str,
    q: &PageQuery,
    fetch: impl AsyncFnOnce(&mut PgConnection, Option<Uuid>, i64) -> Result<Vec<R>, sqlx::Error>,
    id_of: impl Fn(&R) -> Uuid,
) -> ApiResult<HttpResponse>
where
    O: From<R> + Serialize,
{
    let limit = q.limit()?;
    let (pager, after) = Pager::open::<Uuid>(state, kind, limit, q.cursor.as_deref()).await?;
    let mut conn = state.db.acquire().await?;
    let rows = fetch(&mut conn, after, limit + 1).await?;
    Ok(pager.respond::<_, O, _>(rows, id_of))
}

/// A resource at `version` as the JSON body of a `status` answer, with its `ETag`.
pub(crate) fn tagged<O: Serialize>(status: StatusCode, version: i64, body: &O) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(version)))
        .json(body)
}

/// The answer to a GET of one resource at `version`: `304 Not Modified` when the request's
/// `If-None-Match` already names its ETag, else `200` with the body `view()` builds.
pub(crate) fn conditional_get<O: Serialize>(req: &HttpRequest, version: i64, view: impl FnOnce() -> O) -> HttpResponse {
    let tag = etag(version);
    if if_none_match_hits(req, &tag) {
        return HttpResponse::NotModified().insert_header(("ETag", tag)).finish();
    }
    tagged(StatusCode::OK, version, &view())
}
