-- The platform directory (contract §4): the services images are shared on and the routes
-- by which the service asks them to take images down.

-- One row per platform. Channels and contacts are small lists replaced as a whole, kept
-- as JSON arrays checked by the domain's rules. Platforms are never deleted (takedown
-- requests keep pointing at them); `active = false` retires one. `seed_key` marks a row
-- loaded from the bundled directory so a restart never loads it twice and never
-- overwrites what an admin changed since; rows people add have none.
CREATE TABLE platforms (
    id                          uuid PRIMARY KEY,
    seed_key                    text,
    name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                        text NOT NULL CHECK (kind IN ('social_media', 'search_engine', 'adult_site', 'hosting', 'messaging', 'forum', 'hash_service', 'other')),
    website                     text NOT NULL CHECK (length(website) BETWEEN 1 AND 2048),
    is_internet_intermediary    boolean NOT NULL,
    stopncii_partner            boolean NOT NULL DEFAULT false,
    channels                    jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(channels) = 'array'),
    contacts                    jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(contacts) = 'array'),
    follow_up_business_days     smallint NOT NULL DEFAULT 5 CHECK (follow_up_business_days BETWEEN 1 AND 30),
    notes                       text,
    active                      boolean NOT NULL DEFAULT true,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    version                     bigint NOT NULL DEFAULT 1,
    CONSTRAINT platforms_seed_key_key UNIQUE (seed_key)
);
-- Names are unique ignoring case ("TikTok" and "tiktok" are one platform).
CREATE UNIQUE INDEX platforms_name_key ON platforms (lower(name));
