package dev.peephole.collector.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestPostgres;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanKind;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup of a collector that keeps ingesting, restore into a fresh data directory (the CLI
 * starting the embedded PostgreSQL there) and into an empty external database, the same
 * Prometheus and Jaeger answers from the restored collector, and each refused restore.
 */
class BackupRestoreTest {

    private static final String PASSWORD = "backup-admin-1";
    private static final String ADMIN = Http.basic("admin", PASSWORD);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW_NS = System.currentTimeMillis() * 1_000_000L;
    private static final long T0 = NOW_NS - 30 * 60_000_000_000L;

    @TempDir
    static Path tmp;
    private static EmbeddedServer source;
    private static Http sourceHttp;
    private static String sourceUrl;
    private static Path backup;
    private static BackupManifest manifest;
    private static int acksBefore;
    private static int acksAfter;
    private static String apiToken;

    @BeforeAll
    static void seedAndBackUpWhileIngesting() throws Exception {
        sourceUrl = TestPostgres.newDatabase();
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", sourceUrl);
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "bt");
        props.put("peephole.admin.password", PASSWORD);
        source = ApplicationContext.run(EmbeddedServer.class, props);
        sourceHttp = new Http(source);
        int port = source.getApplicationContext().getBean(AgentGrpcServer.class).port();

        assertThat(sourceHttp.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"vera\",\"password\":\"vera-pass-1\",\"role\":\"viewer\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> token = sourceHttp.send("POST", "/api/v1/tokens", Http.basic("vera", "vera-pass-1"),
                "{\"name\":\"grafana\"}");
        apiToken = JSON.readTree(token.body()).get("data").get("token").asText();

