-- Rollups the collector maintains itself on plain PostgreSQL (RollupMaintainer): per
-- series and minute / hour, the first and last sample and min, max, sum and count.
-- The same columns as the continuous aggregates on TimescaleDB, so queries are the same.
CREATE TABLE metric_rollup_1m (
    series_id bigint           NOT NULL,
    bucket    timestamptz      NOT NULL,
    first_t   timestamptz      NOT NULL,
    first_v   double precision NOT NULL,
    last_t    timestamptz      NOT NULL,
    last_v    double precision NOT NULL,
    min_v     double precision NOT NULL,
    max_v     double precision NOT NULL,
    sum_v     double precision NOT NULL,
    count_v   bigint           NOT NULL,
    PRIMARY KEY (series_id, bucket)
) PARTITION BY RANGE (bucket);

CREATE TABLE metric_rollup_1h (
    series_id bigint           NOT NULL,
    bucket    timestamptz      NOT NULL,
    first_t   timestamptz      NOT NULL,
    first_v   double precision NOT NULL,
    last_t    timestamptz      NOT NULL,
    last_v    double precision NOT NULL,
    min_v     double precision NOT NULL,
    max_v     double precision NOT NULL,
    sum_v     double precision NOT NULL,
    count_v   bigint           NOT NULL,
    PRIMARY KEY (series_id, bucket)
);
CREATE INDEX metric_rollup_1h_bucket ON metric_rollup_1h (bucket);
