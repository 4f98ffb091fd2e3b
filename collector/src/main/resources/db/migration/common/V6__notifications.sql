-- Notification silences (Alertmanager's shape) and the delivery log of every notification.
CREATE TABLE silences (
    id         text        PRIMARY KEY,
    matchers   text        NOT NULL,  -- JSON: [{"name","value","isRegex","isEqual"}]
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_by text        NOT NULL,
    comment    text        NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX silences_ends_at ON silences (ends_at);

CREATE TABLE notification_log (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL,
    receiver    text        NOT NULL,
    integration text        NOT NULL,
    group_key   text        NOT NULL,
    status      text        NOT NULL,  -- firing | resolved
    alerts      integer     NOT NULL,
    outcome     text        NOT NULL,  -- sent | failed
    attempts    integer     NOT NULL,
    error       text
);
CREATE INDEX notification_log_at ON notification_log (at);