        try (TestAgent seed = new TestAgent(port, "bt", "seed-1")) {
            seed.sendHello("doorbell");
            seed.next(20);
            for (int b = 0; b < 18; b++) {
                Batch.Builder batch = Batch.newBuilder().setSequence(b + 1);
                for (int s = 0; s < 4; s++) {
                    MetricSeries.Builder m = MetricSeries.newBuilder().setName("backup.test.gauge")
                            .setType(MetricType.METRIC_TYPE_GAUGE)
                            .addLabels(Label.newBuilder().setName("k").setValue("s" + s));
                    for (int i = 0; i < 10; i++) {
                        long t = T0 + ((b * 10L + i) * 10_000_000_000L);
                        m.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(s * 1000 + b * 10 + i));
                    }
                    batch.addMetrics(m);
                }
                long start = T0 + b * 100_000_000_000L;
                batch.addSpans(span(b + 1, 1, 0, "GET /api/events", start, SpanKind.SPAN_KIND_SERVER));
                batch.addSpans(span(b + 1, 2, 1, "FaceDetector.detect", start + 1_000_000, SpanKind.SPAN_KIND_INTERNAL));
                seed.sendBatch(batch.build());
                assertThat(ack(seed)).as("batch " + b).isTrue();
            }
        }

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acks = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread live = new Thread(() -> {
            try (TestAgent agent = new TestAgent(port, "bt", "live-1")) {
                agent.sendHello("live");
                agent.next(20);
                for (int seq = 1; !stop.get(); seq++) {
                    long t = System.currentTimeMillis() * 1_000_000L;
                    agent.sendBatch(Batch.newBuilder().setSequence(seq)
                            .addMetrics(MetricSeries.newBuilder().setName("live.gauge").setType(MetricType.METRIC_TYPE_GAUGE)
                                    .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(seq)))
                            .addSpans(span(1_000_000 + seq, 1, 0, "tick", t, SpanKind.SPAN_KIND_SERVER)).build());
                    if (!ack(agent)) {
                        throw new AssertionError("live batch " + seq + " not acknowledged");
                    }
                    acks.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "live-ingest");
        live.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (acks.get() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        acksBefore = acks.get();
        backup = tmp.resolve("peephole.zip");
        System.setProperty("peephole.db.url", sourceUrl);
        System.setProperty("peephole.db.user", "postgres");
        try {
            Cli cli = Cli.run("backup", "--out", backup.toString());
            assertThat(cli.code).as(cli.err).isZero();
            assertThat(cli.out).contains("Backed up").contains("rows/s");
        } finally {
            System.clearProperty("peephole.db.url");
            System.clearProperty("peephole.db.user");
        }
        int atBackupEnd = acks.get();
        deadline = System.nanoTime() + 60_000_000_000L;
        while (acks.get() < atBackupEnd + 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        acksAfter = acks.get();
        stop.set(true);
        live.join(60_000);
        assertThat(failure.get()).isNull();
        manifest = BackupRestorer.verify(backup);
    }

    @AfterAll
    static void stop() {
        if (source != null) {
            source.close();
        }
    }

    private static boolean ack(TestAgent agent) throws InterruptedException {
        for (CollectorMessage m = agent.next(30); m != null; m = agent.next(30)) {
            if (m.hasAck()) {
                return true;
            }
        }
        return false;
    }

    private static Span span(long trace, long id, long parent, String name, long start, SpanKind kind) {
        Span.Builder s = Span.newBuilder().setTraceId(TestAgent.id(16, trace)).setSpanId(TestAgent.id(8, id))
                .setName(name).setKind(kind).setStartTimeUnixNano(start).setEndTimeUnixNano(start + 5_000_000);
        if (parent != 0) {
            s.setParentSpanId(TestAgent.id(8, parent));
        }
        return s.build();
    }

    @Test
    void theManifestDescribesTheSnapshotAndIngestWentOnDuringTheBackup() throws Exception {
        assertThat(manifest.schemaVersion()).isNotBlank();
        assertThat(manifest.flavour()).isEqualTo("postgres");
        assertThat(manifest.tables()).extracting(BackupManifest.Table::name)
                .contains("metric_series", "metric_points", "spans", "users", "api_tokens", "audit_log", "alert_rules",
                        "metric_rollup_1m", "security_events", "report_schedules", "reports", "report_charts")
                .doesNotContain("flyway_schema_history", "dashboard_sessions");
        // users before api_tokens: restore loads in this order
        assertThat(manifest.tables().stream().map(BackupManifest.Table::name).toList().indexOf("users"))
                .isLessThan(manifest.tables().stream().map(BackupManifest.Table::name).toList().indexOf("api_tokens"));
        BackupManifest.Table points = table("metric_points");
        assertThat(points.rows()).isGreaterThanOrEqualTo(18 * 4 * 10);
        assertThat(points.partitions()).isNotEmpty();
        assertThat(manifest.timeRange().from()).isNotNull();
        assertThat(java.time.Instant.parse(manifest.timeRange().from()).toEpochMilli())
                .isLessThanOrEqualTo(T0 / 1_000_000);
        assertThat(manifest.payloadSha256()).hasSize(64);
        assertThat(acksAfter).as("live ingest kept being acknowledged after the backup").isGreaterThan(acksBefore);
    }

    private static BackupManifest.Table table(String name) {
        return manifest.tables().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void restoreIntoAnEmptyExternalDatabaseLoadsExactlyTheSnapshot() throws Exception {
        String url = TestPostgres.newDatabase();
        long bulk = BackupRestorer.bulkRows;
        BackupRestorer.bulkRows = 1; // every table with rows loads without its secondary indexes, rebuilt after
        try (Connection c = DriverManager.getConnection(url, "postgres", null)) {
            BackupRestorer.Result r;
            try {
                r = BackupRestorer.restore(backup, c, false, line -> { });
            } finally {
                BackupRestorer.bulkRows = bulk;
            }
            try (Connection src = DriverManager.getConnection(sourceUrl, "postgres", null)) {
                assertThat(indexes(c)).as("the same indexes as the source").isEqualTo(indexes(src));
            }
            assertThat(r.rows()).isEqualTo(manifest.totalRows());
            for (BackupManifest.Table t : manifest.tables()) {
                assertThat(count(c, t.name())).as(t.name()).isEqualTo(t.rows());
            }
            // sequences continue past the restored ids
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO audit_log (actor, action) VALUES ('test', 'after-restore')");
            }
        }
    }

    @Test
    void restoreIntoAFreshDataDirectoryAnswersTheSameQueries() throws Exception {
        Path dataDir = tmp.resolve("restored");
        System.setProperty("peephole.data.dir", dataDir.toString());
        Cli cli;
        try {
            cli = Cli.run("restore", "--in", backup.toString());
        } finally {
            System.clearProperty("peephole.data.dir");
        }
        assertThat(cli.code).as(cli.err + cli.out).isZero();
        assertThat(cli.out).contains("Restored");

        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.data.dir", dataDir.toString());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "bt");
        props.put("peephole.admin.password", "ignored-as-admin-exists");
        try (EmbeddedServer target = ApplicationContext.run(EmbeddedServer.class, props)) {
            Http targetHttp = new Http(target);
            long startS = T0 / 1_000_000_000L;
            long endS = startS + 30 * 60;
            String[] paths = {
                "/api/v1/query_range?query=" + q("backup_test_gauge") + "&start=" + startS + "&end=" + endS + "&step=15",
                "/api/v1/query_range?query=" + q("sum by (k) (avg_over_time(backup_test_gauge[5m]))") + "&start=" + startS
                        + "&end=" + endS + "&step=60",
                "/api/v1/series?match[]=backup_test_gauge",
                "/api/services",
                "/api/services/doorbell/operations",
                "/api/traces?service=doorbell&limit=100&start=" + (T0 / 1000) + "&end=" + (NOW_NS / 1000),
                "/api/traces/" + hex(3),
            };
            for (String path : paths) {
                HttpResponse<String> a = sourceHttp.get(path, ADMIN);
                HttpResponse<String> b = targetHttp.get(path, ADMIN);
                assertThat(a.statusCode()).as(path + " " + a.body()).isEqualTo(200);
                assertThat(b.statusCode()).as(path).isEqualTo(200);
                assertThat(JSON.readTree(b.body())).as(path).isEqualTo(JSON.readTree(a.body()));
            }
            JsonNode traces = JSON.readTree(targetHttp.get(paths[5], ADMIN).body());
            assertThat(traces.get("data")).hasSize(18);
            JsonNode range = JSON.readTree(targetHttp.get(paths[0], ADMIN).body());
            assertThat(range.get("data").get("result")).hasSize(4);
            // users, their passwords and API tokens came back too
            assertThat(targetHttp.get("/api/v1/query?query=1", Http.basic("vera", "vera-pass-1")).statusCode()).isEqualTo(200);
            assertThat(targetHttp.get("/api/v1/query?query=1", "Bearer " + apiToken).statusCode()).isEqualTo(200);

            // A backup of a data directory whose collector runs connects to that collector's
            // PostgreSQL (postmaster.pid) instead of starting a second one on the same files.
            System.setProperty("peephole.data.dir", dataDir.toString());
            Cli live;
            try {
                live = Cli.run("backup", "--out", tmp.resolve("second.zip").toString());
            } finally {
                System.clearProperty("peephole.data.dir");
            }
            assertThat(live.code).as(live.err).isZero();
            assertThat(live.out).contains("the running embedded database of " + dataDir);
            BackupManifest second = BackupRestorer.verify(tmp.resolve("second.zip"));
            assertThat(second.tables().stream().filter(t -> t.name().equals("spans")).findFirst().orElseThrow().rows())
                    .isEqualTo(table("spans").rows());
        }

        // Restoring again over it is refused (not empty) unless forced.
        System.setProperty("peephole.data.dir", dataDir.toString());
        try {
            Cli again = Cli.run("restore", "--in", backup.toString());
            assertThat(again.code).isEqualTo(1);
            assertThat(again.err).contains("restore refused: the target database is not empty");
            Cli forced = Cli.run("restore", "--in", backup.toString(), "--force");
            assertThat(forced.code).as(forced.err).isZero();
        } finally {
            System.clearProperty("peephole.data.dir");
        }
    }

    @Test
    void aNonEmptyTargetIsRefusedAndKeptAsItWas() throws Exception {
        long users;
        try (Connection c = DriverManager.getConnection(sourceUrl, "postgres", null)) {
            users = count(c, "users");
            BackupRestorer.Refused e = refused(() -> BackupRestorer.restore(backup, c, false, line -> { }));
            assertThat(e.getMessage()).contains("the target database is not empty").contains("--force");
            assertThat(count(c, "users")).isEqualTo(users);
        }
    }

    @Test
    void aTruncatedFileIsRefusedWithNothingChanged() throws Exception {
        Path cut = tmp.resolve("cut.zip");
        byte[] all = Files.readAllBytes(backup);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertRefusedOnEmptyDatabase(cut, "is truncated or damaged");
    }

    @Test
    void aTamperedFileIsRefusedWithNothingChanged() throws Exception {
        Path changed = tmp.resolve("changed.zip");
        String points = table("metric_points").entry();
        rewrite(backup, changed, (name, bytes) -> {
            if (name.equals(points)) {
                bytes[bytes.length / 2] ^= 0x01; // a value changed, entry rewritten with a valid CRC
            }
            return bytes;
        });
        assertRefusedOnEmptyDatabase(changed, "checksum of table metric_points does not match");

        Path flipped = tmp.resolve("flipped.zip");
        byte[] all = Files.readAllBytes(backup);
        all[all.length / 3] ^= 0x10; // a bit flipped in the compressed data
        Files.write(flipped, all);
        BackupRestorer.Refused e = refused(() -> BackupRestorer.verify(flipped));
        assertThat(e.getMessage()).containsAnyOf("truncated or damaged", "changed or damaged");
    }

    @Test
    void aNewerSchemaIsRefusedWithNothingChanged() throws Exception {
        Path newer = tmp.resolve("newer.zip");
        rewrite(backup, newer, (name, bytes) -> {
            if (!name.equals(BackupManifest.ENTRY)) {
                return bytes;
            }
            try {
                ObjectNode m = (ObjectNode) JSON.readTree(bytes);
                m.put("schemaVersion", "999");
                return JSON.writeValueAsBytes(m);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertRefusedOnEmptyDatabase(newer, "the backup's schema version 999 is newer than this collector knows");
    }

    private static void assertRefusedOnEmptyDatabase(Path file, String message) throws Exception {
        String url = TestPostgres.newDatabase();
        System.setProperty("peephole.db.url", url);
        System.setProperty("peephole.db.user", "postgres");
        Cli cli;
        try {
            cli = Cli.run("restore", "--in", file.toString());
        } finally {
            System.clearProperty("peephole.db.url");
            System.clearProperty("peephole.db.user");
        }
        assertThat(cli.code).isEqualTo(1);
        assertThat(cli.err.strip()).startsWith("restore refused: ").contains(message);
        assertThat(cli.err.strip().lines().count()).as("one clear line").isEqualTo(1);
        try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")) {
            rs.next();
            assertThat(rs.getLong(1)).as("nothing created in the target").isZero();
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static BackupRestorer.Refused refused(Action a) throws Exception {
        try {
            a.run();
        } catch (BackupRestorer.Refused e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

    private static void rewrite(Path from, Path to, BiFunction<String, byte[], byte[]> change) throws Exception {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to);
             ZipOutputStream out = new ZipOutputStream(os)) {
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                byte[] bytes;
                try (InputStream is = in.getInputStream(e)) {
                    bytes = is.readAllBytes();
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(change.apply(e.getName(), bytes));
                out.closeEntry();
            }
        }
    }

    private static java.util.List<String> indexes(Connection c) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' "
                     + "AND tablename <> 'flyway_schema_history' ORDER BY indexname")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SchemaCatalog.quote(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String hex(long trace) {
        return String.format("%032x", trace);
    }

    /** The command line, in process: exit code and what it printed. */
    record Cli(int code, String out, String err) {
        static Cli run(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = new BackupCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
