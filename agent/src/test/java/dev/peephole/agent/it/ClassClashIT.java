package dev.peephole.agent.it;

import static dev.peephole.agent.it.AgentEndToEndIT.JSON;
import static dev.peephole.agent.it.AgentEndToEndIT.eventually;
import static dev.peephole.agent.it.AgentEndToEndIT.httpGet;
import static dev.peephole.agent.it.AgentEndToEndIT.parentOf;
import static dev.peephole.agent.it.AgentEndToEndIT.spanNamed;
import static dev.peephole.agent.it.AgentEndToEndIT.tag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The isolation proof: the demo runs with the agent while its own classpath holds different
 * versions of the libraries the agent uses (protobuf-java 3.25, grpc-api 1.62, opentelemetry-api
 * 1.32). The app sees and uses its own versions, sees nothing of the agent's, and the frame traces
 * arrive at the collector with their nested spans.
 */
class ClassClashIT {
    static Path dir;
    static CollectorProcess collector;

    @BeforeAll
    static void startCollector() throws Exception {
        dir = Files.createTempDirectory("peephole-clash-it");
        collector = new CollectorProcess(dir);
    }

    @AfterAll
    static void stopCollector() throws Exception {
        if (collector != null) {
            collector.stop();
        }
    }

    @Test
    void theAppKeepsItsOwnProtobufGrpcAndOpenTelemetryAndTracesStillArrive() throws Exception {
        Path libs = Path.of(System.getProperty("peephole.clash.libs", "target/clash-libs"));
        List<String> jars;
        try (Stream<Path> s = Files.list(libs)) {
            jars = s.map(Path::toString).sorted().collect(Collectors.toList());
        }
        assertThat(jars).anyMatch(j -> j.contains("protobuf-java-3.25")).anyMatch(j -> j.contains("grpc-api-1.6"))
                .anyMatch(j -> j.contains("opentelemetry-api-1.3"));
        String cp = AppProcess.demoJar() + File.pathSeparator + System.getProperty("peephole.test.classes",
                "target/test-classes") + File.pathSeparator + String.join(File.pathSeparator, jars);
        int httpPort = CollectorProcess.freePort();
        String service = "doorbell-clash";
        String args = "collector=127.0.0.1:" + collector.grpcPort + ",service=" + service + ",token="
                + CollectorProcess.TOKEN + ",batch.interval=500ms,metrics.interval=2s";
        try (AppProcess app = AppProcess.start(dir.resolve("clash.log"), args, List.of(),
                "-cp", cp, "dev.peephole.testapp.ClashProbe", "--http-port", Integer.toString(httpPort))) {
            String health = eventually(60, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health"));
            assertThat(health).contains("UP");
            String probe = app.output().lines().filter(l -> l.startsWith("CLASH-PROBE")).findFirst().orElseThrow();
            assertThat(probe).contains("protobuf=protobuf-java-3.25").contains("grpc=grpc-api-1.6")
                    .contains("otel=opentelemetry-api-1.3").contains("roundtrip=v").contains("metadata=[x]")
                    .contains("agentHidden=true").contains("greet=hi");

            JsonNode trace = eventually(120, () -> {
                JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=FaceRecognizer.recognize&limit=20&lookback=1h")).get("data");
                for (JsonNode t : data) {
                    if (spanNamed(t, "Camera.capture") != null && spanNamed(t, "DoorbellPipeline.analyze") != null) {
                        return t;
                    }
                }
                return null;
            });
            JsonNode analyze = spanNamed(trace, "DoorbellPipeline.analyze");
            assertThat(parentOf(spanNamed(trace, "FaceRecognizer.recognize"))).isEqualTo(analyze.get("spanID").asText());
            assertThat(parentOf(analyze)).isEqualTo(spanNamed(trace, "Camera.capture").get("spanID").asText());
            assertThat(tag(spanNamed(trace, "FaceRecognizer.recognize"), "recognition.result")).isNotNull();

            // the app's own copy of @WithSpan is honoured
            JsonNode greet = eventually(30, () -> {
                JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=clash.probe.greet&limit=1&lookback=1h")).get("data");
                return data.size() > 0 ? data.get(0) : null;
            });
            assertThat(spanNamed(greet, "clash.probe.greet")).isNotNull();
            assertThat(app.output()).doesNotContain("Exception").doesNotContain("Error");
        }
    }
}
