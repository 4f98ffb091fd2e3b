-- What each notification group's receiver was last told (Alertmanager's notification log),
-- and which escalation levels were sent: shared by every collector on the database, so a
-- collector that takes over alerting (or a restarted one) does not notify again what the
-- previous one already sent.
CREATE TABLE notified_state (
    key      text        PRIMARY KEY,  -- the notification group key, or escalation/<policy>/<level>:<labels>
    firing   text[]      NOT NULL,     -- alert fingerprints told firing
    resolved text[]      NOT NULL,     -- alert fingerprints told resolved
    sent_at  timestamptz NOT NULL
);
CREATE INDEX notified_state_sent_at ON notified_state (sent_at);
