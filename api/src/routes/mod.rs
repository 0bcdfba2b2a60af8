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

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route; the same function feeds the server and the spec.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(auth::token)
        .service(auth::revoke)
        .service(auth::enroll)
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
