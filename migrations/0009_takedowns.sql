-- Takedown requests (contract §5): the URLs of a case sent to a platform by one route,
-- and every move of such a request. Free text a caseworker writes about the client's
-- situation (waiver and override reasons, transition notes) is sealed like other client
-- details (casework_domain::case::protect).

-- One row per request. `status_changed_at` is when the current status was entered, the
-- lower bound of the next transition's `occurred_at`. `order_id` names the order relied on
-- or served (contract §6).
CREATE TABLE takedown_requests (
    id                              uuid PRIMARY KEY,
    case_id                         uuid NOT NULL REFERENCES cases (id),
    platform_id                     uuid NOT NULL REFERENCES platforms (id),
    channel                         text NOT NULL CHECK (channel IN ('platform_report', 'email', 'web_form', 'stopncii', 'take_it_down', 'search_deindex', 'copyright_notice_ca', 'dmca_notice', 'cease_and_desist', 'order_service')),
    urls                            text[] NOT NULL CHECK (cardinality(urls) BETWEEN 1 AND 50),
    evidence_ids                    uuid[] NOT NULL,
    evidence_waiver_reason_sealed   bytea,
    legal_basis                     text NOT NULL CHECK (legal_basis IN ('platform_policy', 'iipa_order', 'copyright', 'privacy_act', 'other')),
    order_id                        uuid REFERENCES orders (id),
    depicted_under_18               boolean,
    override_reason_sealed          bytea,
    copyright_sealed                bytea,
    status                          text NOT NULL CHECK (status IN ('draft', 'submitted', 'acknowledged', 'removed', 'partially_removed', 'refused', 'escalated', 'withdrawn')),
    status_changed_at               timestamptz NOT NULL,
    submitted_at                    timestamptz,
    platform_reference              text,
    follow_up_due_at                timestamptz,
    follow_up_count                 integer NOT NULL DEFAULT 0,
    resolved_at                     timestamptz,
    created_by                      uuid NOT NULL REFERENCES users (id),
    created_at                      timestamptz NOT NULL,
    updated_at                      timestamptz NOT NULL,
    version                         bigint NOT NULL DEFAULT 1,
    -- An IIPA order is relied on only by naming it.
    CONSTRAINT takedown_requests_iipa_order_check CHECK (legal_basis <> 'iipa_order' OR order_id IS NOT NULL)
);
CREATE INDEX takedown_requests_case_idx ON takedown_requests (case_id);
CREATE INDEX takedown_requests_platform_idx ON takedown_requests (platform_id, status);
-- The worker's follow-up sweep and the `follow_up_due_before` filter.
CREATE INDEX takedown_requests_follow_up_idx ON takedown_requests (follow_up_due_at) WHERE follow_up_due_at IS NOT NULL;

-- Every move of a request, for the timeline and the scorecard.
CREATE TABLE takedown_transitions (
    id                  uuid PRIMARY KEY,
    takedown_id         uuid NOT NULL REFERENCES takedown_requests (id),
    from_status         text NOT NULL,
    to_status           text NOT NULL,
    occurred_at         timestamptz NOT NULL,
    note_sealed         bytea,
    platform_reference  text,
    recorded_by         uuid NOT NULL REFERENCES users (id),
    recorded_at         timestamptz NOT NULL
);
CREATE INDEX takedown_transitions_takedown_idx ON takedown_transitions (takedown_id);
