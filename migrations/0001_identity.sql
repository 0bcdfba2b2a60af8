-- Identity and access: staff users, integration clients, refresh-token families and the
-- signing keys every API replica shares. Contract §2.

-- Staff accounts. Email uniqueness is case-insensitive (lower(email) index) so
-- "Ana@x" and "ana@x" can never be two people.
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('caseworker', 'supervisor', 'admin')),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    -- Lockout: five failures in a row lock the account for 15 minutes.
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Integration clients (client-credentials grant). The secret is shown once and only its
-- SHA-256 is kept: it is 256 bits of randomness, so a slow hash buys nothing.
CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    client_id       text NOT NULL,
    secret_hash     bytea NOT NULL,
    scopes          text[] NOT NULL,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CONSTRAINT api_clients_client_id_key UNIQUE (client_id)
);

-- Refresh tokens rotate on every use; all tokens descended from one sign-in share a
-- family, and reuse of a spent token revokes the whole family (a stolen token is dead).
CREATE TABLE refresh_tokens (
    id              uuid PRIMARY KEY,
    family_id       uuid NOT NULL,
    user_id         uuid NOT NULL REFERENCES users (id),
    token_hash      bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    revoked_at      timestamptz,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Ed25519 signing keys, in the database so every replica signs and verifies alike. The
-- newest unretired key signs; retired keys stay published until their tokens expired.
CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    algorithm       text NOT NULL CHECK (algorithm = 'EdDSA'),
    private_pkcs8   bytea NOT NULL,
    public_key      bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    retired_at      timestamptz
);

-- Process-wide secrets generated on first start (e.g. the cursor HMAC key), shared by
-- replicas so a cursor from one is valid on another.
CREATE TABLE app_secrets (
    name            text PRIMARY KEY,
    secret          bytea NOT NULL,
    created_at      timestamptz NOT NULL
);

-- Idempotency-Key store: the first response to a (caller, key) pair, kept 24 hours and
-- written in the same transaction as the effect it describes.
CREATE TABLE idempotency_keys (
    caller          text NOT NULL,
    key             text NOT NULL,
    request_hash    bytea NOT NULL,
    response_status smallint NOT NULL,
    response_body   bytea NOT NULL,
    response_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Who did what to the service's configuration (users, clients, keys). Case events get
-- their own timeline later; this is the administrative trail.
CREATE TABLE audit_log (
    id              uuid PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    actor           text NOT NULL,
    action          text NOT NULL,
    subject         text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at);
