-- A scan of one time range over every series (the rollup job's minutes every 30 s, reports)
-- had only the (series_id, t) index, which PostgreSQL 17 cannot use for a range on t alone:
-- each rollup run read the whole day's partition, so its cost grew with the day's points.
-- Points arrive in time order, so a BRIN index on t (one small entry per 128 pages, next to
-- nothing to maintain on insert) narrows such a scan to the block ranges of the interval.
-- Building it on an existing database reads each partition once, before the collector is ready.
CREATE INDEX metric_points_t_brin ON metric_points USING brin (t);
