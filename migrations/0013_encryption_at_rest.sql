-- Encryption at rest (docs/encryption.md). Sealed columns written before this migration hold
-- version-0 (plain) values; they stay readable, and `casework-api rekey` seals them under
-- the key ring.

-- The signing keys' private parts were stored in clear, so a copy of the database could
-- mint tokens: retire every key and erase its private part. Their public parts keep
-- verifying the tokens they signed until those expire; the next start makes a new key,
-- sealed under the key ring. From now on a key's private part is erased when it retires.
ALTER TABLE signing_keys ALTER COLUMN private_pkcs8 DROP NOT NULL;
UPDATE signing_keys SET retired_at = coalesce(retired_at, now()), private_pkcs8 = NULL;
ALTER TABLE signing_keys
    ADD CONSTRAINT signing_keys_retired_erased CHECK (retired_at IS NULL OR private_pkcs8 IS NULL);

-- The HMAC secrets (cursors, idempotency fingerprints) were stored in clear too: drop them
-- and let the next use create new ones, sealed. Cursors handed out before stop working.
DELETE FROM app_secrets;

-- Stored idempotent responses become version-0 sealed values (a version byte in front),
-- read as before until they expire or are re-encrypted.
UPDATE idempotency_keys SET response_body = '\x00'::bytea || response_body;

-- Evidence URLs (a URL leads to the image) and posters become sealed columns. Existing
-- values move over as version-0 (plain JSON) sealed values until `casework-api rekey`.
ALTER TABLE case_evidence ADD COLUMN url_sealed bytea, ADD COLUMN poster_sealed bytea;
UPDATE case_evidence SET
    url_sealed = '\x00'::bytea || convert_to(to_json(url)::text, 'UTF8'),
    poster_sealed = '\x00'::bytea || convert_to(to_json(poster)::text, 'UTF8');
ALTER TABLE case_evidence DROP COLUMN url, DROP COLUMN poster;
