-- Nothing to do on TimescaleDB: create_hypertable made metric_points' index on t
-- (metric_points_t_idx), and chunk exclusion keeps a time-range scan to the chunks of the
-- interval. Plain PostgreSQL's V18_1 adds the BRIN index on t it lacked.
SELECT 1;
