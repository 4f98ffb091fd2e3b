package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged agent on the packaged demo, against the packaged collector on its embedded
 * database: what the agent sends arrives and can be queried.
 */
class AgentEndToEndIT {
    static Path dir;
    static CollectorProcess collector;

    @BeforeAll
    static void startCollector() throws Exception {
        dir = Files.createTempDirectory("peephole-agent-it");
        collector = new CollectorProcess(dir);
    }

    @AfterAll
    static void stopCollector() throws Exception {
        if (collector != null) {
            collector.stop();
        }
    }

    static String agentArgs(String service) {
        return "collector=127.0.0.1:" + collector.grpcPort + ",service=" + service + ",token=" + CollectorProcess.TOKEN
                + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s";
    }

    @Test
    void theDemoRunsWithTheAgentWhichConnectsAndSendsItsMetrics() throws Exception {
        int httpPort = CollectorProcess.freePort();
        try (AppProcess demo = AppProcess.start(dir.resolve("demo-basic.log"), agentArgs("doorbell-basic"), List.of(),
                "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(httpPort), "--fps", "10")) {
            String health = eventually(60, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health"));
            assertThat(health).contains("\"status\":\"UP\"");

            String agents = eventually(60, () -> {
                String body = collector.get("/api/v1/agents");
                return body.contains("doorbell-basic") && body.contains("connected") ? body : null;
            });
            assertThat(agents).contains("doorbell-basic@");

            String sent = eventually(60, () -> {
                String body = collector.query("peephole_agent_batches_sent_total{service_name=\"doorbell-basic\"}");
                return body.contains("\"value\"") ? body : null;
            });
            assertThat(sent).contains("\"instance\":\"doorbell-basic@");

            // host and JVM metrics, in their Prometheus form
            for (String q : new String[] {
                "jvm_memory_used_bytes{service_name=\"doorbell-basic\",jvm_memory_type=\"heap\"}",
                "jvm_thread_count{service_name=\"doorbell-basic\"}",
                "jvm_class_count{service_name=\"doorbell-basic\"}",
                "jvm_cpu_recent_utilization_ratio{service_name=\"doorbell-basic\"}",
                "system_cpu_utilization_ratio{service_name=\"doorbell-basic\"}",
                "system_cpu_load_average_1m{service_name=\"doorbell-basic\"}",
                "system_memory_usage_bytes{service_name=\"doorbell-basic\",system_memory_state=\"used\"}",
                "system_network_io_bytes_total{service_name=\"doorbell-basic\"}",
                "process_memory_usage_bytes{service_name=\"doorbell-basic\"}",
            }) {
                eventually(30, () -> collector.query(q).contains("\"value\"") ? q : null);
            }

            // the agent's threads: daemon, named peephole-*; no library thread names leak out
            List<String> threads = demo.threadLines();
            assertThat(threads).anyMatch(l -> l.startsWith("\"peephole-sender\""))
                    .anyMatch(l -> l.startsWith("\"peephole-metrics\""))
                    .anyMatch(l -> l.startsWith("\"peephole-grpc-io"));
            assertThat(threads).filteredOn(l -> l.startsWith("\"peephole-")).allMatch(l -> l.contains(" daemon "));
            assertThat(threads).noneMatch(l -> l.startsWith("\"grpc-") || l.startsWith("\"BatchSpanProcessor")
                    || l.startsWith("\"pool-") || l.startsWith("\"OkHttp") || l.startsWith("\"Thread-"));

            String out = demo.output();
            long agentLines = out.lines().filter(l -> l.contains("[peephole-agent]")).count();
            assertThat(agentLines).as("the agent's lines in the app's output:\n" + out).isLessThanOrEqualTo(2);
            assertThat(out).contains("peephole-agent").contains("started for service doorbell-basic");
            assertThat(out).doesNotContain("Exception").doesNotContain("VM warning");
            assertThat(demo.stop()).isIn(0, 130, 143);
        }
    }

    @Test
    void oneTracePerFrameWithNestedDetectionAndRecognitionSpansServerSpansAndSpanMetrics() throws Exception {
        int httpPort = CollectorProcess.freePort();
        String service = "doorbell-traces";
        try (AppProcess demo = AppProcess.start(dir.resolve("demo-traces.log"), agentArgs(service), List.of(),
                "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(httpPort), "--fps", "10")) {
            eventually(60, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health"));
            assertThat(httpGet("http://127.0.0.1:" + httpPort + "/api/events?limit=5")).contains("\"events\"");

            // a frame with a recognised face: capture -> analyze -> detect + recognize, one trace
            JsonNode trace = eventually(120, () -> {
                JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=FaceRecognizer.recognize&limit=20&lookback=1h")).get("data");
                for (JsonNode t : data) {
                    if (spanNamed(t, "Camera.capture") != null && spanNamed(t, "FaceDetector.detect") != null
                            && spanNamed(t, "MotionDetector.detect") != null) {
                        return t;
                    }
                }
                return null;
            });
            JsonNode capture = spanNamed(trace, "Camera.capture");
            JsonNode motion = spanNamed(trace, "MotionDetector.detect");
            JsonNode analyze = spanNamed(trace, "DoorbellPipeline.analyze");
            JsonNode detect = spanNamed(trace, "FaceDetector.detect");
            JsonNode recognize = spanNamed(trace, "FaceRecognizer.recognize");
            assertThat(parentOf(capture)).as("the capture span is the frame's root").isNull();
            assertThat(parentOf(motion)).isEqualTo(capture.get("spanID").asText());
            assertThat(parentOf(analyze)).isEqualTo(capture.get("spanID").asText());
            assertThat(parentOf(detect)).isEqualTo(analyze.get("spanID").asText());
            assertThat(parentOf(recognize)).isEqualTo(analyze.get("spanID").asText());
            assertThat(tag(recognize, "recognition.result")).isIn("KNOWN", "UNKNOWN", "BLACKLISTED");
            assertThat(tag(recognize, "recognition.confidence")).isNotNull();
            assertThat(tag(recognize, "frame.id")).isEqualTo(tag(capture, "frame.id"));
            assertThat(tag(detect, "faces.count")).isNotNull();

            // the frame's events are in the same trace once the event processor has it
            JsonNode withEvents = eventually(60, () -> {
                JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=EventProcessor.process&limit=20&lookback=1h")).get("data");
                for (JsonNode t : data) {
                    JsonNode ep = spanNamed(t, "EventProcessor.process");
                    JsonNode cap = spanNamed(t, "Camera.capture");
                    if (ep != null && cap != null && cap.get("spanID").asText().equals(parentOf(ep))) {
                        return t;
                    }
                }
                return null;
            });
            assertThat(spanNamed(withEvents, "FaceRecognizer.recognize")).isNotNull();

            // HTTP API use: a server span with method, route and status
            JsonNode http = eventually(30, () -> {
                JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=" + java.net.URLEncoder.encode("GET /api/events", "UTF-8") + "&limit=5&lookback=1h"))
                        .get("data");
                return data.size() > 0 ? data.get(0) : null;
            });
            JsonNode server = spanNamed(http, "GET /api/events");
            assertThat(tag(server, "http.response.status_code")).isEqualTo("200");
            assertThat(tag(server, "http.route")).isEqualTo("/api/events");
            assertThat(tag(server, "span.kind")).isEqualTo("server");

            // span metrics, labelled with the recognition result
            String calls = eventually(60, () -> {
                String body = collector.query("traces_span_metrics_calls_total{service_name=\"" + service
                        + "\",span_name=\"FaceRecognizer.recognize\"}");
                return body.contains("recognition_result") ? body : null;
            });
            assertThat(calls).contains("\"span_kind\":\"SPAN_KIND_INTERNAL\"").contains("\"status_code\":\"STATUS_CODE_UNSET\"");
            String buckets = collector.query("traces_span_metrics_duration_seconds_bucket{service_name=\"" + service
                    + "\",span_name=\"FaceDetector.detect\"}");
            assertThat(buckets).contains("\"le\"");

            String out = demo.output();
            assertThat(out).doesNotContain("peephole-agent] WARN").doesNotContain("peephole-agent] ERROR");
            assertThat(demo.stop()).isIn(0, 130, 143);
        }
    }

    // ------------------------------------------------------------------ helpers

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode spanNamed(JsonNode trace, String name) {
        for (JsonNode s : trace.get("spans")) {
            if (s.get("operationName").asText().equals(name)) {
                return s;
            }
        }
        return null;
    }

    static String parentOf(JsonNode span) {
        JsonNode refs = span.get("references");
        if (refs == null) {
            return null;
        }
        for (JsonNode r : refs) {
            if ("CHILD_OF".equals(r.get("refType").asText())) {
                return r.get("spanID").asText();
            }
        }
        return null;
    }

    static String tag(JsonNode span, String key) {
        for (JsonNode t : span.get("tags")) {
            if (t.get("key").asText().equals(key)) {
                return t.get("value").asText();
            }
        }
        return null;
    }

    static String httpGet(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Polls until the callable returns non-null (exceptions count as not yet). */
    static <T> T eventually(int seconds, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = probe.call();
                if (v != null) {
                    return v;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + seconds + " s" + (last == null ? "" : ": " + last), last);
    }
}
