-- Work that runs by itself (contract §8): tasks, their reminders, notifications, and the
-- once-per-office-day marks of the sweeps. Jobs themselves live in the apalis schema.

-- A piece of work for one member of staff, optionally about a case and a subject in it.
CREATE TABLE tasks (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('takedown_follow_up', 'order_compliance_check',
                                                'penalty_claim_preparation', 'case_review', 'custom')),
    title         text NOT NULL,
    case_id       uuid REFERENCES cases (id),
    assignee      uuid NOT NULL REFERENCES users (id),
    status        text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    due_at        timestamptz NOT NULL,
    subject_kind  text,
    subject_id    uuid,
    data          jsonb NOT NULL DEFAULT '{}',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    closed_at     timestamptz,
    version       bigint NOT NULL DEFAULT 1,
    CHECK ((subject_kind IS NULL) = (subject_id IS NULL)),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX tasks_assignee_idx ON tasks (assignee, status, due_at);
CREATE INDEX tasks_case_idx ON tasks (case_id, status);
-- At most one open case review per case, so the daily sweep can never stack them.
CREATE UNIQUE INDEX tasks_one_open_case_review ON tasks (case_id) WHERE kind = 'case_review' AND status = 'open';

-- A reminder of a task, delivered at the first office-open instant at or after remind_at.
CREATE TABLE reminders (
    id            uuid PRIMARY KEY,
    task_id       uuid NOT NULL REFERENCES tasks (id),
    recipient     uuid NOT NULL REFERENCES users (id),
    remind_at     timestamptz NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending', 'delivered', 'cancelled')),
    delivered_at  timestamptz,
    -- The apalis job that delivers it (apalis.jobs.id, a ULID).
    job_id        text NOT NULL,
    created_at    timestamptz NOT NULL,
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX reminders_task_idx ON reminders (task_id);
CREATE INDEX reminders_pending_idx ON reminders (status) WHERE status = 'pending';

-- What a member of staff is told. reminder_id is UNIQUE: however many workers run and
-- whatever crashes, a reminder yields exactly one notification (inserted ON CONFLICT DO
-- NOTHING in the transaction that marks the reminder delivered). dedupe_key does the same
-- for sweep notifications (the digest of a day).
CREATE TABLE notifications (
    id            uuid PRIMARY KEY,
    recipient     uuid NOT NULL REFERENCES users (id),
    kind          text NOT NULL CHECK (kind IN ('reminder', 'digest', 'escalation')),
    task_id       uuid REFERENCES tasks (id),
    case_id       uuid REFERENCES cases (id),
    reminder_id   uuid UNIQUE REFERENCES reminders (id),
    dedupe_key    text UNIQUE,
    data          jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    read_at       timestamptz
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient, id);

-- One row per sweep and office day: the insert is the claim, so a sweep runs once per
-- office day across any number of worker processes.
CREATE TABLE sweep_runs (
    name          text NOT NULL,
    office_date   date NOT NULL,
    ran_at        timestamptz NOT NULL,
    worker        text NOT NULL,
    PRIMARY KEY (name, office_date)
);
