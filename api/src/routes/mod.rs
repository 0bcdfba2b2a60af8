//! HTTP handlers, one module per resource. Handlers are thin: parse, authorise, call the
//! domain, shape the response.

pub mod api_clients;
pub mod auth;
pub mod calendar;
pub mod case_records;
pub mod cases;
pub mod health;
pub mod me;
pub mod signing_keys;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

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
        .service(cases::create)
        .service(cases::list)
        .service(cases::get)
        .service(cases::update)
        .service(cases::transition)
        .service(cases::assign)
        .service(case_records::add_note)
        .service(case_records::list_notes)
        .service(case_records::add_referral)
        .service(case_records::list_referrals)
        .service(case_records::update_referral)
        .service(case_records::add_consent)
        .service(case_records::list_consents)
        .service(case_records::revoke_consent)
        .service(case_records::add_evidence)
        .service(case_records::list_evidence)
        .service(case_records::timeline);
}
