package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.DoorbellAgentData;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (the Debian package's {@code /usr/bin/prometheus}) scrapes the collector's
 * {@code /metrics} and {@code /federate} with a bearer API token; its own query API then
 * holds the collector's self-metrics and the federated series with the values the
 * collector stored. A wrong token makes the target {@code down}.
 */
class PrometheusScrapeTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String AGENT = "prom-scrape-agent";
    private static final long DEADLINE_MS = 120_000;

    @TempDir
    static Path dir;
    private static EmbeddedServer server;
    private static Http http;
    private static Process prometheus;
    private static String promUrl;

    static String binary() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, "prometheus");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("prometheus is not installed: this test needs the real Prometheus "
                + "(Debian package prometheus, installed by ./peephole test: apt-get install prometheus)");
    }

    @BeforeAll
    static void start() throws Exception {
        String bin = binary();
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "scrape-agent-token");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        int grpc = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
        long[] accepted = DoorbellAgentData.send(grpc, "scrape-agent-token", AGENT, "doorbell-scrape", 3);
        assertThat(accepted[0]).isPositive();
        // Label values and numbers that test the exposition's escaping and number format.
        try (TestAgent agent = new TestAgent(grpc, "scrape-agent-token", AGENT + "-odd")) {
            agent.sendHello("doorbell-scrape");
            agent.next(30);
            long t = System.currentTimeMillis() * 1_000_000L;
            Batch.Builder b = Batch.newBuilder().setSequence(1);
            String[][] odd = {{"quote \"and\" backslash \\ end", "1e+300"}, {"line\nbreak", "2.5e-300"},
                    {"t\u00fcr \u2013 \u00e9t\u00e9", "-0.000123"}, {"plain", "123456789012345678"}};
            for (String[] o : odd) {
                b.addMetrics(MetricSeries.newBuilder().setName("door.odd").setUnit("1").setType(MetricType.METRIC_TYPE_GAUGE)
                        .addLabels(Label.newBuilder().setName("note").setValue(o[0]))
                        .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(Double.parseDouble(o[1]))));
            }
            agent.sendBatch(b.build());
            CollectorMessage ack = agent.next(60);
            while (ack != null && !ack.hasAck()) {
                ack = agent.next(60);
            }
            assertThat(ack).isNotNull();
            assertThat(ack.getAck().getAcceptedPoints()).isEqualTo(odd.length);
        }

        // An API token for Prometheus, made the way a user makes one.
        java.net.http.HttpResponse<String> created = http.send("POST", "/api/v1/tokens", ADMIN, "{\"name\":\"prometheus\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Matcher m = Pattern.compile("\"token\":\"(php_[^\"]+)\"").matcher(created.body());
        assertThat(m.find()).isTrue();
        String token = m.group(1);

        URI collector = URI.create(server.getURL().toString());
        String target = "127.0.0.1:" + collector.getPort();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("global", Map.of("scrape_interval", "2s", "scrape_timeout", "2s", "evaluation_interval", "1m"));
        config.put("scrape_configs", List.of(
                job("peephole", "/metrics", token, target, false, null),
                job("peephole-federate", "/federate", token, target, true,
                        Map.of("match[]", List.of("{service_name=\"doorbell-scrape\"}"))),
                job("peephole-wrong-token", "/metrics", "php_not-a-real-token", target, false, null)));
        Path configFile = dir.resolve("prometheus.yml");
        new YAMLMapper().writeValue(configFile.toFile(), config);
        Path data = Files.createDirectory(dir.resolve("tsdb"));
        int port = FreePorts.next();
        Path log = dir.resolve("prometheus.log");
        prometheus = new ProcessBuilder(bin, "--config.file=" + configFile, "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        promUrl = "http://127.0.0.1:" + port;
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            try {
                if (CLIENT.send(HttpRequest.newBuilder(URI.create(promUrl + "/-/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            if (!prometheus.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("Prometheus did not get ready: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    private static Map<String, Object> job(String name, String path, String credentials, String target, boolean honorLabels,
                                           Map<String, Object> params) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("job_name", name);
        job.put("metrics_path", path);
        job.put("honor_labels", honorLabels);
        if (params != null) {
            job.put("params", params);
        }
        job.put("authorization", Map.of("type", "Bearer", "credentials", credentials));
        job.put("static_configs", List.of(Map.of("targets", List.of(target))));
        return job;
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode promQuery(String query) throws Exception {
        return JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(promUrl + "/api/v1/query?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Polls Prometheus until the query's result satisfies {@code ok}; the last result otherwise fails the test. */
    private static JsonNode await(String query, Predicate<JsonNode> ok) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        JsonNode last;
        while (true) {
            last = promQuery(query);
            if ("success".equals(last.path("status").asText()) && ok.test(last.at("/data/result"))) {
                return last.at("/data/result");
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("Prometheus never answered " + query + " as expected; last answer: " + last
                        + "\ntargets: " + targets() + "\nlog: " + Files.readString(dir.resolve("prometheus.log")));
            }
            Thread.sleep(500);
        }
    }

    private static JsonNode targets() throws Exception {
        return JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(promUrl + "/api/v1/targets")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void prometheusScrapesTheCollectorsOwnMetrics() throws Exception {
        JsonNode up = await("up{job=\"peephole\"}", r -> r.size() == 1 && "1".equals(r.at("/0/value/1").asText()));
        assertThat(up.at("/0/metric/instance").asText()).startsWith("127.0.0.1:");
        // The collector counted the points it ingested above; Prometheus has that counter now.
        JsonNode points = await("peephole_ingest_points_total{job=\"peephole\"}",
                r -> r.size() >= 1 && r.at("/0/value/1").asDouble() > 0);
        assertThat(points.at("/0/metric/job").asText()).isEqualTo("peephole");
        // JVM metrics of the collector process itself come along.
        await("jvm_memory_used_bytes{job=\"peephole\"}", r -> r.size() >= 1);
    }

    @Test
    void prometheusFederatesTheIngestedSeriesWithTheirOwnLabelsAndValues() throws Exception {
        await("up{job=\"peephole-federate\"}", r -> r.size() == 1 && "1".equals(r.at("/0/value/1").asText()));
        String sel = "system_cpu_utilization_ratio{instance=\"" + AGENT + "\"}";
        JsonNode cpu = await(sel, r -> r.size() == 1);
        // honor_labels keeps the series' own instance (the agent id) and its service and host.
        assertThat(cpu.at("/0/metric/service_name").asText()).isEqualTo("doorbell-scrape");
        assertThat(cpu.at("/0/metric/host_name").asText()).isEqualTo("test-host");
        assertThat(cpu.at("/0/metric/job").asText()).isEqualTo("peephole-federate");
        // The same latest sample as the collector's own query API holds.
        JsonNode ours = JSON.readTree(http.get("/api/v1/query?query=" + URLEncoder.encode(sel, StandardCharsets.UTF_8), ADMIN).body());
        assertThat(cpu.at("/0/value/1").asText()).isEqualTo(ours.at("/data/result/0/value/1").asText());

        // Histograms and labelled series survive the round trip: bucket series with le, all the memory pools.
        JsonNode buckets = await("traces_span_metrics_duration_seconds_bucket{instance=\"" + AGENT
                + "\",span_name=\"FaceRecognizer.recognize\",recognition_result=\"KNOWN\"}", r -> r.size() == 17);
        assertThat(buckets.findValuesAsText("le")).contains("0.1", "+Inf");
        JsonNode pools = await("jvm_memory_used_bytes{instance=\"" + AGENT + "\"}", r -> r.size() == 5);
        assertThat(pools.findValuesAsText("jvm_memory_pool_name")).contains("CodeHeap 'non-profiled nmethods'");
        // PromQL in Prometheus over the federated counters works as over the collector's.
        await("sum(traces_span_metrics_calls_total{instance=\"" + AGENT + "\",span_name=\"FaceRecognizer.recognize\"})",
                r -> r.size() == 1 && r.at("/0/value/1").asDouble() > 0);
    }

    @Test
    void labelValuesThatNeedEscapingAndExtremeNumbersArriveUnchanged() throws Exception {
        String sel = "door_odd_ratio{instance=\"" + AGENT + "-odd\"}";
        JsonNode theirs = await(sel, r -> r.size() == 4);
        JsonNode ours = JSON.readTree(http.get("/api/v1/query?query=" + URLEncoder.encode(sel, StandardCharsets.UTF_8), ADMIN).body())
                .at("/data/result");
        assertThat(ours.size()).isEqualTo(4);
        Map<String, String> expected = new HashMap<>();
        ours.forEach(s -> expected.put(s.at("/metric/note").asText(), s.at("/value/1").asText()));
        Map<String, String> got = new HashMap<>();
        theirs.forEach(s -> got.put(s.at("/metric/note").asText(), s.at("/value/1").asText()));
        assertThat(got).isEqualTo(expected);
        assertThat(got).containsEntry("quote \"and\" backslash \\ end", "1e+300").containsEntry("line\nbreak", "2.5e-300")
                .containsEntry("t\u00fcr \u2013 \u00e9t\u00e9", "-0.000123").containsEntry("plain", "123456789012345680");
    }

    @Test
    void aWrongTokenMakesTheTargetDown() throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        JsonNode target = null;
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode t : targets().at("/data/activeTargets")) {
                if ("peephole-wrong-token".equals(t.at("/labels/job").asText()) && "down".equals(t.path("health").asText())) {
                    target = t;
                }
            }
            if (target != null) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(target).as("the wrong-token target never went down: " + targets()).isNotNull();
        assertThat(target.path("lastError").asText()).contains("401");
        await("up{job=\"peephole-wrong-token\"}", r -> r.size() == 1 && "0".equals(r.at("/0/value/1").asText()));
        // The right token on the same collector at the same time is up.
        await("up{job=\"peephole\"}", r -> r.size() == 1 && "1".equals(r.at("/0/value/1").asText()));
    }
}
