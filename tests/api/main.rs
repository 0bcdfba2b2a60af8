//! End-to-end tests of the API against a real PostgreSQL (one database per test).
#![expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test, with its location")]

mod api_clients;
mod calendar;
mod case_access;
mod case_records;
mod cases;
mod check_order;
mod claims;
mod compliance;
mod control_characters;
mod conventions;
mod encryption;
mod faults;
mod follow_ups;
mod headers;
mod idempotency;
mod identity;
mod letters;
mod operations;
mod orders;
mod platforms;
mod role_grants;
mod sign_in_memory;
mod spec;
mod strict_values;
mod takedowns;
mod tasks;
mod tokens;
mod users;
mod worker;
