package dev.peephole.collector.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.securityevents.SecurityEventCounter;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /api/v1/status/storage}: sizes by kind, series per metric name, oldest and newest
 * data, compression (TimescaleDB) or "not applicable" (PostgreSQL), retention; live retention
 * changes by admins (validated, audited, stored in the database, applied by the next
 * retention run, seen by a second collector). Runs on the embedded PostgreSQL, and with
 * -Dpeephole.test.db=timescaledb on TimescaleDB.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StorageApiTest {

    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String VIEWER = Http.basic("storage-viewer", "storage-viewer-1");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, Object> props;
    private static EmbeddedServer server;
    private static Http http;
    private static Instant sampleTime;

    @BeforeAll
    static void start() throws Exception {
        props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "storage-token");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.rollup.interval", "0s");
        props.put("peephole.security.counter.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        HttpResponse<String> viewer = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"storage-viewer\",\"password\":\"storage-viewer-1\",\"role\":\"viewer\"}");
        assertThat(viewer.statusCode()).as(viewer.body()).isEqualTo(201);

        sampleTime = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = connection()) {
            for (int i = 0; i < 5; i++) {
                long id = series(c, "storage_test_wide", "{\"pod\":\"p" + i + "\"}");
                point(c, id, sampleTime.plusSeconds(i), i);
            }
            point(c, series(c, "storage_test_narrow", "{}"), sampleTime.plusSeconds(30), 1);
            if (TestDatabase.isTimescale()) {
                // a point in an earlier day's chunk, and that chunk compressed, as the compression policy would
                long older = series(c, "storage_test_compressed", "{}");
                for (int i = 0; i < 100; i++) {
                    point(c, older, Instant.now().minus(30, ChronoUnit.HOURS).plusSeconds(i), i);
                }
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT compress_chunk(ch, if_not_compressed => true) "
                            + "FROM show_chunks('metric_points', older_than => date_trunc('day', now())) ch");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO spans (trace_id, span_id, service_name, operation, kind, start_time, duration_ns, "
                            + "status_code, attributes, agent_id) VALUES (?, ?, 'storage-svc', 'op', 1, ?, 1000, 0, '{}', 'a')")) {
                ps.setBytes(1, new byte[16]);
                ps.setBytes(2, new byte[8]);
                ps.setTimestamp(3, Timestamp.from(sampleTime));
                ps.executeUpdate();
            }
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO span_operations (service_name, operation, kind) VALUES ('storage-svc', 'op', 1) "
                        + "ON CONFLICT DO NOTHING");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            // the TimescaleDB test database is shared by the test classes of this JVM: give the settings back
            http.send("DELETE", "/api/v1/status/storage/retention", ADMIN, null);
            server.close();
        }
    }

    @Test
    void anyUserReadsSizesCardinalityTimeRangesCompressionAndRetention() throws Exception {
        HttpResponse<String> r = http.get("/api/v1/status/storage?top=1000", VIEWER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = JSON.readTree(r.body()).get("data");
        assertThat(data.get("flavour").asText()).isEqualTo(TestDatabase.isTimescale() ? "timescaledb" : "postgres");

        Map<String, Long> sizes = new HashMap<>();
        data.get("sizes").forEach(k -> sizes.put(k.get("kind").asText(), k.get("bytes").asLong()));
        assertThat(sizes).containsOnlyKeys("points", "series", "rollups", "spans", "securityEvents", "other");
        assertThat(sizes.get("points")).isPositive();
        assertThat(sizes.get("spans")).isPositive();
        assertThat(sizes.get("series")).isPositive();
        assertThat(sizes.values().stream().mapToLong(Long::longValue).sum())
                .isLessThanOrEqualTo(data.get("databaseBytes").asLong() + sizes.get("other") + 1);

        Map<String, Long> byName = new HashMap<>();
        data.get("seriesCountByMetricName").forEach(n -> byName.put(n.get("name").asText(), n.get("value").asLong()));
        assertThat(byName).containsEntry("storage_test_wide", 5L).containsEntry("storage_test_narrow", 1L);
        assertThat(data.get("seriesCount").asLong()).isGreaterThanOrEqualTo(6);
        // ordered by count, largest first
        long previous = Long.MAX_VALUE;
        for (JsonNode n : data.get("seriesCountByMetricName")) {
            assertThat(n.get("value").asLong()).isLessThanOrEqualTo(previous);
            previous = n.get("value").asLong();
        }
        assertThat(data.get("labelValueCountByLabelName").toString()).contains("\"name\":\"pod\"");
        JsonNode top1 = JSON.readTree(http.get("/api/v1/status/storage?top=1", VIEWER).body()).get("data");
        assertThat(top1.get("seriesCountByMetricName")).hasSize(1);

        JsonNode points = data.get("timeRanges").get("points");
        assertThat(Instant.parse(points.get("oldest").asText())).isBeforeOrEqualTo(sampleTime);
        assertThat(Instant.parse(points.get("newest").asText())).isAfterOrEqualTo(sampleTime.plusSeconds(30));
        JsonNode spans = data.get("timeRanges").get("spans");
        assertThat(Instant.parse(spans.get("oldest").asText())).isBeforeOrEqualTo(sampleTime);
        assertThat(Instant.parse(spans.get("newest").asText())).isAfterOrEqualTo(sampleTime);

        JsonNode compression = data.get("compression");
        assertThat(compression).hasSize(2);
        for (JsonNode h : compression) {
            if (TestDatabase.isTimescale()) {
                assertThat(h.get("applicable").asBoolean()).isTrue();
                assertThat(h.get("totalChunks").asLong()).as(h.toString()).isPositive();
                if (h.get("hypertable").asText().equals("metric_points")) {
                    assertThat(h.get("compressedChunks").asLong()).as(h.toString()).isPositive();
                    assertThat(h.get("bytesBefore").asLong()).as(h.toString()).isPositive();
                    assertThat(h.get("bytesAfter").asLong()).as(h.toString()).isPositive();
                    assertThat(h.get("ratio").asDouble()).as(h.toString())
                            .isCloseTo((double) h.get("bytesBefore").asLong() / h.get("bytesAfter").asLong(),
                                    org.assertj.core.data.Offset.offset(0.01));
                }
            } else {
                assertThat(h.get("applicable").asBoolean()).isFalse();
                assertThat(h.get("note").asText()).startsWith("not applicable");
            }
        }

        Map<String, String> kept = new HashMap<>();
        data.get("retention").forEach(k -> kept.put(k.get("kind").asText(), k.get("keep").asText() + "/" + k.get("source").asText()));
        // (points and security events may carry the other test's live change)
        assertThat(kept).containsOnlyKeys("points", "spans", "rollups", "securityEvents")
                .containsEntry("spans", "7d/setting").containsEntry("rollups", "90d/setting");

        assertThat(http.get("/api/v1/status/storage?top=0", VIEWER).body()).contains("\"errorType\":\"bad_data\"");
        assertThat(http.get("/api/v1/status/storage", null).statusCode()).isEqualTo(401);
    }

    @Test
    void adminsChangeRetentionLiveValidatedAuditedAndAppliedOnTheNextRun() throws Exception {
        String path = "/api/v1/status/storage/retention";
        assertThat(http.send("PUT", path, VIEWER, "{\"points\":\"2d\"}").statusCode()).isEqualTo(403);
        for (String bad : new String[] {"{\"pointz\":\"2d\"}", "{\"points\":\"two days\"}", "{\"points\":\"10m\"}",
                "{\"points\":2}", "{}", "{\"points\":\"4000d\"}"}) {
            HttpResponse<String> r = http.send("PUT", path, ADMIN, bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).startsWith("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":");
        }
        assertThat(http.send("PUT", path, ADMIN, "{\"points\":\"two days\"}").body()).contains("points: cannot parse");

        LocalDate oldDay = LocalDate.now(ZoneOffset.UTC).minusDays(4);
        String oldPartition = "metric_points_p" + oldDay.format(DateTimeFormatter.ofPattern("yyyyMMdd"));
        Instant oldEvent = Instant.now().minus(40, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = connection()) {
            if (!TestDatabase.isTimescale()) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE " + oldPartition + " PARTITION OF metric_points FOR VALUES FROM ('"
                            + oldDay + " 00:00:00+00') TO ('" + oldDay.plusDays(1) + " 00:00:00+00')");
                }
                point(c, series(c, "storage_test_old", "{}"), oldDay.atTime(12, 0).toInstant(ZoneOffset.UTC), 1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO security_events (at, kind, agent_id, service_name, "
                    + "trace_id, span_id) VALUES (?, 'unknown', 'storage-agent', 'storage-svc', ?, ?)")) {
                ps.setTimestamp(1, Timestamp.from(oldEvent));
                ps.setBytes(2, new byte[16]);
                ps.setBytes(3, new byte[8]);
                ps.executeUpdate();
            }
        }
        PartitionMaintainer maintainer = server.getApplicationContext().getBean(PartitionMaintainer.class);
        SecurityEventCounter events = server.getApplicationContext().getBean(SecurityEventCounter.class);
        maintainer.runOnce();
        events.prune();
        if (!TestDatabase.isTimescale()) {
            assertThat(partitionExists(oldPartition)).as("kept at 7d").isTrue();
        }
        assertThat(eventsAgedFrom(oldEvent)).as("kept at 90d").isEqualTo(1);

        HttpResponse<String> changed = http.send("PUT", path, ADMIN, "{\"points\":\"2d\",\"securityEvents\":\"30d\"}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        Map<String, String> kept = new HashMap<>();
        JSON.readTree(changed.body()).get("data").forEach(k -> kept.put(k.get("kind").asText(),
                k.get("keep").asText() + "/" + k.get("source").asText()));
        assertThat(kept).containsEntry("points", "2d/database").containsEntry("securityEvents", "30d/database")
                .containsEntry("spans", "7d/setting");

        // the retention run (run at once on this collector by the change) uses the new value
        if (TestDatabase.isTimescale()) {
            assertThat(scalar("SELECT (config->>'drop_after') FROM timescaledb_information.jobs "
                    + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'metric_points'")).isEqualTo("2 days");
        } else {
            assertThat(partitionExists(oldPartition)).as("dropped at 2d").isFalse();
        }
        events.prune();
        assertThat(eventsAgedFrom(oldEvent)).as("deleted at 30d").isZero();

        HttpResponse<String> audit = http.get("/api/v1/audit", ADMIN);
        assertThat(audit.body()).contains("\"actor\":\"admin\",\"action\":\"storage.retention\",\"target\":\"retention\"")
                .contains("\"points\\\": \\\"2d\\\"");

        if (!TestDatabase.isTimescale()) { // the TimescaleDB test server takes one connection: one collector
            // a second collector on the same database (or this one after a restart) reads the stored value
            Map<String, Object> second = new HashMap<>(props);
            try (EmbeddedServer other = ApplicationContext.run(EmbeddedServer.class, second)) {
                JsonNode report = JSON.readTree(new Http(other).get("/api/v1/status/storage", ADMIN).body()).get("data");
                assertThat(report.get("retention").toString()).contains("\"kind\":\"points\",\"keep\":\"2d\",\"seconds\":172800,"
                        + "\"source\":\"database\"");
            }
        }

        HttpResponse<String> reset = http.send("DELETE", path + "?kind=points", ADMIN, null);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(reset.body()).contains("\"kind\":\"points\",\"keep\":\"7d\",\"seconds\":604800,\"source\":\"setting\"")
                .contains("\"kind\":\"securityEvents\",\"keep\":\"30d\"");
        assertThat(http.send("DELETE", path + "?kind=nope", ADMIN, null).statusCode()).isEqualTo(400);
        assertThat(http.send("DELETE", path, VIEWER, null).statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/audit", ADMIN).body()).contains("\"action\":\"storage.retention.reset\"");
    }

    private static Connection connection() throws Exception {
        return server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
    }

    private static long series(Connection c, String name, String labels) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_series (metric_name, labels) VALUES (?, ?::jsonb) RETURNING id")) {
            ps.setString(1, name);
            ps.setString(2, labels);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void point(Connection c, long series, Instant t, double v) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO metric_points (series_id, t, v) VALUES (?, ?, ?)")) {
            ps.setLong(1, series);
            ps.setTimestamp(2, Timestamp.from(t));
            ps.setDouble(3, v);
            ps.executeUpdate();
        }
    }

    private static boolean partitionExists(String name) throws Exception {
        return scalar("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'").equals("1");
    }

    private static long eventsAgedFrom(Instant at) throws Exception {
        return Long.parseLong(scalar("SELECT count(*) FROM security_events WHERE agent_id = 'storage-agent' "
                + "AND at = '" + at + "'::timestamptz"));
    }

    private static String scalar(String sql) throws Exception {
        try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
