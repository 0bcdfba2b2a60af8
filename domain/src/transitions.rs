//! State machines as data. Each aggregate declares one table of `(from, to, guards)` and a
//! function saying whether a guard is met; [`check`] is the one place that reads such a
//! table, so cases, referrals, takedowns, claims, bindings and tasks all answer the same
//! way: no such edge (409), only certain roles may take it (403), or every unmet guard at
//! once (409 with `unmet`).

use std::fmt::Display;

/// A condition a transition needs.
pub trait Guard: Copy + PartialEq {
    /// The code listed in `unmet`.
    fn code(self) -> &'static str;

    /// Whether an unmet guard means "your role may not do this" (403) rather than "not
    /// yet" (409). Such guards are checked before the others.
    fn is_authority(self) -> bool {
        false
    }
}

/// One edge of a state machine and the guards it needs.
pub type Edge<S, G> = (S, S, &'static [G]);

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The transition's own fields are invalid (e.g. `occurred_at` in the future): 422.
    Invalid(Vec<crate::FieldError>),
    /// No such edge from the current state (`what` names the resource: "a case").
    NotAllowed {
        what: &'static str,
        from: String,
        to: String,
    },
    /// The caller's role may not take this edge.
    Forbidden,
    /// Guards not met; every one listed.
    Unmet(Vec<&'static str>),
}

/// Checks `from → to` against `table`, with `met` deciding each guard.
///
/// # Errors
/// `NotAllowed` when the table has no such edge; `Forbidden` when an authority guard is
/// unmet; otherwise `Unmet` with every unmet guard, in table order.
pub fn check<S, G>(
    what: &'static str,
    table: &[Edge<S, G>],
    from: S,
    to: S,
    met: impl Fn(G) -> bool,
) -> Result<(), TransitionError>
where
    S: Copy + PartialEq + Display,
    G: Guard,
{
    let Some((_, _, guards)) = table.iter().find(|(f, t, _)| *f == from && *t == to) else {
        return Err(TransitionError::NotAllowed {
            what,
            from: from.to_string(),
            to: to.to_string(),
        });
    };
    if guards.iter().any(|g| g.is_authority() && !met(*g)) {
        return Err(TransitionError::Forbidden);
    }
    let unmet: Vec<&'static str> = guards.iter().filter(|g| !met(**g)).map(|g| g.code()).collect();
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(TransitionError::Unmet(unmet))
    }
}

/// When a transition happened: `requested` as given (not in the future, not before the
/// previous transition, `previous`), or `now`. Every recorded state machine
/// (takedowns, claims, bindings) takes `occurred_at` this way.
///
/// # Errors
/// The field error on `occurred_at`.
pub fn occurred_at(
    requested: Option<jiff::Timestamp>,
    previous: jiff::Timestamp,
    now: jiff::Timestamp,
) -> Result<jiff::Timestamp, crate::FieldError> {
    let Some(at) = requested else {
        return Ok(now);
    };
    if at > now {
        return Err(crate::FieldError::new(
            "occurred_at",
            "in_future",
            "a transition cannot be recorded in the future",
        ));
    }
    if at < previous {
        return Err(crate::FieldError::new(
            "occurred_at",
            "before_previous",
            format!("must not be before the previous transition ({previous})"),
        ));
    }
    Ok(at)
}

/// Whether the table has the edge `from → to` at all.
pub fn exists<S: Copy + PartialEq, G>(table: &[Edge<S, G>], from: S, to: S) -> bool {
    table.iter().any(|(f, t, _)| *f == from && *t == to)
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::Invalid(e) => write!(f, "invalid transition fields: {e:?}"),
            TransitionError::NotAllowed { what, from, to } => write!(f, "{what} cannot go from {from} to {to}"),
            TransitionError::Forbidden => f.write_str("your role may not make this transition"),
            TransitionError::Unmet(u) => write!(f, "unmet guards: {}", u.join(", ")),
        }
    }
}
