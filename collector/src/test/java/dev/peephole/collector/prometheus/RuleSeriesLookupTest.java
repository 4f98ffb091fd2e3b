package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.ReadCarry;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.SelectRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rule group's selectors are looked up once per index snapshot ({@link StoredSeries#find} remembers
 * their series until a series is added), on the real PostgreSQL: a series created between two
 * rounds, by this collector or by another one sharing the database (rows written with plain SQL,
 * not through this collector's registry), is in the next round's answer, through an equality
 * matcher (postings) and a regular expression alike, and the lookup between rounds without new
 * series returns the very same answer.
 */
class RuleSeriesLookupTest {
    private static final long STEP_MS = 15_000;
    private static EmbeddedServer server;
    private static Engine engine;
    private static StoredSeriesSource source;
    private static StoredSeries series;
    private static LocalSeriesWriter writer;
    private static long end;

    @BeforeAll
    static void start() throws Exception {
        server = QuietCollector.start("lookup-admin-1");
        engine = server.getApplicationContext().getBean(Engine.class);
        source = server.getApplicationContext().getBean(StoredSeriesSource.class);
        series = server.getApplicationContext().getBean(StoredSeries.class);
        writer = server.getApplicationContext().getBean(LocalSeriesWriter.class);
        end = System.currentTimeMillis() / 60_000 * 60_000 - 60_000;
        List<LocalSample> points = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            points.addAll(points("j" + (i % 3), "i" + i));
        }
        writer.write(points, "counter", "test");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<LocalSample> points(String job, String instance) {
        List<LocalSample> out = new ArrayList<>();
        for (long t = end - 20 * 60_000L; t <= end + 60_000L; t += STEP_MS) {
            out.add(new LocalSample("sl_requests_total", Map.of("job", job, "instance", instance), t, t / 1000.0));
        }
        return out;
    }

    private static final List<String> EXPRS = List.of(
            "count(rate(sl_requests_total{job=\"j1\"}[5m]))",
            "count(rate(sl_requests_total{instance=~\"(new|other).*\"}[5m]))",
            "count(rate(sl_requests_total{instance=\"other-1\"}[5m]))");

    /** Each expression's answer at ts on the group's carried, batched read (as the rule manager reads). */
    private static List<Double> round(ReadCarry carry, long ts) {
        Set<SelectRequest> reads = new LinkedHashSet<>();
        for (String e : EXPRS) {
            reads.addAll(engine.instantSelects(e, ts));
        }
        Engine snapshot = engine.withSource(source.prefetch(reads, carry));
        List<Double> out = new ArrayList<>();
        for (String e : EXPRS) {
            List<Sample> v = snapshot.instantQuery(e, ts).vector();
            out.add(v.isEmpty() ? 0 : v.get(0).v());
        }
        return out;
    }

    /** The same counts straight from the tables. */
    private static List<Double> counted() throws Exception {
        String sql = "SELECT count(*) FROM metric_series WHERE metric_name = 'sl_requests_total' AND ";
        return List.of(count(sql + "labels->>'job' = 'j1'"),
                count(sql + "labels->>'instance' ~ '^(new|other).*$'"),
                count(sql + "labels->>'instance' = 'other-1'"));
    }

    private static double count(String sql) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A series as another collector on the same database creates it: rows, not this collector's registry. */
    private static void createElsewhere(String job, String instance) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection()) {
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO metric_series (metric_name, labels) "
                    + "VALUES ('sl_requests_total', ?::jsonb) RETURNING id")) {
                ps.setString(1, "{\"job\":\"" + job + "\",\"instance\":\"" + instance + "\"}");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO metric_points (series_id, t, v) VALUES (?, ?, ?)")) {
                for (long t = end - 20 * 60_000L; t <= end + 60_000L; t += STEP_MS) {
                    ps.setLong(1, id);
                    ps.setTimestamp(2, Timestamp.from(Instant.ofEpochMilli(t)));
                    ps.setDouble(3, t / 1000.0);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    @Test
    void aSeriesCreatedBetweenRoundsIsInTheNextRound() throws Exception {
        ReadCarry carry = new ReadCarry();
        long ts = end - 10 * 60_000L;
        assertThat(round(carry, ts)).isEqualTo(counted()).isEqualTo(List.of(10.0, 0.0, 0.0));
        List<LabelMatcher> j1 = List.of(LabelMatcher.eq(Labels.METRIC_NAME, "sl_requests_total"),
                LabelMatcher.eq("job", "j1"));
        List<StoredSeries.Ref> before = series.find(j1);
        ts += 10_000;
        assertThat(round(carry, ts)).isEqualTo(List.of(10.0, 0.0, 0.0));
        assertThat(series.find(j1)).as("no new series: the remembered lookup").isSameAs(before);

        // Created by this collector: in the very next round.
        writer.write(points("j1", "new-1"), "counter", "test");
        ts += 10_000;
        assertThat(round(carry, ts)).isEqualTo(counted()).isEqualTo(List.of(11.0, 1.0, 0.0));

        // Created by another collector: in the round after this one's index has looked (once a second).
        createElsewhere("j1", "other-1");
        long deadline = System.currentTimeMillis() + 30_000;
        List<Double> got;
        do {
            ts += 10_000;
            got = round(carry, ts);
        } while (!got.equals(List.of(12.0, 2.0, 1.0)) && System.currentTimeMillis() < deadline && pause());
        assertThat(got).isEqualTo(counted()).isEqualTo(List.of(12.0, 2.0, 1.0));
        assertThat(series.find(j1)).hasSize(12);
    }

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
