//! Casework's HTTP surface: routes, extractors, errors and the OpenAPI document. Business
//! rules and SQL live in `casework-domain`.

pub mod auth;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod startup;

pub use config::{Cli, Settings};
pub use startup::Application;
