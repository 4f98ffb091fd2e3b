package dev.peephole.collector.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.SeriesRegistry;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Finds the stored series that match a set of PromQL label matchers, from an in-memory
 * index of {@code metric_series} (name to series), with PromQL's own matchers, so regular
 * expressions mean exactly what they mean in Prometheus (RE2, anchored). Rule evaluation asks
 * this for every rule every round: a round trip per lookup was most of its cost.
 * The index takes in new rows (series only ever get added) before a lookup whenever this
 * collector has created series since, and at least every second for series other collectors
 * created; it is rebuilt every minute, which also heals the rare row whose id was handed out
 * before, but committed after, a higher one the incremental read had already passed.
 */
@Singleton
public class StoredSeries {

    /** A stored series: its id and its labels including {@code __name__}. */
    public record Ref(long id, Labels labels) {
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final long INCREMENTAL_MILLIS = 1_000;
    private static final long REBUILD_MILLIS = 60_000;

    /** Lookups remembered per index snapshot at most (each a matcher list and its series). */
    static final int FOUND_MAX = 10_000;

    /**
     * An immutable snapshot: the series of each metric name, and the highest id read. Per name,
     * postings (label name to value to series) are built on first use, so an equality matcher
     * picks its few series without testing every series of the metric. A snapshot also remembers
     * the answer of each matcher list it was asked (up to {@link #FOUND_MAX} of them): it is
     * replaced only when series were added (or at the minute's rebuild), so a rule group asking
     * the same selectors every round finds their series without testing a label, and sees a new
     * series as soon as the index has read it.
     */
    private record Index(Map<String, List<Ref>> byName, List<String> names, long maxId, long builtAt,
                         Map<String, Map<String, Map<String, List<Ref>>>> postings,
                         Map<List<LabelMatcher>, List<Ref>> found) {
        Index(Map<String, List<Ref>> byName, List<String> names, long maxId, long builtAt,
              Map<String, Map<String, Map<String, List<Ref>>>> postings) {
            this(byName, names, maxId, builtAt, postings, new java.util.concurrent.ConcurrentHashMap<>());
        }

        Map<String, Map<String, List<Ref>>> postings(String name) {
            return postings.computeIfAbsent(name, n -> {
                Map<String, Map<String, List<Ref>>> byLabel = new HashMap<>();
                for (Ref ref : byName.getOrDefault(n, List.of())) {
                    Labels l = ref.labels();
                    for (int k = 0; k < l.size(); k++) {
                        byLabel.computeIfAbsent(l.name(k), x -> new HashMap<>())
                                .computeIfAbsent(l.value(k), x -> new ArrayList<>()).add(ref);
                    }
                }
                return byLabel;
            });
        }
    }

    /** The index and when it was last brought up to date (checked against the table and the registry). */
    private record Checked(Index index, long checkedAt, long registryVersion) {
    }

    private final DataSource dataSource;
    private final SeriesRegistry registry;
    private volatile Checked checked = new Checked(
            new Index(Map.of(), List.of(), 0, Long.MIN_VALUE / 2, new java.util.concurrent.ConcurrentHashMap<>()),
            Long.MIN_VALUE / 2, -1);

    public StoredSeries(ConnectionPool pool, SeriesRegistry registry) {
        this.dataSource = pool.dataSource();
        this.registry = registry;
    }

