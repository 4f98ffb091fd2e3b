-- Plain PostgreSQL: high-volume tables are range-partitioned by time, one partition a day.
-- The collector creates partitions ahead of time and drops the ones past retention
-- (PartitionMaintainer); rows always fall into an existing partition because the
-- collector refuses timestamps more than a day away from now.

CREATE TABLE metric_points (
    series_id bigint           NOT NULL,
    t         timestamptz      NOT NULL,
    v         double precision NOT NULL
) PARTITION BY RANGE (t);
CREATE INDEX metric_points_series_t ON metric_points (series_id, t);

CREATE TABLE spans (
    trace_id       bytea       NOT NULL,
    span_id        bytea       NOT NULL,
    parent_span_id bytea,
    service_name   text        NOT NULL,
    operation      text        NOT NULL,
    kind           smallint    NOT NULL,
    start_time     timestamptz NOT NULL,
    duration_ns    bigint      NOT NULL,
    status_code    smallint    NOT NULL,
    status_message text        NOT NULL DEFAULT '',
    attributes     jsonb       NOT NULL,
    events         jsonb,
    agent_id       text        NOT NULL,
    host_name      text        NOT NULL DEFAULT ''
) PARTITION BY RANGE (start_time);
CREATE INDEX spans_trace_id ON spans (trace_id);
CREATE INDEX spans_service_operation_time ON spans (service_name, operation, start_time);
CREATE INDEX spans_service_time ON spans (service_name, start_time);
