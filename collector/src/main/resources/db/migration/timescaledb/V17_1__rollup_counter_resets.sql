-- The PostgreSQL flavour's V17_1 adds counter-reset columns to its own metric_rollup_1m table.
-- A continuous aggregate cannot hold the window function (lag) they need, so on TimescaleDB
-- rate and increase keep reading raw points; nothing changes here.
SELECT 1;
