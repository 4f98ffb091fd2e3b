-- TimescaleDB: the same tables as db/migration/postgres, as hypertables.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE metric_points (
    series_id bigint           NOT NULL,
    t         timestamptz      NOT NULL,
    v         double precision NOT NULL
);
-- One chunk a day: a day of points for a few thousand series stays well inside memory.
SELECT create_hypertable('metric_points', by_range('t', INTERVAL '1 day'));
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
);
SELECT create_hypertable('spans', by_range('start_time', INTERVAL '1 day'));
CREATE INDEX spans_trace_id ON spans (trace_id);
CREATE INDEX spans_service_operation_time ON spans (service_name, operation, start_time);
CREATE INDEX spans_service_time ON spans (service_name, start_time);

-- Compress chunks older than a day, segmented by series so a series' points stay together.
ALTER TABLE metric_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id',
                               timescaledb.compress_orderby = 't');
SELECT add_compression_policy('metric_points', INTERVAL '1 day');
ALTER TABLE spans SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name',
                       timescaledb.compress_orderby = 'start_time');
SELECT add_compression_policy('spans', INTERVAL '1 day');