    /** The index, brought up to date first if this collector created series or it is due. */
    private Index current() throws SQLException {
        Checked ch = checked;
        long now = System.currentTimeMillis();
        long version = registry.createdVersion();
        if (version == ch.registryVersion() && now - ch.checkedAt() < INCREMENTAL_MILLIS) {
            return ch.index();
        }
        synchronized (this) {
            ch = checked;
            Index i = ch.index();
            version = registry.createdVersion();
            if (version == ch.registryVersion() && now - ch.checkedAt() < INCREMENTAL_MILLIS) {
                return i;
            }
            boolean rebuild = now - i.builtAt() >= REBUILD_MILLIS;
            Map<String, List<Ref>> byName = rebuild ? new HashMap<>() : new HashMap<>(i.byName());
            long maxId = rebuild ? 0 : i.maxId();
            java.util.Set<String> touched = new java.util.HashSet<>();
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT id, metric_name, labels::text FROM metric_series WHERE id > ? ORDER BY id")) {
                ps.setLong(1, maxId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(2);
                        List<Ref> list = byName.get(name);
                        if (!rebuild && touched.add(name)) {
                            // Copy on first change: readers of the old snapshot keep theirs.
                            list = list == null ? new ArrayList<>() : new ArrayList<>(list);
                            byName.put(name, list);
                        } else if (list == null) {
                            list = new ArrayList<>();
                            byName.put(name, list);
                        }
                        list.add(new Ref(rs.getLong(1), parseLabels(name, rs.getString(3))));
                        maxId = Math.max(maxId, rs.getLong(1));
                    }
                }
            }
            Index next;
            if (rebuild) {
                next = new Index(byName, byName.keySet().stream().sorted().toList(), maxId, now,
                        new java.util.concurrent.ConcurrentHashMap<>());
            } else if (touched.isEmpty()) {
                next = i; // nothing new: the same snapshot, with its postings and remembered lookups
            } else {
                // The postings of names without new series stay; remembered lookups go (a new series
                // may match any of them).
                java.util.concurrent.ConcurrentHashMap<String, Map<String, Map<String, List<Ref>>>> postings =
                        new java.util.concurrent.ConcurrentHashMap<>(i.postings());
                postings.keySet().removeAll(touched);
                List<String> names = byName.size() == i.byName().size() ? i.names()
                        : byName.keySet().stream().sorted().toList();
                next = new Index(byName, names, maxId, i.builtAt(), postings);
            }
            checked = new Checked(next, now, version);
            return next;
        }
    }

    /** The stored series that match every matcher (an unmodifiable list). */
    public List<Ref> find(List<LabelMatcher> matchers) throws SQLException {
        Index idx = current();
        List<Ref> known = idx.found().get(matchers);
        if (known != null) {
            return known;
        }
        List<Ref> out = List.copyOf(lookup(idx, matchers));
        if (idx.found().size() < FOUND_MAX) {
            idx.found().put(List.copyOf(matchers), out);
        }
        return out;
    }

    private static List<Ref> lookup(Index idx, List<LabelMatcher> matchers) {
        String name = null;
        List<LabelMatcher> nameMatchers = new ArrayList<>();
        for (LabelMatcher m : matchers) {
            if (m.name().equals(Labels.METRIC_NAME)) {
                if (m.type() == LabelMatcher.Type.EQ) {
                    name = m.value();
                } else {
                    nameMatchers.add(m);
                }
            }
        }
        List<String> names;
        if (name != null) {
            names = List.of(name);
        } else {
            names = new ArrayList<>();
            for (String n : idx.names()) {
                if (nameMatchers.stream().allMatch(m -> m.matches(n))) {
                    names.add(n);
                }
            }
        }
        List<Ref> out = new ArrayList<>();
        for (String n : names) {
            List<Ref> candidates = idx.byName().getOrDefault(n, List.of());
            for (LabelMatcher m : matchers) {
                if (m.type() == LabelMatcher.Type.EQ && !m.value().isEmpty() && !m.name().equals(Labels.METRIC_NAME)) {
                    List<Ref> posting = idx.postings(n).getOrDefault(m.name(), Map.of()).getOrDefault(m.value(), List.of());
                    if (posting.size() < candidates.size()) {
                        candidates = posting;
                    }
                }
            }
            for (Ref ref : candidates) {
                if (matchesAll(matchers, ref.labels())) {
                    out.add(ref);
                }
            }
        }
        return out;
    }

    /** Every metric name stored, sorted. */
    public List<String> metricNames() throws SQLException {
        return current().names();
    }

    private static boolean matchesAll(List<LabelMatcher> matchers, Labels labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    static Labels parseLabels(String metricName, String labelsJson) {
        Map<String, String> map = new HashMap<>();
        map.put(Labels.METRIC_NAME, metricName);
        try (JsonParser p = JSON.createParser(labelsJson)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    map.put(k, p.getText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Labels.of(map);
    }
}
