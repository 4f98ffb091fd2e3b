package dev.peephole.collector.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Finds the stored series that match a set of PromQL label matchers. Equality matchers
 * go to the database (the metric name by its index, labels by the GIN index on
 * {@code labels}); the others (!=, =~, !~) are applied here with PromQL's own matcher,
 * so regular expressions mean exactly what they mean in Prometheus (RE2, anchored).
 */
@Singleton
public class StoredSeries {

    /** A stored series: its id and its labels including {@code __name__}. */
    public record Ref(long id, Labels labels) {
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final long NAME_CACHE_MILLIS = 10_000;

    private final DataSource dataSource;
    private volatile List<String> cachedNames = List.of();
    private volatile long cachedNamesAt;

    public StoredSeries(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    public List<Ref> find(List<LabelMatcher> matchers) throws SQLException {
        String name = null;
        List<LabelMatcher> nameMatchers = new ArrayList<>();
        TreeMap<String, String> equal = new TreeMap<>();
        for (LabelMatcher m : matchers) {
            if (m.name().equals(Labels.METRIC_NAME)) {
                if (m.type() == LabelMatcher.Type.EQ) {
                    name = m.value();
                } else {
                    nameMatchers.add(m);
                }
            } else if (m.type() == LabelMatcher.Type.EQ && !m.value().isEmpty()) {
                equal.put(m.name(), m.value());
            }
        }
        List<String> names = new ArrayList<>();
        if (name != null) {
            names.add(name);
        } else if (!nameMatchers.isEmpty()) {
            for (String n : metricNames()) {
                if (nameMatchers.stream().allMatch(m -> m.matches(n))) {
                    names.add(n);
                }
            }
            if (names.isEmpty()) {
                return List.of();
            }
        }
        StringBuilder sql = new StringBuilder("SELECT id, metric_name, labels::text FROM metric_series WHERE true");
        if (!names.isEmpty()) {
            sql.append(" AND metric_name = ANY (?)");
        }
        if (!equal.isEmpty()) {
            sql.append(" AND labels @> ?::jsonb");
        }
        List<Ref> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            if (!names.isEmpty()) {
                ps.setArray(i++, c.createArrayOf("text", names.toArray(new String[0])));
            }
            if (!equal.isEmpty()) {
                ps.setString(i, toJson(equal));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Labels labels = parseLabels(rs.getString(2), rs.getString(3));
                    if (matchesAll(matchers, labels)) {
                        out.add(new Ref(rs.getLong(1), labels));
                    }
                }
            }
        }
        return out;
    }

    /** Every metric name stored (cached for a few seconds). */
    public List<String> metricNames() throws SQLException {
        long now = System.currentTimeMillis();
        if (now - cachedNamesAt > NAME_CACHE_MILLIS) {
            List<String> names = new ArrayList<>();
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT DISTINCT metric_name FROM metric_series ORDER BY 1");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            cachedNames = names;
            cachedNamesAt = now;
        }
        return cachedNames;
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

    private static String toJson(Map<String, String> labels) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : labels.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
