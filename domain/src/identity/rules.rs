//! The rules of identity, apart from the SQL: which roles take two people, what an admin's
//! change does to an account, what deciding a grant does, and how a client narrows its
//! scopes. The stores call these on rows they have locked.

use uuid::Uuid;

use super::types::{PendingRole, Role, Scope, User, UserPatch};
use crate::{
    error::{DomainError, FieldError},
    timestamp::Ts,
};

/// Whether granting `role` needs a second person's approval: a supervisor sees every case
/// and an admin must not.
#[must_use]
pub fn needs_approval(role: Role) -> bool {
    role == Role::Supervisor
}

/// Applies an admin's change to `u`. A role that needs approval becomes a pending grant
/// requested by `actor` (the effective role stays); any other role applies at once and
/// withdraws a pending grant; deciding `active` overrides the activation an approval would
/// bring. Returns whether a grant was requested.
pub fn apply_patch(u: &mut User, patch: &UserPatch, actor: Uuid, now: Ts) -> bool {
    if let Some(name) = &patch.display_name {
        name.as_str().clone_into(&mut u.display_name);
    }
    let mut grant_requested = false;
    match patch.role {
        Some(role) if needs_approval(role) && role != u.role => {
            let activates = u.pending_role.as_ref().is_some_and(|p| p.activates);
            u.pending_role = Some(PendingRole {
                role,
                requested_by: actor,
                requested_at: now,
                activates,
            });
            grant_requested = true;
        }
        Some(role) if !needs_approval(role) => {
            u.role = role;
            u.pending_role = None;
        }
        _ => {}
    }
    if let Some(active) = patch.active {
        u.active = active;
        // An admin decided about activation: approval must not overrule it.
        if let Some(p) = &mut u.pending_role {
            p.activates = false;
        }
    }
    grant_requested
}

/// A supervisor's decision on a pending role grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantDecision {
    Approve,
    Reject,
}

/// Decides the pending grant of `u` by `decider` and applies it to `u`; returns the grant
/// decided. Approval gives the role (and activates an account created for the grant), and
/// ends every credential the account had: the password anyone else may know is replaced by
/// the enrollment its holder completes ([`User::enrollment_pending`]). Rejection only
/// withdraws the grant.
///
/// # Errors
/// `Conflict` when nothing is pending (already decided included) or the decider is the
/// requester or the grantee: a grant always involves two people.
pub fn decide_grant(u: &mut User, decider: Uuid, decision: GrantDecision) -> Result<PendingRole, DomainError> {
    let pending = u
        .pending_role
        .take()
        .ok_or_else(|| DomainError::Conflict("no role grant is pending for this user".into()))?;
    if pending.requested_by == decider || u.id == decider {
        return Err(DomainError::Conflict(
            "a role grant must be decided by someone other than its requester and its grantee".into(),
        ));
    }
    if decision == GrantDecision::Approve {
        u.role = pending.role;
        u.active = u.active || pending.activates;
        u.enrollment_pending = true;
        u.must_change_password = false;
    }
    Ok(pending)
}

/// The scopes a client's token gets: all it holds, or the subset it asks for.
///
/// # Errors
/// A field error naming `scope` when it asks for one it does not hold.
pub fn narrow_scopes(held: &[Scope], requested: Option<&str>) -> Result<Vec<Scope>, FieldError> {
    let Some(req) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(held.to_vec());
    };
    let mut out = Vec::new();
    for part in req.split_whitespace() {
        match part.parse::<Scope>() {
            Ok(s) if held.contains(&s) => out.push(s),
            _ => {
                return Err(FieldError::new(
                    "scope",
                    "invalid_scope",
                    format!("scope `{part}` is not granted to this client"),
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(pending: Option<PendingRole>) -> User {
        let at = Ts::new("2026-11-23T17:00:00Z".parse().expect("instant"));
        User {
            id: Uuid::from_u128(1),
            email: "a@example.org".into(),
            display_name: "A".into(),
            role: Role::Caseworker,
            active: false,
            pending_role: pending,
            must_change_password: true,
            enrollment_pending: false,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn grant(by: u128) -> PendingRole {
        PendingRole {
            role: Role::Supervisor,
            requested_by: Uuid::from_u128(by),
            requested_at: Ts::new("2026-11-23T17:00:00Z".parse().expect("instant")),
            activates: true,
        }
    }

    #[test]
    fn approval_takes_a_second_person_and_ends_every_credential() {
        let mut u = user(Some(grant(2)));
        for decider in [1, 2] {
            assert!(matches!(
                decide_grant(&mut u.clone(), Uuid::from_u128(decider), GrantDecision::Approve),
                Err(DomainError::Conflict(_))
            ));
        }
        decide_grant(&mut u, Uuid::from_u128(3), GrantDecision::Approve).expect("approved");
        assert_eq!(u.role, Role::Supervisor);
        assert!(u.active && u.enrollment_pending && !u.must_change_password);
        // Once decided, nothing is pending: a second approval is a conflict.
        assert!(matches!(
            decide_grant(&mut u, Uuid::from_u128(3), GrantDecision::Approve),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn rejection_leaves_the_account_as_it_was() {
        let mut u = user(Some(grant(2)));
        decide_grant(&mut u, Uuid::from_u128(3), GrantDecision::Reject).expect("rejected");
        assert_eq!(u.role, Role::Caseworker);
        assert!(!u.active && !u.enrollment_pending && u.pending_role.is_none());
    }

    #[test]
    fn scopes_narrow_to_what_is_held() {
        let held = [Scope::StatsRead, Scope::PlatformsRead];
        assert_eq!(narrow_scopes(&held, None).expect("all"), held);
        assert_eq!(
            narrow_scopes(&held, Some("stats:read stats:read")).expect("one"),
            [Scope::StatsRead]
        );
        assert_eq!(
            narrow_scopes(&held, Some("platforms:write")).expect_err("more").code,
            "invalid_scope"
        );
    }
}
