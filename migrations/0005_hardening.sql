-- Hardening (issue 9): two-person supervisor grants, and sign-in lockout per account and
-- client address.

-- A supervisor sees every case, so an admin alone cannot make one (contract §2): the
-- requested role waits in pending_role until an active supervisor other than the
-- requester approves or rejects it. An account created for such a grant stays inactive
-- until it is approved (pending_role_activates).
ALTER TABLE users
    ADD COLUMN pending_role               text CHECK (pending_role IN ('supervisor')),
    ADD COLUMN pending_role_requested_by  uuid REFERENCES users (id),
    ADD COLUMN pending_role_requested_at  timestamptz,
    ADD COLUMN pending_role_activates     boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT users_pending_role_complete CHECK (
        (pending_role IS NULL) = (pending_role_requested_by IS NULL)
        AND (pending_role IS NULL) = (pending_role_requested_at IS NULL)
        AND (pending_role IS NOT NULL OR NOT pending_role_activates)
    );

-- Failed sign-ins (and password-change attempts) per account and client address: five in
-- a row lock that address out of that account for 15 minutes, so one address cannot lock
-- every account in turn. users.failed_logins still counts failures from any address and
-- locks the account for everyone at a higher threshold (a distributed guesser).
CREATE TABLE login_failures (
    user_id         uuid NOT NULL REFERENCES users (id),
    address         text NOT NULL CHECK (length(address) BETWEEN 1 AND 64),
    failures        integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, address)
);
