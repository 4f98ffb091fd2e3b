-- Security events: recognition results taken from agents' spans at ingest, in the same
-- transaction as the spans (see SecurityEventMapping for which span attributes map to
-- which column). Newest-first reads by time, optionally by kind.
CREATE TABLE security_events (
    at           timestamptz      NOT NULL,
    kind         text             NOT NULL CHECK (kind IN ('known', 'unknown', 'blacklisted')),
    person_id    text,
    person_name  text,
    person_role  text,
    confidence   double precision,
    agent_id     text             NOT NULL,
    service_name text             NOT NULL,
    host_name    text             NOT NULL DEFAULT '',
    trace_id     bytea            NOT NULL,
    span_id      bytea            NOT NULL,
    frame_id     bigint
);
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_kind_at ON security_events (kind, at);

-- The running totals behind the counter series peephole_security_events_total: incremented
-- in the ingest transaction that stores the events, so the counter counts exactly the
-- stored events, only goes up, and survives restarts and is shared by every collector on
-- this database. burst_at/burst_total hold the total just before the first event after an
-- idle spell (or 0 for a new series), so the publisher can write that point first and
-- increase() sees the step. published_at: when a collector last wrote the series.
CREATE TABLE security_event_totals (
    agent_id      text        NOT NULL,
    kind          text        NOT NULL,
    service_name  text        NOT NULL,
    host_name     text        NOT NULL,
    total         bigint      NOT NULL,
    last_event_at timestamptz NOT NULL,
    burst_at      timestamptz NOT NULL,
    burst_total   bigint      NOT NULL,
    published_at  timestamptz,
    PRIMARY KEY (agent_id, kind, service_name, host_name)
);
