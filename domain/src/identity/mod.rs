//! Identity and access (contract §2): staff users, integration clients, refresh tokens.

pub mod rules;
pub mod store;
pub mod types;

pub use rules::{GrantDecision, needs_approval};
pub use types::{ApiClient, Email, Label, NewUser, Password, PendingRole, Role, Scope, User, UserPatch};
