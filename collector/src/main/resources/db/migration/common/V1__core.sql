-- Relational state shared by both storage flavours (plain PostgreSQL and TimescaleDB).
-- Versions: common migrations are V<n>, flavour migrations V<n>_1 (db/migration/postgres
-- and db/migration/timescaledb carry the same version numbers).

-- Agents seen by any collector on this database.
CREATE TABLE agents (
    agent_id           text PRIMARY KEY,
    session_id         text        NOT NULL,
    service_name       text        NOT NULL,
    service_version    text        NOT NULL DEFAULT '',
    host_name          text        NOT NULL DEFAULT '',
    pid                bigint      NOT NULL DEFAULT 0,
    jvm_version        text        NOT NULL DEFAULT '',
    jvm_vendor         text        NOT NULL DEFAULT '',
    agent_version      text        NOT NULL DEFAULT '',
    process_started_at timestamptz,
    first_seen         timestamptz NOT NULL,
    last_seen          timestamptz NOT NULL,
    connected          boolean     NOT NULL DEFAULT false,
    collector_id       text,
    dropped_spans      bigint      NOT NULL DEFAULT 0,
    dropped_points     bigint      NOT NULL DEFAULT 0,
    sampling_ratio     double precision NOT NULL DEFAULT 1.0,
    settings_version   bigint      NOT NULL DEFAULT 1
);

-- One row per committed agent batch: the idempotency key of at-least-once delivery.
CREATE TABLE ingest_batches (
    session_id   text        NOT NULL,
    sequence     bigint      NOT NULL,
    agent_id     text        NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, sequence)
);
CREATE INDEX ingest_batches_committed_at ON ingest_batches (committed_at);

-- The narrow metric layout: a series is a Prometheus metric name plus its labels.
CREATE TABLE metric_series (
    id          bigserial PRIMARY KEY,
    metric_name text        NOT NULL,
    labels      jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (metric_name, labels)
);
CREATE INDEX metric_series_labels ON metric_series USING gin (labels jsonb_path_ops);

-- Type, unit and help per metric name, for /api/v1/metadata.
CREATE TABLE metric_metadata (
    metric_name text PRIMARY KEY,
    type        text        NOT NULL,
    unit        text        NOT NULL DEFAULT '',
    help        text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('viewer', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled      boolean     NOT NULL DEFAULT false
);

-- API tokens are stored as SHA-256 hashes; the token itself is shown once, at creation.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz
);

-- Append-only: the product never updates or deletes audit rows.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    action    text        NOT NULL,
    target    text        NOT NULL DEFAULT '',
    detail    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    source_ip text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- Small shared state of the collectors on this database (e.g. the generated agent token's hash).
CREATE TABLE collector_state (
    key        text PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
