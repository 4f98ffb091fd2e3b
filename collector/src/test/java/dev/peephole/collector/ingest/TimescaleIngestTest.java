package dev.peephole.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.storage.PartitionMaintainer;
import dev.peephole.collector.storage.Retention;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TimescaleTestServer;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector on a real TimescaleDB (PGlite's WASM build over the wire protocol, see
 * {@link TimescaleTestServer}): it picks the TimescaleDB flavour, migrates to hypertables
 * with compression segmented by series, keeps retention policies at the configured
 * retention, and stores agent batches through binary COPY once, duplicates acknowledged.
 * The server takes one connection, so the collector runs with a pool of one and the test
 * reads through that pool.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TimescaleIngestTest {

    private static final String TOKEN = "timescale-agent-token";
    private static EmbeddedServer server;
    private static int grpcPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @TempDir
    static Path dataDir;

    @BeforeAll
    static void start() {
        TimescaleTestServer tsdb = TimescaleTestServer.get();
        Map<String, Object> props = new HashMap<>(tsdb.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.data.dir", dataDir.toString());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.retention.points", "3d");
        props.put("peephole.retention.spans", "36h");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void readyNamesTimescaleDb() throws Exception {
        HttpResponse<String> ready = awaitReady();
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"database\":\"UP\"").contains("version " + dev.peephole.collector.support.Migrations.latestVersion() + " on timescaledb");
        assertThat(text("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")).startsWith("2.");
    }

    @Test
    @Order(2)
    void pointsAndSpansAreHypertablesOfDailyChunksCompressedBySeries() throws Exception {
        assertThat(text("SELECT string_agg(hypertable_name || ':' || compression_enabled, ',' ORDER BY hypertable_name) "
                + "FROM timescaledb_information.hypertables WHERE hypertable_name IN ('metric_points', 'spans')"))
                .isEqualTo("metric_points:true,spans:true");
        assertThat(text("SELECT string_agg(hypertable_name || '.' || column_name || '=' || time_interval, ',' "
                + "ORDER BY hypertable_name) FROM timescaledb_information.dimensions "
                + "WHERE hypertable_name IN ('metric_points', 'spans')"))
                .isEqualTo("metric_points.t=1 day,spans.start_time=1 day");
        assertThat(text("SELECT string_agg(attname, ',') FROM timescaledb_information.compression_settings "
                + "WHERE hypertable_name = 'metric_points' AND segmentby_column_index IS NOT NULL"))
                .isEqualTo("series_id");
        assertThat(text("SELECT string_agg(attname, ',') FROM timescaledb_information.compression_settings "
                + "WHERE hypertable_name = 'metric_points' AND orderby_column_index IS NOT NULL"))
                .isEqualTo("t");
        assertThat(text("SELECT string_agg(hypertable_name || '>' || (config->>'compress_after'), ',' "
                + "ORDER BY hypertable_name) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"))
                .isEqualTo("metric_points>1 day,spans>1 day");
    }

    @Test
    @Order(3)
    void retentionPoliciesFollowTheConfiguredRetentionAndAreReplacedWhenTheyDiffer() throws Exception {
        String policies = "SELECT string_agg(hypertable_name || '>' || (config->>'drop_after')::interval, ',' "
                + "ORDER BY hypertable_name) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name IN ('metric_points', 'spans')";
        assertThat(text(policies)).isEqualTo("metric_points>3 days,spans>36:00:00");
        String pointsJob = text("SELECT job_id FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'metric_points'");

        // Running again changes nothing: the same jobs stay.
        PartitionMaintainer maintainer = server.getApplicationContext().getBean(PartitionMaintainer.class);
        maintainer.runOnce();
        assertThat(maintainer.reason()).isEqualTo("ok");
        assertThat(text(policies)).isEqualTo("metric_points>3 days,spans>36:00:00");
        assertThat(text("SELECT job_id FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'metric_points'")).isEqualTo(pointsJob);

        // A policy left with another interval (an earlier setting) is replaced by the configured one.
        execute("SELECT remove_retention_policy('metric_points')");
        execute("SELECT add_retention_policy('metric_points', drop_after => INTERVAL '30 days')");
        maintainer.runOnce();
        assertThat(maintainer.reason()).isEqualTo("ok");
        assertThat(text(policies)).isEqualTo("metric_points>3 days,spans>36:00:00");
    }

    @Test
    @Order(4)
    void aBatchIsStoredOnceThroughBinaryCopyAndItsDuplicateIsAcknowledgedAsDuplicate() throws Exception {
        try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "ts-agent")) {
            agent.sendHello("doorbell");
            CollectorMessage settings = agent.next(60);
            assertThat(settings).as("settings after hello").isNotNull();
            assertThat(settings.hasSettings()).isTrue();

            long t = System.currentTimeMillis() * 1_000_000L;
            Batch batch = Batch.newBuilder()
                    .setSequence(1)
                    .addMetrics(MetricSeries.newBuilder().setName("ts.heap.used").setUnit("By")
                            .setType(MetricType.METRIC_TYPE_GAUGE)
                            .addLabels(Label.newBuilder().setName("pool").setValue("eden"))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t - 20_000_000_000L).setValue(1))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t - 10_000_000_000L).setValue(2))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(3)))
                    .addMetrics(MetricSeries.newBuilder().setName("ts.frames").setUnit("{frame}")
                            .setType(MetricType.METRIC_TYPE_COUNTER)
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(40)))
                    .addSpans(AgentIngestTest.span(77, 1, 0, "Door.open", t))
                    .addSpans(AgentIngestTest.span(77, 2, 1, "Face.match", t))
                    .build();
            agent.sendBatch(batch);
            CollectorMessage ack = agent.next(120);
            assertThat(ack).as("an ack").isNotNull();
            assertThat(ack.hasAck()).as("an ack, got %s", ack).isTrue();
            assertThat(ack.getAck().getSequence()).isEqualTo(1);
            assertThat(ack.getAck().getDuplicate()).isFalse();
            assertThat(ack.getAck().getAcceptedPoints()).isEqualTo(4);
            assertThat(ack.getAck().getAcceptedSpans()).isEqualTo(2);

            String points = "SELECT count(*) || '/' || sum(p.v) FROM metric_points p "
                    + "JOIN metric_series s ON s.id = p.series_id WHERE s.labels->>'instance' = 'ts-agent'";
            String spans = "SELECT count(*) FROM spans WHERE agent_id = 'ts-agent'";
            assertThat(text(points)).isEqualTo("4/46");
            assertThat(text(spans)).isEqualTo("2");
            assertThat(text("SELECT labels->>'pool' FROM metric_series WHERE metric_name = 'ts_heap_used_bytes'"))
                    .isEqualTo("eden");
            // The rows are in the hypertables' chunks.
            assertThat(Long.parseLong(text("SELECT count(*) FROM show_chunks('metric_points')"))).isPositive();
            assertThat(Long.parseLong(text("SELECT count(*) FROM show_chunks('spans')"))).isPositive();

            agent.sendBatch(batch);
            CollectorMessage again = agent.next(120);
            assertThat(again).as("an ack of the re-sent batch").isNotNull();
            assertThat(again.getAck().getSequence()).isEqualTo(1);
            assertThat(again.getAck().getDuplicate()).isTrue();
            assertThat(text(points)).isEqualTo("4/46");
            assertThat(text(spans)).isEqualTo("2");

            // Compressed (as the compression policy does a day later), the rows read the same.
            execute("SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('metric_points') c");
            assertThat(text("SELECT bool_and(is_compressed) FROM timescaledb_information.chunks "
                    + "WHERE hypertable_name = 'metric_points'")).isEqualTo("t");
            assertThat(text(points)).isEqualTo("4/46");
        }
    }

    @Test
    @Order(5)
    void theRetentionJobDropsChunksPastTheRetention() throws Exception {
        // A chunk of points 10 days old, past the 3 days kept; PGlite runs no background
        // workers, so the policy's job is run here as TimescaleDB's scheduler would.
        execute("INSERT INTO metric_points (series_id, t, v) VALUES (-1, now() - INTERVAL '10 days', 1)");
        assertThat(text("SELECT count(*) FROM metric_points WHERE series_id = -1")).isEqualTo("1");
        String job = text("SELECT job_id FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'metric_points'");
        execute("CALL run_job(" + Integer.parseInt(job) + ")");
        assertThat(text("SELECT count(*) FROM metric_points WHERE series_id = -1")).isEqualTo("0");
        assertThat(text("SELECT count(*) FROM metric_points p JOIN metric_series s ON s.id = p.series_id "
                + "WHERE s.labels->>'instance' = 'ts-agent'")).isEqualTo("4");
    }

    @Test
    @Order(6)
    void rollupsHaveTheirRetentionAndRefreshOnlyWhatTheirSourceKeeps() throws Exception {
        // a continuous aggregate's jobs carry the view's name
        String retentionOfRollups = "SELECT string_agg(hypertable_name || '>' || (config->>'drop_after')::interval, ',' "
                + "ORDER BY hypertable_name) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name LIKE 'metric_rollup_%'";
        String refreshStarts = "SELECT string_agg(hypertable_name || '>' || (config->>'start_offset')::interval, ',' "
                + "ORDER BY hypertable_name) FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_refresh_continuous_aggregate'";
        // the default rollup retention; points kept 3 days, so the migration's refresh windows stand
        assertThat(text(retentionOfRollups)).isEqualTo("metric_rollup_1h>90 days,metric_rollup_1m>90 days");
        assertThat(text(refreshStarts)).isEqualTo("metric_rollup_1h>3 days,metric_rollup_1m>1 day");

        Retention retention = server.getApplicationContext().getBean(Retention.class);
        PartitionMaintainer maintainer = server.getApplicationContext().getBean(PartitionMaintainer.class);
        try {
            // points kept 12 h: a refresh of the last day would erase the minutes whose points are gone
            retention.change(Map.of(Retention.Kind.POINTS, Duration.ofHours(12), Retention.Kind.ROLLUPS, Duration.ofDays(2)));
            maintainer.runOnce();
            assertThat(maintainer.reason()).isEqualTo("ok");
            assertThat(text(retentionOfRollups)).isEqualTo("metric_rollup_1h>2 days,metric_rollup_1m>2 days");
            assertThat(text(refreshStarts)).isEqualTo("metric_rollup_1h>2 days,metric_rollup_1m>12:00:00");

            // a materialized minute past the rollups' retention is dropped by the policy's job (whole
            // chunks go: an aggregate's chunks span ten of its source's, so the minute is 60 days old)
            execute("INSERT INTO metric_points (series_id, t, v) VALUES (-2, now() - INTERVAL '60 days', 1)");
            execute("CALL refresh_continuous_aggregate('metric_rollup_1m', now() - INTERVAL '61 days', now() - INTERVAL '59 days')");
            // its point gone, as the points' retention does (or the real-time aggregate recomputes the minute)
            execute("DELETE FROM metric_points WHERE series_id = -2");
            assertThat(text("SELECT count(*) FROM metric_rollup_1m WHERE series_id = -2")).isEqualTo("1");
            String job = text("SELECT job_id FROM timescaledb_information.jobs "
                    + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'metric_rollup_1m'");
            execute("CALL run_job(" + Integer.parseInt(job) + ")");
            assertThat(text("SELECT count(*) FROM metric_rollup_1m WHERE series_id = -2 AND bucket < now() - INTERVAL '59 days'"))
                    .isEqualTo("0");
        } finally {
            // the TimescaleDB test database is shared by the test classes of this JVM
            retention.reset(java.util.List.of(Retention.Kind.POINTS, Retention.Kind.ROLLUPS));
            maintainer.runOnce();
            execute("DELETE FROM metric_points WHERE series_id = -2");
        }
        assertThat(text(refreshStarts)).isEqualTo("metric_rollup_1h>3 days,metric_rollup_1m>1 day");
    }

    private HttpResponse<String> awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        HttpResponse<String> last;
        do {
            last = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/ready"))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            if (last.statusCode() == 200) {
                return last;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        return last;
    }

    private static Connection connection() throws Exception {
        return server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String text(String sql) throws Exception {
        try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
