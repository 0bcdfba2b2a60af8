//! SQL of identity, by concern: staff accounts and their grants ([`users`]), lockout
//! ([`lockout`]), integration clients ([`clients`]) and refresh tokens ([`refresh`]).
//! The rules they apply live in [`crate::identity::rules`].

pub mod clients;
pub mod lockout;
pub mod refresh;
pub mod users;

pub use clients::*;
pub use lockout::*;
pub use refresh::*;
pub use users::*;

pub use crate::identity::rules::narrow_scopes;
