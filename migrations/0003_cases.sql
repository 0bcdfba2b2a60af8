-- Cases (contract §3): the client's case, its people, and everything recorded on it.
--
-- Client details (name, contact, notes, evidence descriptions, summary) are kept in
-- *_sealed bytea columns written and read only through casework_domain::case::protect, so
-- that encryption at rest and read auditing can be added there without touching a query.

-- One counter per year for IIPS-<year>-<nnnnnn>. The upsert holds the row lock until the
-- creating transaction ends, so concurrent creations get distinct numbers; a rolled-back
-- creation frees a number that no case ever carried.
CREATE TABLE case_reference_counters (
    year        integer PRIMARY KEY,
    last_value  integer NOT NULL
);

CREATE TABLE cases (
    id                  uuid PRIMARY KEY,
    reference           text NOT NULL,
    status              text NOT NULL CHECK (status IN ('intake', 'active', 'on_hold', 'closed')),
    client_sealed       bytea NOT NULL,
    -- Not secret, and needed by list filters.
    age_group           text NOT NULL CHECK (age_group IN ('adult', 'youth')),
    situation           text NOT NULL CHECK (situation IN ('shared', 'threatened', 'possessed_not_shared')),
    jurisdiction        text NOT NULL CHECK (jurisdiction IN ('bc', 'qc', 'other')),
    sextortion          boolean NOT NULL,
    altered_image       boolean NOT NULL,
    supports_requested  text[] NOT NULL,
    priority            text NOT NULL CHECK (priority IN ('normal', 'urgent')),
    summary_sealed      bytea,
    assigned_to         uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    closed_at           timestamptz,
    close_reason        text CHECK (close_reason IN ('resolved', 'client_withdrew', 'unable_to_contact', 'referred_elsewhere', 'duplicate', 'other')),
    version             bigint NOT NULL DEFAULT 1,
    CONSTRAINT cases_reference_key UNIQUE (reference)
);
CREATE INDEX cases_assigned_to_idx ON cases (assigned_to);
CREATE INDEX cases_updated_at_idx ON cases (updated_at);

CREATE TABLE case_collaborators (
    case_id     uuid NOT NULL REFERENCES cases (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_collaborators_user_idx ON case_collaborators (user_id);

-- The one visibility rule, used by every case query: supervisors see every case (see_all),
-- caseworkers the cases they are primary on or collaborate on, anyone else nothing.
CREATE FUNCTION case_visible(p_case uuid, p_see_all boolean, p_viewer uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_see_all
        OR EXISTS (SELECT 1 FROM cases c WHERE c.id = p_case AND c.assigned_to = p_viewer)
        OR EXISTS (SELECT 1 FROM case_collaborators cc WHERE cc.case_id = p_case AND cc.user_id = p_viewer)
$$;

-- Append-only notes; corrections are new notes.
CREATE TABLE case_notes (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    kind        text NOT NULL CHECK (kind IN ('note', 'contact_log', 'safety_plan')),
    body_sealed bytea NOT NULL,
    author      uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, id);

CREATE TABLE case_referrals (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    referred_to text NOT NULL CHECK (referred_to IN ('c3p', 'victimlinkbc', 'salal', 'access_pro_bono', 'stand_informed', 'police', 'counselling', 'cvap', 'kids_help_phone', 'other')),
    other_name  text,
    status      text NOT NULL CHECK (status IN ('suggested', 'made', 'accepted', 'declined')),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    CHECK ((referred_to = 'other') = (other_name IS NOT NULL))
);
CREATE INDEX case_referrals_case_idx ON case_referrals (case_id, id);

-- The consent ledger: what the client allows to be shared with whom.
CREATE TABLE case_consents (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    scope       text NOT NULL CHECK (scope IN ('platform_contact', 'respondent_contact', 'crt', 'police', 'guardian', 'referral')),
    party_id    uuid,
    given_at    timestamptz NOT NULL,
    revoked_at  timestamptz,
    recorded_by uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX case_consents_case_idx ON case_consents (case_id, id);

-- Metadata of preserved evidence; never image bytes.
CREATE TABLE case_evidence (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    kind                text NOT NULL CHECK (kind IN ('screenshot', 'message_thread', 'profile', 'comments', 'url_record', 'other')),
    url                 text,
    site                text NOT NULL,
    poster              text,
    posted_at           timestamptz,
    captured_at         timestamptz NOT NULL,
    description_sealed  bytea NOT NULL,
    sha256              text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_location    text,
    recorded_by         uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL,
    CHECK (posted_at IS NULL OR posted_at <= captured_at)
);
CREATE INDEX case_evidence_case_idx ON case_evidence (case_id, id);

-- The case timeline: one row per event, newest read first. Details name what changed,
-- never client details.
CREATE TABLE case_events (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL,
    actor       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id DESC);
