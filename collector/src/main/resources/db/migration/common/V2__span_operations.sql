-- The (service, operation, kind) triples seen in spans, for Jaeger's services and
-- operations lists without scanning the spans. last_seen is refreshed at most hourly
-- and rows past the span retention are pruned.
CREATE TABLE span_operations (
    service_name text        NOT NULL,
    operation    text        NOT NULL,
    kind         smallint    NOT NULL,
    last_seen    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_name, operation, kind)
);
