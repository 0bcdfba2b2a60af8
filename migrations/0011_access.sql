-- Access that holds: the second person of a supervisor grant hands over an enrollment
-- code instead of the admin's password; admin-chosen passwords are changed at the first
-- sign-in; a case's tasks are seen only by whoever sees the case; failed sign-ins are
-- counted in a sliding window.

-- An account whose password an admin chose: its tokens open only POST /v1/me/password.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
-- Set when a supervisor grant is approved: every credential is gone and the account opens
-- nothing until its holder sets a password with the enrollment code.
ALTER TABLE users ADD COLUMN enrollment_pending boolean NOT NULL DEFAULT false;
-- Access tokens carry the generation they were issued in; bumping it ends them all at
-- once (approval of a grant), without waiting for their 15 minutes to run out.
ALTER TABLE users ADD COLUMN token_generation bigint NOT NULL DEFAULT 0;

-- One-time codes with which a person sets their own password after a supervisor grant.
-- Only the SHA-256 is kept: the code is 256 random bits, shown once to the approver.
CREATE TABLE enrollment_codes (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    code_hash   bytea NOT NULL UNIQUE,
    issued_by   uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX enrollment_codes_user_idx ON enrollment_codes (user_id);

-- Each failed sign-in (or wrong current password), with its client address: lockout
-- counts those inside a sliding window, so old failures are forgotten.
CREATE TABLE sign_in_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    address     text NOT NULL CHECK (length(address) BETWEEN 1 AND 64),
    at          timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_user_idx ON sign_in_failures (user_id, at);

-- The counters they replace.
DROP TABLE login_failures;
ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;

-- The one visibility rule for tasks: a task about a case is seen by whoever sees the
-- case (case_visible), a task about no case by its assignee, every task by supervisors.
CREATE FUNCTION task_visible(p_case uuid, p_assignee uuid, p_see_all boolean, p_viewer uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_see_all
        OR CASE WHEN p_case IS NULL THEN p_assignee = p_viewer
                ELSE case_visible(p_case, false, p_viewer) END
$$;
