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
