package dev.peephole.collector.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TimescaleTestServer;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.SpanKind;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore on TimescaleDB (PGlite's TimescaleDB build, see {@link TimescaleTestServer}):
 * a collector on one server stores points and spans, {@code backup} reads its hypertables and
 * continuous aggregates, {@code restore} loads them into a second, empty server, and a collector
 * there gives the same answers to the same Prometheus and Jaeger queries. The test server takes
 * one connection at a time, so the backup runs after the source collector stopped (ingest during
 * a backup is tested on PostgreSQL, {@link BackupRestoreTest}).
 */
@Timeout(900)
class TimescaleBackupTest {

    private static final String PASSWORD = "tsdb-backup-admin-1";
    private static final String ADMIN = Http.basic("admin", PASSWORD);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW_NS = System.currentTimeMillis() * 1_000_000L;
    private static final long T0 = NOW_NS - 30 * 60_000_000_000L;

    @TempDir
    Path tmp;

    @Test
    void aBackupOfTimescaleDbRestoresIntoAnEmptyTimescaleDbWithTheSameAnswers() throws Exception {
        TimescaleTestServer source = TimescaleTestServer.startAnother();
        TimescaleTestServer target = TimescaleTestServer.startAnother();
        try {
            Map<String, JsonNode> answers = new LinkedHashMap<>();
            try (EmbeddedServer collector = collector(source)) {
                seed(collector.getApplicationContext().getBean(AgentGrpcServer.class).port());
                Http http = new Http(collector);
                for (String path : paths()) {
                    HttpResponse<String> r = http.get(path, ADMIN);
                    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
                    answers.put(path, JSON.readTree(r.body()));
                }
            }
            assertThat(answers.get(paths()[0]).get("data").get("result")).hasSize(3);
            assertThat(answers.get(paths()[4]).get("data")).hasSize(6);

            Path file = tmp.resolve("tsdb.zip");
            BackupRestoreTest.Cli backup = withDatabase(source, () -> BackupRestoreTest.Cli.run("backup", "--out", file.toString()));
            assertThat(backup.code()).as(backup.err()).isZero();
            BackupManifest manifest = BackupRestorer.verify(file);
            assertThat(manifest.flavour()).isEqualTo("timescaledb");
            assertThat(manifest.tables().stream().filter(t -> t.name().equals("metric_points")).findFirst().orElseThrow().rows())
                    .isGreaterThanOrEqualTo(3 * 6 * 10); // the seed's points and the agent's own (up)

            BackupRestoreTest.Cli restore = withDatabase(target, () -> BackupRestoreTest.Cli.run("restore", "--in", file.toString()));
            assertThat(restore.code()).as(restore.err() + restore.out()).isZero();
            assertThat(restore.out()).contains("Restored");

            try (EmbeddedServer collector = collector(target)) {
                Http http = new Http(collector);
                for (Map.Entry<String, JsonNode> a : answers.entrySet()) {
                    HttpResponse<String> b = http.get(a.getKey(), ADMIN);
                    assertThat(b.statusCode()).as(a.getKey() + " " + b.body()).isEqualTo(200);
                    assertThat(JSON.readTree(b.body())).as(a.getKey()).isEqualTo(a.getValue());
                }
            }
        } finally {
            source.stop();
            target.stop();
        }
    }

    private EmbeddedServer collector(TimescaleTestServer db) {
        Map<String, Object> props = new HashMap<>(db.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.data.dir", tmp.resolve("data").toString());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "tb");
        props.put("peephole.admin.password", PASSWORD);
        return ApplicationContext.run(EmbeddedServer.class, props);
    }

    /** Points of three series over half an hour and six two-span traces, each batch acknowledged. */
    private static void seed(int grpcPort) throws Exception {
        try (TestAgent agent = new TestAgent(grpcPort, "tb", "tsdb-seed")) {
            agent.sendHello("doorbell");
            agent.next(60);
            for (int b = 0; b < 6; b++) {
                Batch.Builder batch = Batch.newBuilder().setSequence(b + 1);
                for (int s = 0; s < 3; s++) {
                    MetricSeries.Builder m = MetricSeries.newBuilder().setName("tsdb.backup.gauge")
                            .setType(MetricType.METRIC_TYPE_GAUGE)
                            .addLabels(Label.newBuilder().setName("k").setValue("s" + s));
                    for (int i = 0; i < 10; i++) {
                        long t = T0 + (b * 10L + i) * 30_000_000_000L;
                        m.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(s * 1000 + b * 10 + i));
                    }
                    batch.addMetrics(m);
                }
                long start = T0 + b * 300_000_000_000L;
                batch.addSpans(BackupRestoreTest.span(b + 1, 1, 0, "GET /api/events", start, SpanKind.SPAN_KIND_SERVER));
                batch.addSpans(BackupRestoreTest.span(b + 1, 2, 1, "FaceDetector.detect", start + 1_000_000, SpanKind.SPAN_KIND_INTERNAL));
                agent.sendBatch(batch.build());
                assertThat(BackupRestoreTest.ack(agent)).as("batch " + b).isTrue();
            }
        }
    }

    /** Raw points, the 1-minute rollups (through a 5-minute step), series, services and traces. */
    private static String[] paths() {
        long startS = T0 / 1_000_000_000L;
        long endS = startS + 30 * 60;
        return new String[] {
            "/api/v1/query_range?query=" + q("tsdb_backup_gauge") + "&start=" + startS + "&end=" + endS + "&step=30",
            "/api/v1/query_range?query=" + q("sum by (k) (avg_over_time(tsdb_backup_gauge[5m]))") + "&start=" + startS
                    + "&end=" + endS + "&step=300",
            "/api/v1/series?match[]=tsdb_backup_gauge",
            "/api/services/doorbell/operations",
            "/api/traces?service=doorbell&limit=100&start=" + (T0 / 1000) + "&end=" + (NOW_NS / 1000),
            "/api/traces/" + String.format("%032x", 3),
        };
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private interface Command {
        BackupRestoreTest.Cli run() throws Exception;
    }

    /** Runs the backup command line against {@code db}, as {@code -Dpeephole.db.url=...} would. */
    private static BackupRestoreTest.Cli withDatabase(TimescaleTestServer db, Command command) throws Exception {
        System.setProperty("peephole.db.url", db.jdbcUrl());
        System.setProperty("peephole.db.user", "postgres");
        System.setProperty("peephole.db.password", "postgres"); // the test server takes any password
        try {
            // The test server refuses a connection while it still serves the previous one (PGlite:
            // one at a time, a second is closed at once with "Session setup failed"), and the
            // collector stopped just before may not have let go of its session yet on a loaded
            // machine. Only that refusal is tried again; any other failure is the answer.
            BackupRestoreTest.Cli cli = command.run();
            for (int attempt = 1; attempt < 5 && cli.code() != 0 && cli.err().contains("Session setup failed"); attempt++) {
                Thread.sleep(1_000);
                cli = command.run();
            }
            return cli;
        } finally {
            System.clearProperty("peephole.db.url");
            System.clearProperty("peephole.db.user");
            System.clearProperty("peephole.db.password");
        }
    }
}
