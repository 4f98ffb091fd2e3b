-- Alert rules saved through /api/v1/rules (rules from files live in their files).
CREATE TABLE alert_rules (
    id                 bigserial PRIMARY KEY,
    group_name         text        NOT NULL,
    kind               text        NOT NULL CHECK (kind IN ('alerting', 'recording')),
    name               text        NOT NULL,
    expr               text        NOT NULL,
    for_ms             bigint      NOT NULL DEFAULT 0,
    keep_firing_for_ms bigint      NOT NULL DEFAULT 0,
    labels             jsonb       NOT NULL DEFAULT '{}',
    annotations        jsonb       NOT NULL DEFAULT '{}',
    enabled            boolean     NOT NULL DEFAULT true,
    created_by         text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text        NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- One row per alert episode: from the first pending evaluation to its resolution (or to the
-- evaluation where a pending alert's condition cleared). Open episodes are restored on restart.
CREATE TABLE alerts (
    id                bigserial PRIMARY KEY,
    rule_key          text        NOT NULL,
    alertname         text        NOT NULL,
    labels            jsonb       NOT NULL,
    annotations       jsonb       NOT NULL DEFAULT '{}',
    state             text        NOT NULL CHECK (state IN ('pending', 'firing', 'inactive')),
    value             double precision,
    active_at         timestamptz NOT NULL,
    fired_at          timestamptz,
    resolved_at       timestamptz,
    keep_firing_since timestamptz,
    acknowledged_at   timestamptz,
    acknowledged_by   text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX alerts_open ON alerts (rule_key, labels) WHERE state <> 'inactive';
CREATE INDEX alerts_active_at ON alerts (active_at DESC);

-- Every transition of every alert, and every acknowledgement: the alert history.
CREATE TABLE alert_history (
    id         bigserial PRIMARY KEY,
    alert_id   bigint      NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    from_state text        NOT NULL,
    to_state   text        NOT NULL,
    actor      text,
    value      double precision
);
CREATE INDEX alert_history_alert ON alert_history (alert_id, at);
CREATE INDEX alert_history_at ON alert_history (at DESC);
