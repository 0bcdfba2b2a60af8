-- Who applies for an order, service before breach, and Quebec's own enforcement.

-- Who makes the application (B.C. Reg. 293/2023 ss. 3-5; the Quebec recourse). The
-- applicant's name is sealed like every personal detail (casework_domain::case::protect);
-- the client applying has none here, since the client's name is on the case. Claims
-- recorded before this column existed were made by the client.
ALTER TABLE claims
    ADD COLUMN applicant_kind text NOT NULL DEFAULT 'client'
        CHECK (applicant_kind IN ('client', 'guardian', 'authorised_person', 'personal_representative')),
    ADD COLUMN applicant_name_sealed bytea,
    ADD CHECK ((applicant_kind = 'client') = (applicant_name_sealed IS NULL)),
    -- The Court of Québec enforces its orders with fines, not administrative penalties
    -- (NOT VALID: a row recorded before the rule stays readable; new ones are checked).
    ADD CONSTRAINT claims_no_quebec_administrative_penalty
        CHECK (NOT (kind = 'administrative_penalty' AND forum = 'court_of_quebec')) NOT VALID;
ALTER TABLE claims ALTER COLUMN applicant_kind DROP DEFAULT;

-- A Quebec breach is reported to the court (report_non_compliance), a BC one leads to an
-- administrative penalty claim (penalty_claim_preparation).
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check
    CHECK (kind IN ('takedown_follow_up', 'order_compliance_check', 'penalty_claim_preparation',
                    'report_non_compliance', 'case_review', 'custom'));

-- How service time maps to the database's time for the job queue: service time =
-- database time + offset. apalis runs a job once its run_at (database time) has passed;
-- a job due at a service-time instant is pushed with run_at = instant - offset. A worker
-- records its clock's offset when it starts and moves every waiting job by the change,
-- so a worker restarted with another clock (CASEWORK_CLOCK_START) still runs each job at
-- its service-time instant. One row; absent means offset 0 (the real clock).
CREATE TABLE service_clock (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_us    bigint NOT NULL,
    anchored_at  timestamptz NOT NULL
);

-- The worker records a breach it finds at the compliance check through the same binding
-- moves as a caseworker; its records have no user (the timeline says system:worker).
ALTER TABLE order_binding_records ALTER COLUMN recorded_by DROP NOT NULL;
