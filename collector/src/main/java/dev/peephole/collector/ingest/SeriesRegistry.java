package dev.peephole.collector.ingest;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.inject.Singleton;

/**
 * Series ids by metric name and labels. Known ids are cached; unknown series are looked
 * up, and created unless their metric name has reached its series limit, in which case
 * their points are refused (and counted) while existing series keep taking points.
 */
@Singleton
public class SeriesRegistry {

    /** The cache is cleared past this many entries rather than grow without bound. */
    private static final int MAX_CACHED = 2_000_000;
    public static final long REJECTED = -1;

    private final ConcurrentHashMap<SeriesKey, Long> ids = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> seriesPerMetric = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PreparedBatch.MetricMetadata> knownMetadata = new ConcurrentHashMap<>();
    private final IngestLimits limits;
    private final IngestStats stats;
    /** Goes up whenever this collector creates series, so query-side caches know to look. */
    private final java.util.concurrent.atomic.AtomicLong createdVersion = new java.util.concurrent.atomic.AtomicLong();

    public SeriesRegistry(IngestLimits limits, IngestStats stats) {
        this.limits = limits;
        this.stats = stats;
    }

    /**
     * Ids for the given keys, {@link #REJECTED} where a series could not be created.
     * Runs its statements in autocommit on the given connection: created series stay even
     * if the caller's data transaction later fails, which is harmless.
     */
    /** Changes each time this collector creates series. */
    public long createdVersion() {
        return createdVersion.get();
    }

    public Map<SeriesKey, Long> resolve(Connection c, Iterable<SeriesKey> keys) throws SQLException {
        Map<SeriesKey, Long> result = new HashMap<>();
        java.util.Set<SeriesKey> missSet = new java.util.LinkedHashSet<>();
        for (SeriesKey k : keys) {
            if (result.containsKey(k)) {
                continue;
            }
            Long id = ids.get(k);
            if (id != null) {
                result.put(k, id);
            } else {
                missSet.add(k);
            }
        }
        List<SeriesKey> misses = new ArrayList<>(missSet);
        if (misses.isEmpty()) {
            return result;
        }
        Map<SeriesKey, Long> found = lookup(c, misses);
        List<SeriesKey> toCreate = new ArrayList<>();
        for (SeriesKey k : misses) {
            if (!found.containsKey(k)) {
                toCreate.add(k);
            }
        }
        if (!toCreate.isEmpty()) {
            List<SeriesKey> allowed = applySeriesLimit(c, toCreate, result);
            if (!allowed.isEmpty()) {
                // One order for every writer, so concurrent inserts of the same new series cannot deadlock.
                allowed.sort(java.util.Comparator.comparing(SeriesKey::metricName).thenComparing(SeriesKey::labelsJson));
                insert(c, allowed);
                Map<SeriesKey, Long> created = lookup(c, allowed);
                found.putAll(created);
                stats.seriesCreated.add(created.size());
                createdVersion.incrementAndGet();
            }
        }
        if (ids.size() > MAX_CACHED) {
            ids.clear();
        }
        ids.putAll(found);
        result.putAll(found);
        return result;
    }

    private List<SeriesKey> applySeriesLimit(Connection c, List<SeriesKey> toCreate, Map<SeriesKey, Long> result)
            throws SQLException {
        Map<String, Integer> added = new LinkedHashMap<>();
        List<SeriesKey> allowed = new ArrayList<>();
        for (SeriesKey k : toCreate) {
            int existing = seriesCount(c, k.metricName());
            int pending = added.getOrDefault(k.metricName(), 0);
            if (existing + pending >= limits.maxSeriesPerMetric()) {
                result.put(k, REJECTED);
                stats.seriesRejected.increment();
            } else {
                allowed.add(k);
                added.put(k.metricName(), pending + 1);
            }
        }
        for (Map.Entry<String, Integer> e : added.entrySet()) {
            seriesPerMetric.computeIfPresent(e.getKey(), (name, n) -> Math.min(limits.maxSeriesPerMetric(), n + e.getValue()));
        }
        return allowed;
    }

    private int seriesCount(Connection c, String metricName) throws SQLException {
        Integer n = seriesPerMetric.get(metricName);
        if (n != null) {
            return n;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM metric_series WHERE metric_name = ?")) {
            ps.setString(1, metricName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int count = rs.getInt(1);
                seriesPerMetric.put(metricName, count);
                return count;
            }
        }
    }

    private static Map<SeriesKey, Long> lookup(Connection c, List<SeriesKey> keys) throws SQLException {
        Map<SeriesKey, Long> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT i.idx, s.id FROM unnest(?::text[], ?::text[]::jsonb[]) WITH ORDINALITY AS i(name, labels, idx) "
                        + "JOIN metric_series s ON s.metric_name = i.name AND s.labels = i.labels")) {
            bindKeys(c, ps, keys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(keys.get(rs.getInt(1) - 1), rs.getLong(2));
                }
            }
        }
        return found;
    }

    private static void insert(Connection c, List<SeriesKey> keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_series (metric_name, labels) "
                        + "SELECT name, labels FROM unnest(?::text[], ?::text[]::jsonb[]) AS i(name, labels) "
                        + "ON CONFLICT (metric_name, labels) DO NOTHING")) {
            bindKeys(c, ps, keys);
            ps.executeUpdate();
        }
    }

    private static void bindKeys(Connection c, PreparedStatement ps, List<SeriesKey> keys) throws SQLException {
        String[] names = new String[keys.size()];
        String[] labels = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            names[i] = keys.get(i).metricName();
            labels[i] = keys.get(i).labelsJson();
        }
        Array a = c.createArrayOf("text", names);
        Array b = c.createArrayOf("text", labels);
        ps.setArray(1, a);
        ps.setArray(2, b);
    }

    /** Records type, unit and help of metric names not seen with this metadata before. */
    public void recordMetadata(Connection c, Map<String, PreparedBatch.MetricMetadata> metadata) throws SQLException {
        List<Map.Entry<String, PreparedBatch.MetricMetadata>> changed = new ArrayList<>();
        for (Map.Entry<String, PreparedBatch.MetricMetadata> e : metadata.entrySet()) {
            if (!e.getValue().equals(knownMetadata.get(e.getKey()))) {
                changed.add(e);
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_metadata (metric_name, type, unit, help) VALUES (?, ?, ?, ?) "
                        + "ON CONFLICT (metric_name) DO UPDATE SET type = excluded.type, unit = excluded.unit, "
                        + "help = excluded.help, updated_at = now() "
                        + "WHERE (metric_metadata.type, metric_metadata.unit, metric_metadata.help) "
                        + "IS DISTINCT FROM (excluded.type, excluded.unit, excluded.help)")) {
            for (Map.Entry<String, PreparedBatch.MetricMetadata> e : changed) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue().type());
                ps.setString(3, e.getValue().unit());
                ps.setString(4, dev.peephole.collector.storage.PgBinaryCopy.withoutNul(e.getValue().help()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        for (Map.Entry<String, PreparedBatch.MetricMetadata> e : changed) {
            knownMetadata.put(e.getKey(), e.getValue());
        }
    }
}
