package dev.peephole.collector.ingest;

import dev.peephole.collector.storage.PgBinaryCopy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Rows of {@code metric_points} encoded for one binary COPY: the one place that knows the
 * points table's layout, shared by agent ingest ({@link IngestWriter}) and the collector's
 * own series ({@link LocalSeriesWriter}).
 */
final class PointRows {

    static final String TABLE_AND_COLUMNS = "metric_points (series_id, t, v)";

    /** A row's bytes: the field count, then three fields of a length and eight bytes each. */
    private static final int ROW_BYTES = 2 + 3 * (4 + 8);

    private final PgBinaryCopy rows;
    /** The oldest point's time, for {@link LatePoints#announceIfLate}. */
    private long oldestNanos = Long.MAX_VALUE;

    PointRows() {
        this(64 * 1024 / ROW_BYTES);
    }

    /** Room for this many rows without the buffer growing. */
    PointRows(int expectedRows) {
        rows = new PgBinaryCopy(64 + Math.max(0, expectedRows) * ROW_BYTES);
    }

    void add(long seriesId, long unixNanos, double value) {
        rows.startRow(3).int8(seriesId).timestampFromUnixNanos(unixNanos).float8(value);
        oldestNanos = Math.min(oldestNanos, unixNanos);
    }

    /** All points of one series; returns how many. */
    int addAll(long seriesId, PreparedBatch.SeriesPoints sp) {
        for (int i = 0; i < sp.count(); i++) {
            add(seriesId, sp.timesNanos()[i], sp.values()[i]);
        }
        return sp.count();
    }

    int rows() {
        return rows.rows();
    }

    /**
     * COPYs the rows on this connection (in the caller's transaction) and, when the oldest is
     * late, announces it to the collectors' rule reads with the commit ({@link LatePoints}).
     */
    void copyInto(Connection c) throws SQLException {
        rows.copyInto(c, TABLE_AND_COLUMNS);
        if (rows.rows() > 0) {
            LatePoints.announceIfLate(c, oldestNanos);
        }
    }
}
