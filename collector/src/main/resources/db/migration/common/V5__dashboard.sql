-- Browser sessions of the dashboard: the cookie's random id is kept only as its SHA-256 hash.
-- The CSRF token is not a credential on its own (it is useless without the cookie), so it is
-- kept as is and handed back to the page that holds the session.
CREATE TABLE dashboard_sessions (
    id_hash     text        PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    source_ip   text
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
