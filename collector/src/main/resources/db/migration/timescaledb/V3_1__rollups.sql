-- Continuous aggregates with the same columns as the rollup tables of plain PostgreSQL.
-- Real-time (materialized_only = false): the newest buckets are computed from raw points
-- at query time, so the rollups are complete up to now.
CREATE MATERIALIZED VIEW metric_rollup_1m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 minute', t) AS bucket,
       min(t)      AS first_t,
       first(v, t) AS first_v,
       max(t)      AS last_t,
       last(v, t)  AS last_v,
       min(v)      AS min_v,
       max(v)      AS max_v,
       sum(v)      AS sum_v,
       count(*)    AS count_v
FROM metric_points
GROUP BY series_id, bucket
WITH NO DATA;

SELECT add_continuous_aggregate_policy('metric_rollup_1m',
    start_offset => INTERVAL '1 day', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');

-- Hourly, aggregated from the minutes (a hierarchical continuous aggregate).
CREATE MATERIALIZED VIEW metric_rollup_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       min(first_t)               AS first_t,
       first(first_v, first_t)    AS first_v,
       max(last_t)                AS last_t,
       last(last_v, last_t)       AS last_v,
       min(min_v)                 AS min_v,
       max(max_v)                 AS max_v,
       sum(sum_v)                 AS sum_v,
       sum(count_v)::bigint       AS count_v
FROM metric_rollup_1m
GROUP BY series_id, time_bucket(INTERVAL '1 hour', bucket)
WITH NO DATA;

SELECT add_continuous_aggregate_policy('metric_rollup_1h',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '10 minutes');
