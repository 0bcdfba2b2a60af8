-- Tribunal claims, orders and penalties (contract §6).
--
-- Respondent names and transition/service/compliance notes are kept in *_sealed bytea
-- columns written and read only through casework_domain::case::protect, like client
-- details. Every claim and order belongs to a case and is visible exactly to those who see
-- that case (case_visible).

-- Amounts and limits fixed by law, as data with effective dates: the value of `key` on a
-- date is the row with the latest `effective_from` on or before it. A change in the law is
-- a new row, never a code change. `value` NULL means "no limit" (Quebec has no cap).
CREATE TABLE legal_parameters (
    key             text NOT NULL,
    effective_from  date NOT NULL,
    value           bigint CHECK (value IS NULL OR value >= 0),
    unit            text NOT NULL CHECK (unit IN ('cents', 'multiplier')),
    description     text NOT NULL,
    source          text NOT NULL,
    PRIMARY KEY (key, effective_from)
);

INSERT INTO legal_parameters (key, effective_from, value, unit, description, source) VALUES
    ('crt_bc.damages_cap', '2024-01-29', 500000, 'cents',
     'Most the Civil Resolution Tribunal awards in damages in an intimate images claim',
     'Intimate Images Protection Act; CRT small claims limit'),
    ('crt_bc.damages_cap', '2026-03-18', 7500000, 'cents',
     'Most the Civil Resolution Tribunal awards in damages in an intimate images claim',
     'CRT announcement: limit raised to CAD 75,000 from 2026-03-18'),
    ('bc.penalty.individual.daily_max', '2024-01-29', 50000, 'cents',
     'Administrative penalty per day of non-compliance, individual', 'B.C. Reg. 293/2023'),
    ('bc.penalty.individual.cap', '2024-01-29', 1000000, 'cents',
     'Administrative penalty total, individual', 'B.C. Reg. 293/2023'),
    ('bc.penalty.internet_intermediary.daily_max', '2024-01-29', 500000, 'cents',
     'Administrative penalty per day of non-compliance, internet intermediary', 'B.C. Reg. 293/2023'),
    ('bc.penalty.internet_intermediary.cap', '2024-01-29', 10000000, 'cents',
     'Administrative penalty total, internet intermediary', 'B.C. Reg. 293/2023'),
    ('qc.penalty.natural_person.daily_min', '2025-06-04', 50000, 'cents',
     'Fine per day an order is ignored, natural person (lower bound)', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.natural_person.daily_max', '2025-06-04', 500000, 'cents',
     'Fine per day an order is ignored, natural person (upper bound)', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.natural_person.cap', '2025-06-04', NULL, 'cents',
     'Total fine, natural person: no cap', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.legal_person.daily_min', '2025-06-04', 500000, 'cents',
     'Fine per day an order is ignored, legal person (lower bound)', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.legal_person.daily_max', '2025-06-04', 5000000, 'cents',
     'Fine per day an order is ignored, legal person (upper bound)', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.legal_person.cap', '2025-06-04', NULL, 'cents',
     'Total fine, legal person: no cap', 'Quebec urgent-order recourse, in force 2025-06-04'),
    ('qc.penalty.repeat_multiplier', '2025-06-04', 2, 'multiplier',
     'A repeat offence doubles the daily range', 'Quebec urgent-order recourse, in force 2025-06-04');

