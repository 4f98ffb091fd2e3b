-- What a counter's rate needs from a minute beyond its first and last sample (RollupMaintainer):
--   reset_sum: the sum of v[i-1] over the minute's consecutive samples with v[i] < v[i-1], the
--              correction Prometheus adds to last - first for counter resets;
--   sample_n:  the number of samples the query path reads for the minute (rows at the same
--              millisecond with the same value, such as a retried batch, count once).
-- Both NULL where the minute cannot stand for its raw samples exactly (a NaN or staleness
-- marker in it, two different values at the same millisecond) and for minutes rolled up before
-- this migration: the query path reads such windows raw.
ALTER TABLE metric_rollup_1m ADD COLUMN reset_sum double precision;
ALTER TABLE metric_rollup_1m ADD COLUMN sample_n bigint;

-- The same for the hours, from their minutes: reset_sum adds the resets between consecutive
-- minutes (the next minute's first value below the previous minute's last); NULL where any
-- minute of the hour is.
ALTER TABLE metric_rollup_1h ADD COLUMN reset_sum double precision;
ALTER TABLE metric_rollup_1h ADD COLUMN sample_n bigint;
