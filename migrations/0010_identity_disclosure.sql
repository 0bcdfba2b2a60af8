-- Letters (docs/letters.md): the client may agree to be named to a recipient
-- (`identity_disclosure`, for one platform through `party_id`, or for any recipient). Without
-- that consent a letter names the service, never the client.
ALTER TABLE case_consents DROP CONSTRAINT case_consents_scope_check;
ALTER TABLE case_consents ADD CONSTRAINT case_consents_scope_check
    CHECK (scope IN ('platform_contact', 'respondent_contact', 'crt', 'police', 'guardian', 'referral',
                     'identity_disclosure'));
