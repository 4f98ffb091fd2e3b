package dev.peephole.agent.it;

import static dev.peephole.agent.it.AgentEndToEndIT.JSON;
import static dev.peephole.agent.it.AgentEndToEndIT.eventually;
import static dev.peephole.agent.it.AgentEndToEndIT.httpGet;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's backup test with the real demo: the packaged collector ingests what the agent on the
 * doorbell demo sends; {@code peephole-collector.jar backup} runs against its embedded database
 * while ingest goes on; {@code restore} puts the file into a fresh data directory; a second
 * collector on it answers the same Prometheus and Jaeger queries the same, for a time range that
 * ends before the backup's snapshot.
 */
class BackupUnderDemoIT {
    /** How long before the snapshot the compared range ends: data timed earlier has surely arrived by then. */
    private static final long MARGIN_S = 30;

    @Test
    void aBackupTakenDuringLiveIngestRestoresToACollectorThatAnswersTheSameQueries() throws Exception {
        Path dir = Files.createTempDirectory("peephole-backup-demo-it");
        Path sourceDir = Files.createDirectories(dir.resolve("source"));
        Path targetDir = Files.createDirectories(dir.resolve("target"));
        Path backup = dir.resolve("backup.zip");
        String service = "doorbell-backup";
        long rangeStartS = System.currentTimeMillis() / 1000 - 5;

        CollectorProcess source = new CollectorProcess(sourceDir);
        CollectorProcess target = null;
        int demoPort = CollectorProcess.freePort();
        String args = "collector=127.0.0.1:" + source.grpcPort + ",service=" + service + ",token="
                + CollectorProcess.TOKEN + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s";
        try (AppProcess demo = AppProcess.start(sourceDir.resolve("demo.log"), args, List.of(),
                "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(demoPort), "--fps", "10")) {
            // 1. the demo's traces and span metrics arrive
            eventually(90, () -> httpGet("http://127.0.0.1:" + demoPort + "/api/health"));
            eventually(120, () -> JSON.readTree(source.get("/api/traces?service=" + service
                    + "&operation=Camera.capture&limit=1&lookback=1h")).get("data").size() > 0 ? true : null);
            String callsSelector = "traces_span_metrics_calls_total{service_name=\"" + service + "\"}";
            eventually(120, () -> source.query(callsSelector).contains("\"value\"") ? true : null);
            // enough data before the compared range's end (the snapshot minus the margin)
            Thread.sleep(TimeUnit.SECONDS.toMillis(MARGIN_S + 25));

            // 2. the backup, while the demo keeps sending
            String seriesPath = "/api/v1/series?match[]=" + enc(callsSelector);
            Set<JsonNode> seriesBefore = asSet(JSON.readTree(source.get(seriesPath)).get("data"));
            Set<JsonNode> servicesBefore = asSet(JSON.readTree(source.get("/api/services")).get("data"));
            double spansBefore = ingestCounter(source, "peephole_ingest_spans_total");
            double pointsBefore = ingestCounter(source, "peephole_ingest_points_total");
            long t0 = System.nanoTime();
            Cli backupRun = cli(source.dataDir, sourceDir.resolve("backup.log"), "backup", "--out", backup.toString());
            double backupSeconds = (System.nanoTime() - t0) / 1e9;
            double spansAfter = ingestCounter(source, "peephole_ingest_spans_total");
            double pointsAfter = ingestCounter(source, "peephole_ingest_points_total");
            System.out.printf(Locale.ROOT, "backup under live ingest: %.1f s (process); spans stored %.0f -> %.0f,"
                    + " points %.0f -> %.0f; %d bytes; %s%n", backupSeconds, spansBefore, spansAfter, pointsBefore,
                    pointsAfter, Files.size(backup), lastLine(backupRun.output));
            assertThat(backupRun.exitCode).as("backup exit code; output:\n" + backupRun.output).isZero();
            assertThat(spansAfter).as("spans stored across the backup").isGreaterThan(spansBefore);
            // (points come every 2 s, in fewer and larger batches: printed above, not asserted for a 1 s backup)
            assertThat(ingestCounter(source, "peephole_ingest_batches_total{outcome=\"failed\"}"))
                    .as("failed agent batches").isZero();
            assertThat(demo.isAlive()).isTrue();
            String demoOut = demo.output();
            assertThat(demoOut).as("the demo's agent saw no error")
                    .doesNotContain("peephole-agent] WARN").doesNotContain("peephole-agent] ERROR")
                    .doesNotContain("Exception");
            Set<JsonNode> seriesAfter = asSet(JSON.readTree(source.get(seriesPath)).get("data"));
            Set<JsonNode> servicesAfter = asSet(JSON.readTree(source.get("/api/services")).get("data"));

            // 3. the source's answers for a range ending before the snapshot
            Instant createdAt;
            try (ZipFile zip = new ZipFile(backup.toFile()); InputStream in = zip.getInputStream(zip.getEntry("manifest.json"))) {
                createdAt = Instant.parse(JSON.readTree(in).get("createdAt").asText());
            }
            long rangeEndS = createdAt.getEpochSecond() - MARGIN_S;
            assertThat(rangeEndS).as("the range holds data").isGreaterThan(rangeStartS + 20);
            Map<String, JsonNode> expected = new LinkedHashMap<>();
            for (String path : comparedQueries(service, rangeStartS, rangeEndS)) {
                expected.put(path, JSON.readTree(source.get(path)));
            }
            JsonNode traces = expected.values().stream().filter(n -> n.has("data") && n.get("data").isArray()
                    && n.get("data").size() > 0 && n.get("data").get(0).has("traceID")).findFirst().orElseThrow()
                    .get("data");
            String oneTrace = "/api/traces/" + traces.get(0).get("traceID").asText();
            expected.put(oneTrace, JSON.readTree(source.get(oneTrace)));
            int spans = 0;
            for (JsonNode t : traces) {
                spans += t.get("spans").size();
            }
            assertThat(traces.size()).as("traces in the compared range").isGreaterThan(50);
            for (JsonNode answer : expected.values()) {
                JsonNode data = answer.get("data");
                JsonNode result = data.isObject() ? data.get("result") : data;
                assertThat(result.size()).as("every compared answer holds data: " + answer).isGreaterThan(0);
            }

            // 4. restore into a fresh data directory, a second collector on it
            Path restoredData = targetDir.resolve("collector-data");
            Cli restoreRun = cli(restoredData, targetDir.resolve("restore.log"), "restore", "--in", backup.toString());
            assertThat(restoreRun.exitCode).as("restore exit code; output:\n" + restoreRun.output).isZero();
            target = new CollectorProcess(targetDir);
            assertThat(target.httpPort).isNotEqualTo(source.httpPort);
            for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
                JsonNode actual = JSON.readTree(target.get(e.getKey()));
                assertThat(canonical(actual)).as(e.getKey()).isEqualTo(canonical(e.getValue()));
            }
            // series and services have no time range: the restored ones lie between the source's before and
            // after the backup (exactly equal when nothing new appeared meanwhile)
            Set<JsonNode> seriesRestored = asSet(JSON.readTree(target.get(seriesPath)).get("data"));
            assertThat(seriesRestored).isNotEmpty().containsAll(seriesBefore);
            assertThat(seriesAfter).containsAll(seriesRestored);
            Set<JsonNode> servicesRestored = asSet(JSON.readTree(target.get("/api/services")).get("data"));
            assertThat(servicesRestored).contains(JSON.getNodeFactory().textNode(service)).containsAll(servicesBefore);
            assertThat(servicesAfter).containsAll(servicesRestored);
            System.out.println("restored collector answered " + (expected.size() + 2) + " queries as the source did ("
                    + traces.size() + " traces, " + spans + " spans in the range of " + (rangeEndS - rangeStartS)
                    + " s); " + lastLine(restoreRun.output));
            assertThat(demo.stop()).isIn(0, 130, 143);
        } finally {
            if (target != null) {
                target.stop();
            }
            source.stop();
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static List<String> comparedQueries(String service, long startS, long endS) {
        String range = "&start=" + startS + "&end=" + endS + "&step=5";
        String sel = "traces_span_metrics_calls_total{service_name=\"" + service + "\"";
        return List.of(
                "/api/v1/query_range?query=" + enc("sum by (span_name) (" + sel + "})") + range,
                "/api/v1/query_range?query=" + enc(sel + ",span_name=\"FaceDetector.detect\"}") + range,
                "/api/v1/query_range?query=" + enc("sum by (span_name) (rate(" + sel + "}[30s]))") + range,
                "/api/traces?service=" + service + "&limit=1500&start=" + startS * 1_000_000 + "&end=" + endS * 1_000_000);
    }

    /**
     * The answer with each trace's spans sorted by start time, then span id: the Jaeger API orders a
     * trace's spans by start time only, and spans starting in the same microsecond have no defined order.
     */
    private static JsonNode canonical(JsonNode answer) {
        JsonNode copy = answer.deepCopy();
        JsonNode data = copy.get("data");
        if (data != null && data.isArray()) {
            for (JsonNode t : data) {
                if (t.has("spans")) {
                    List<JsonNode> spans = new ArrayList<>();
                    t.get("spans").forEach(spans::add);
                    spans.sort(Comparator.comparingLong((JsonNode s) -> s.get("startTime").asLong())
                            .thenComparing(s -> s.get("spanID").asText()));
                    ArrayNode sorted = JSON.createArrayNode();
                    spans.forEach(sorted::add);
                    ((ObjectNode) t).set("spans", sorted);
                }
            }
        }
        return copy;
    }

    private static Set<JsonNode> asSet(JsonNode array) {
        Set<JsonNode> set = new HashSet<>();
        array.forEach(set::add);
        return set;
    }

    /** A line of the collector's own /metrics (Prometheus text), by its name and labels as printed. */
    private static double ingestCounter(CollectorProcess c, String nameAndLabels) throws Exception {
        String plain = nameAndLabels.contains("{") ? nameAndLabels.substring(0, nameAndLabels.indexOf('{')) : nameAndLabels;
        String labels = nameAndLabels.contains("{") ? nameAndLabels.substring(nameAndLabels.indexOf('{') + 1,
                nameAndLabels.length() - 1) : null;
        for (String line : c.get("/metrics").split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(plain + " ") || line.startsWith(plain + "{"))) {
                continue;
            }
            if (labels == null || line.contains(labels)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(nameAndLabels + " is not on the collector's /metrics");
    }

    private static final class Cli {
        final int exitCode;
        final String output;

        Cli(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** {@code java -jar peephole-collector.jar <args>} on the given data directory; its exit code and output. */
    private static Cli cli(Path dataDir, Path log, String... args) throws Exception {
        Path jar = Path.of(System.getProperty("peephole.collector.jar", "../collector/target/peephole-collector.jar"));
        List<String> cmd = new ArrayList<>(List.of(CollectorProcess.java(), "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PEEPHOLE_"));
        pb.environment().put("PEEPHOLE_DATA_DIR", dataDir.toString());
        Process p = pb.start();
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", args) + " did not end within 300 s: " + Files.readString(log));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        return new Cli(p.exitValue(), Files.readString(log));
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
