package dev.peephole.collector.prometheus;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One series' rows of a rollup table in the counter form, in bucket order: each bucket's start,
 * its first and last sample, its counter-reset correction and its sample count (see V17_1). A row
 * whose count is 0 lacks the counter columns (a NaN or staleness marker in the bucket, two values
 * at one millisecond, rolled up before V17): the series cannot be read through it. A stretch read
 * for a query, or a block kept by {@link RollupBlockCache}.
 */
record CounterRows(long[] bucket, long[] firstT, double[] firstV, long[] lastT, double[] lastV, double[] resets,
                   long[] count) implements RollupBlockCache.Entry {

    static final CounterRows EMPTY = new CounterRows(new long[0], new long[0], new double[0], new long[0],
            new double[0], new double[0], new long[0]);

    static final String MINUTES_SQL = sql("metric_rollup_1m");
    static final String HOURS_SQL = sql("metric_rollup_1h");

    /** One row a series: its rows with buckets in [?, ?) as arrays (the form {@link #read} takes). */
    private static String sql(String table) {
        return "SELECT s.id, array_send(a.bs), array_send(a.ft), array_send(a.fv), "
                + "array_send(a.lt), array_send(a.lv), array_send(a.rs), array_send(a.n) "
                + "FROM unnest(?::bigint[]) AS s(id) CROSS JOIN LATERAL ("
                + "SELECT array_agg((date_part('epoch', bucket) * 1000)::bigint ORDER BY bucket) AS bs, "
                + "array_agg((date_part('epoch', first_t) * 1000)::bigint ORDER BY bucket) AS ft, "
                + "array_agg(first_v ORDER BY bucket) AS fv, "
                + "array_agg((date_part('epoch', last_t) * 1000)::bigint ORDER BY bucket) AS lt, "
                + "array_agg(last_v ORDER BY bucket) AS lv, "
                + "array_agg(coalesce(reset_sum, 0) ORDER BY bucket) AS rs, "
                + "array_agg(CASE WHEN reset_sum IS NULL OR sample_n IS NULL THEN 0 ELSE sample_n END "
                + "ORDER BY bucket) AS n "
                + "FROM " + table + " r WHERE r.series_id = s.id AND r.bucket >= ? AND r.bucket < ?) a "
                + "WHERE a.bs IS NOT NULL";
    }

    int size() {
        return bucket.length;
    }

    @Override
    public int weight() {
        return 64 + bucket.length * 56;
    }

    /** The rows [from, to). */
    CounterRows slice(int from, int to) {
        if (from == 0 && to == bucket.length) {
            return this;
        }
        return new CounterRows(Arrays.copyOfRange(bucket, from, to), Arrays.copyOfRange(firstT, from, to),
                Arrays.copyOfRange(firstV, from, to), Arrays.copyOfRange(lastT, from, to),
                Arrays.copyOfRange(lastV, from, to), Arrays.copyOfRange(resets, from, to),
                Arrays.copyOfRange(count, from, to));
    }

    /** The rows with buckets at or after fromMs. */
    CounterRows from(long fromMs) {
        int k = 0;
        while (k < bucket.length && bucket[k] < fromMs) {
            k++;
        }
        return slice(k, bucket.length);
    }

    /**
     * The rows of ids with buckets in [fromMs, toMs) from {@link #MINUTES_SQL} or {@link #HOURS_SQL},
     * by series id (series without rows are absent).
     */
    static Map<Long, CounterRows> read(Connection c, String sql, long[] ids, long fromMs, long toMs,
                                       StatementBinder binder) throws SQLException {
        Map<Long, CounterRows> out = new HashMap<>();
        if (toMs <= fromMs) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(c, ps, ids, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] bucket = longs(rs.getBytes(2));
                    CounterRows rows = new CounterRows(bucket, longs(rs.getBytes(3)), doubles(rs.getBytes(4)),
                            longs(rs.getBytes(5)), doubles(rs.getBytes(6)), doubles(rs.getBytes(7)),
                            longs(rs.getBytes(8)));
                    int n = bucket.length;
                    if (rows.firstT.length != n || rows.firstV.length != n || rows.lastT.length != n
                            || rows.lastV.length != n || rows.resets.length != n || rows.count.length != n) {
                        throw new SQLException("rollup arrays differ in length");
                    }
                    out.put(rs.getLong(1), rows);
                }
            }
        }
        return out;
    }

    /** Binds a read's series ids and time range (see StoredSeriesSource). */
    @FunctionalInterface
    interface StatementBinder {
        void bind(Connection c, PreparedStatement ps, long[] ids, long fromMs, long toMs) throws SQLException;
    }

    private static long[] longs(byte[] sent) throws SQLException {
        ByteBuffer b = StoredSeriesSource.arrayElements(sent);
        long[] out = new long[b.getInt()];
        for (int i = 0; i < out.length; i++) {
            b.getInt(); // element length (8: the aggregated values are never NULL)
            out[i] = b.getLong();
        }
        return out;
    }

    private static double[] doubles(byte[] sent) throws SQLException {
        ByteBuffer b = StoredSeriesSource.arrayElements(sent);
        double[] out = new double[b.getInt()];
        for (int i = 0; i < out.length; i++) {
            b.getInt();
            out[i] = b.getDouble();
        }
        return out;
    }
}