-- A claim before the Civil Resolution Tribunal (BC) or the Court of Québec, for a case.
CREATE TABLE claims (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases (id),
    forum                   text NOT NULL CHECK (forum IN ('crt_bc', 'court_of_quebec')),
    kind                    text NOT NULL CHECK (kind IN ('protection_order', 'damages', 'administrative_penalty')),
    tribunal_reference      text,
    filed_at                timestamptz,
    -- The order (and the respondent bound by it) an administrative-penalty claim enforces;
    -- the foreign key to orders is added below, once that table exists.
    related_order_id        uuid,
    related_respondent_id   uuid,
    damages_claimed_cents   bigint CHECK (damages_claimed_cents IS NULL OR damages_claimed_cents >= 0),
    status                  text NOT NULL CHECK (status IN ('preparing', 'filed', 'decided', 'closed', 'withdrawn')),
    outcome                 text CHECK (outcome IN ('granted', 'partially_granted', 'dismissed')),
    publication_ban         boolean NOT NULL,
    -- When the last status change happened (a new one may not be dated before it).
    status_changed_at       timestamptz,
    created_by              uuid NOT NULL REFERENCES users (id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1,
    CHECK ((kind = 'administrative_penalty') = (related_order_id IS NOT NULL)),
    CHECK ((related_order_id IS NULL) = (related_respondent_id IS NULL))
);
CREATE INDEX claims_case_idx ON claims (case_id, id);

-- The people or companies a claim is against; names sealed.
CREATE TABLE claim_respondents (
    id              uuid PRIMARY KEY,
    claim_id        uuid NOT NULL REFERENCES claims (id),
    position        integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('individual', 'internet_intermediary')),
    name_sealed     bytea NOT NULL,
    -- The respondent's platform in the directory, when it is one.
    platform_id     uuid REFERENCES platforms (id),
    is_minor        boolean NOT NULL,
    UNIQUE (claim_id, position)
);

-- Every status change of a claim, with its date and an optional sealed note.
CREATE TABLE claim_transitions (
    id              uuid PRIMARY KEY,
    claim_id        uuid NOT NULL REFERENCES claims (id),
    from_status     text NOT NULL,
    to_status       text NOT NULL,
    outcome         text,
    occurred_at     timestamptz NOT NULL,
    note_sealed     bytea,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX claim_transitions_claim_idx ON claim_transitions (claim_id, id);

-- An order the tribunal issued on a granted claim; case_id is the claim's, kept here so
-- that visibility needs no join.
CREATE TABLE orders (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    claim_id            uuid NOT NULL REFERENCES claims (id),
    order_reference     text NOT NULL,
    issued_at           timestamptz NOT NULL,
    terms               text[] NOT NULL CHECK (cardinality(terms) >= 1),
    publication_ban     boolean NOT NULL,
    created_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             bigint NOT NULL DEFAULT 1
);
CREATE INDEX orders_case_idx ON orders (case_id, id);
CREATE INDEX orders_claim_idx ON orders (claim_id);

ALTER TABLE claims ADD CONSTRAINT claims_related_order_fkey FOREIGN KEY (related_order_id) REFERENCES orders (id);

-- One respondent bound by an order, with the deadline to comply and where they stand.
CREATE TABLE order_bindings (
    id                  uuid PRIMARY KEY,
    order_id            uuid NOT NULL REFERENCES orders (id),
    respondent_id       uuid NOT NULL REFERENCES claim_respondents (id),
    position            integer NOT NULL,
    comply_by           timestamptz NOT NULL,
    status              text NOT NULL CHECK (status IN ('pending_service', 'served', 'complied', 'non_compliant')),
    -- Quebec: a repeat offence doubles the daily fine range.
    repeat_offence      boolean NOT NULL,
    served_at           timestamptz,
    service_channel     text CHECK (service_channel IN ('email', 'web_form', 'platform_portal', 'registered_mail', 'in_person')),
    -- When compliance was recorded; it stops the penalty count.
    complied_at         timestamptz,
    non_compliant_at    timestamptz,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT order_bindings_respondent_key UNIQUE (order_id, respondent_id)
);
-- The worker looks for served bindings past their deadline.
CREATE INDEX order_bindings_due_idx ON order_bindings (comply_by) WHERE status = 'served';

-- What was done on a binding: service on the respondent, compliance checks. Notes sealed.
CREATE TABLE order_binding_records (
    id              uuid PRIMARY KEY,
    binding_id      uuid NOT NULL REFERENCES order_bindings (id),
    kind            text NOT NULL CHECK (kind IN ('service', 'compliance')),
    occurred_at     timestamptz NOT NULL,
    channel         text,
    status          text,
    geofenced_only  boolean,
    note_sealed     bytea,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX order_binding_records_binding_idx ON order_binding_records (binding_id, id);
