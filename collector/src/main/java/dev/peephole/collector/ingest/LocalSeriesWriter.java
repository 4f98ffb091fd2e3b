package dev.peephole.collector.ingest;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Writes series the collector produces itself into the same tables agents' points go to
 * ({@code metric_series}, {@code metric_points}, {@code metric_metadata}), so PromQL, the
 * federation endpoint and the metadata API see them like any other series. Series ids and
 * the per-metric series limit come from the same {@link SeriesRegistry} as agent ingest;
 * points go in with the same binary COPY ({@link PointRows}).
 */
@Singleton
public class LocalSeriesWriter {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final DataSource dataSource;
    private final SeriesRegistry series;
    private final IngestStats stats;

    public LocalSeriesWriter(ConnectionPool pool, SeriesRegistry series, IngestStats stats) {
        this.dataSource = pool.dataSource();
        this.series = series;
        this.stats = stats;
    }

    /**
     * Writes the samples in one transaction; type is "gauge" or "counter" (metadata).
     * Samples of a new series over the per-metric series limit are dropped and counted, as
     * for agents. Throws SQLException on failure (nothing is written then).
     *
     * @throws IllegalArgumentException for an invalid metric or label name or type
     */
    public void write(List<LocalSample> samples, String type, String help) throws SQLException {
        write(samples, type, help, true);
    }

    /**
     * As {@link #write(List, String, String)}; with {@code waitForFlush} false the commit does not
     * wait for the WAL to reach the disk ({@code synchronous_commit = off} for this transaction
     * only): for samples that are recomputed anyway (rule outputs each evaluation), where a crash
     * may lose the last fraction of a second of them but never leaves anything half-written.
     */
    public void write(List<LocalSample> samples, String type, String help, boolean waitForFlush) throws SQLException {
        if (samples.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            Map<SeriesKey, Long> ids = prepareSeries(c, samples, type, help);
            c.setAutoCommit(false);
            try {
                if (!waitForFlush) {
                    try (java.sql.Statement st = c.createStatement()) {
                        st.execute("SET LOCAL synchronous_commit = off");
                    }
                }
                copy(c, samples, ids);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                autocommitQuietly(c);
            }
        }
    }

    /**
     * First half of a write inside a caller's own transaction: validates the samples and
     * resolves (creating where needed) their series and metadata. Must run in autocommit,
     * before the caller's transaction: series ids are cached, so they must never be rolled back.
     */
    public Map<SeriesKey, Long> prepareSeries(Connection autocommit, List<LocalSample> samples, String type,
                                              String help) throws SQLException {
        if (!"gauge".equals(type) && !"counter".equals(type)) {
            throw new IllegalArgumentException("type must be gauge or counter, not " + type);
        }
        Set<SeriesKey> keys = new LinkedHashSet<>();
        Map<String, PreparedBatch.MetricMetadata> metadata = new HashMap<>();
        for (LocalSample s : samples) {
            keys.add(key(s));
            metadata.put(s.metricName(), new PreparedBatch.MetricMetadata(type, "", help == null ? "" : help));
        }
        Map<SeriesKey, Long> ids = series.resolve(autocommit, keys);
        series.recordMetadata(autocommit, metadata);
        return ids;
    }

    /**
     * Second half: COPYs the samples in the caller's transaction with the ids from
     * {@link #prepareSeries}. Returns how many were written (samples of refused or
     * unprepared series are not).
     */
    public int copy(Connection inTransaction, List<LocalSample> samples, Map<SeriesKey, Long> ids)
            throws SQLException {
        PointRows rows = new PointRows();
        int refused = 0;
        for (LocalSample s : samples) {
            long id = ids.getOrDefault(key(s), SeriesRegistry.REJECTED);
            if (id == SeriesRegistry.REJECTED) {
                refused++;
                continue;
            }
            rows.add(id, s.timestampMs() * 1_000_000L, s.value());
        }
        rows.copyInto(inTransaction);
        if (refused > 0) {
            stats.pointsRejectedSeriesLimit.add(refused);
        }
        return rows.rows();
    }

    /** The stored form of a sample's series; checks the names as Prometheus does. */
    public static SeriesKey key(LocalSample s) {
        if (s.metricName() == null || !METRIC_NAME.matcher(s.metricName()).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + s.metricName());
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : s.labels().entrySet()) {
            String name = e.getKey();
            if (name == null || !LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
                throw new IllegalArgumentException("invalid label name: " + name);
            }
            // As in Prometheus, an empty label value is the same as no label.
            if (e.getValue() != null && !e.getValue().isEmpty()) {
                labels.put(name, e.getValue());
            }
        }
        return new SeriesKey(s.metricName(), BatchPreparer.labelsJson(labels));
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is likely gone; the pool discards it
        }
    }

    private static void autocommitQuietly(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // as above
        }
    }
}
