-- Exact-match lookup of a returning client (docs/encryption.md): keyed blind indexes
-- (HMAC-SHA-256 under the key ring's blind-index key, never stored here) of the client's
-- normalised email, phone and name. The migration has no key, so rows written before it
-- have none until `casework-api rekey` computes them.
ALTER TABLE cases
    ADD COLUMN client_email_index bytea,
    ADD COLUMN client_phone_index bytea,
    ADD COLUMN client_name_index bytea;

CREATE INDEX cases_client_email_index ON cases (client_email_index) WHERE client_email_index IS NOT NULL;
CREATE INDEX cases_client_phone_index ON cases (client_phone_index) WHERE client_phone_index IS NOT NULL;
CREATE INDEX cases_client_name_index ON cases (client_name_index) WHERE client_name_index IS NOT NULL;
