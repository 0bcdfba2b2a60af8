-- Office closures an administrator adds (storms, system moves) on top of the statutory
-- and public-service closures, which are computed by rule and never stored. Who added a
-- closure is kept here; additions and removals are also written to audit_log.
CREATE TABLE custom_closures (
    date        date PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
