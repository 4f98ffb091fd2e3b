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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenTelemetry Java agent (from Maven Central, {@code opentelemetry-javaagent})
 * attached to the packaged doorbell demo instead of Peephole's agent, configured only with
 * the standard {@code OTEL_*} variables to export OTLP/HTTP to the packaged collector with
 * the agent token: its traces come back through the Jaeger API and its JVM metrics through
 * the Prometheus API, under their Prometheus names.
 */
class OtelJavaagentIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String SERVICE = "doorbell-otel";

    @TempDir
    Path dir;

    static Path otelAgent() {
        Path jar = Path.of(System.getProperty("peephole.otel.javaagent", "target/otel-javaagent/opentelemetry-javaagent.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: it is copied at generate-test-resources (mvn -B verify)");
        }
        return jar;
    }

    @Test
    void theOfficialJavaAgentReportsTracesAndMetricsToPeephole() throws Exception {
        try (CollectorProcess collector = new CollectorProcess(dir)) {
            int demoPort = CollectorProcess.freePort();
            Map<String, String> env = new HashMap<>();
            env.put("OTEL_SERVICE_NAME", SERVICE);
            env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.otlpHttpPort);
            env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            env.put("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20" + CollectorProcess.TOKEN);
            env.put("OTEL_LOGS_EXPORTER", "none"); // Peephole takes traces and metrics, not logs
            env.put("OTEL_METRIC_EXPORT_INTERVAL", "3000");
            env.put("OTEL_BSP_SCHEDULE_DELAY", "1000");
            try (AppProcess demo = AppProcess.startWithEnv(dir.resolve("demo.log"), env,
                    List.of("-javaagent:" + otelAgent()),
                    "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(demoPort), "--fps", "5")) {
                // Requests to the demo's own HTTP API make server spans.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                JsonNode traces = null;
                while (System.nanoTime() < deadline) {
                    assertThat(demo.isAlive()).as("demo exited: " + demo.output()).isTrue();
                    for (String path : new String[] {"/api/health", "/api/events", "/api/people"}) {
                        try {
                            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demoPort + path))
                                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                        } catch (java.io.IOException notYet) {
                            // the demo is still starting
                        }
                    }
                    traces = JSON.readTree(collector.get("/api/traces?service=" + SERVICE + "&lookback=1h&limit=20"))
                            .get("data");
                    if (traces.size() > 0) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                assertThat(traces).as("no trace of " + SERVICE + "; demo log: " + demo.output()).isNotEmpty();

                String traceId = traces.get(0).get("traceID").asText();
                JsonNode trace = JSON.readTree(collector.get("/api/traces/" + traceId)).get("data").get(0);
                JsonNode span = trace.get("spans").get(0);
                Map<String, String> tags = new HashMap<>();
                span.get("tags").forEach(t -> tags.put(t.get("key").asText(), t.get("value").asText()));
                assertThat(tags).containsEntry("span.kind", "server").containsKey("http.request.method")
                        .containsKey("otel.scope.name");
                assertThat(span.get("operationName").asText()).startsWith("GET");
                JsonNode process = trace.get("processes").get(span.get("processID").asText());
                assertThat(process.get("serviceName").asText()).isEqualTo(SERVICE);
                Map<String, String> processTags = new HashMap<>();
                process.get("tags").forEach(t -> processTags.put(t.get("key").asText(), t.get("value").asText()));
                assertThat(processTags.get("hostname")).isNotBlank();

                // The agent's JVM metrics, translated to Prometheus names, with the standard labels.
                JsonNode memory = null;
                while (System.nanoTime() < deadline) {
                    memory = JSON.readTree(collector.query("jvm_memory_used_bytes{service_name=\"" + SERVICE + "\"}"))
                            .get("data").get("result");
                    if (memory.size() > 0) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                assertThat(memory).as("no jvm_memory_used_bytes of " + SERVICE).isNotEmpty();
                JsonNode labels = memory.get(0).get("metric");
                assertThat(labels.get("host_name").asText()).isNotBlank();
                assertThat(labels.get("instance").asText()).isNotBlank();
                assertThat(labels.has("jvm_memory_type")).isTrue();
            }
        }
    }
}
