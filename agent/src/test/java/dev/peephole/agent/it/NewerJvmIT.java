package dev.peephole.agent.it;

import static dev.peephole.agent.it.AgentEndToEndIT.JSON;
import static dev.peephole.agent.it.AgentEndToEndIT.eventually;
import static dev.peephole.agent.it.AgentEndToEndIT.httpGet;
import static dev.peephole.agent.it.AgentEndToEndIT.parentOf;
import static dev.peephole.agent.it.AgentEndToEndIT.spanNamed;
import static dev.peephole.agent.it.AgentEndToEndIT.tag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent is built for Java 11 bytecode and runs in whatever JVM the app has. The tests run on
 * Java 17; this one runs the demo with the agent on a newer JVM installed beside it (Temurin 25
 * on the build machines, or the one named by {@code -Dpeephole.it.newerJava=/path/to/bin/java}),
 * against the packaged collector: the agent starts, says which JVM it is in, and the frame's
 * nested spans, span metrics and JVM metrics arrive as on Java 17.
 */
class NewerJvmIT {
    static final Path DEFAULT_NEWER_JAVA = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    static Path dir;
    static CollectorProcess collector;
    static Path java;

    @BeforeAll
    static void startCollector() throws Exception {
        String named = System.getProperty("peephole.it.newerJava", "");
        java = named.isEmpty() ? DEFAULT_NEWER_JAVA : Path.of(named);
        Assumptions.assumeTrue(Files.isExecutable(java), "no newer JVM at " + java + " (set -Dpeephole.it.newerJava)");
        dir = Files.createTempDirectory("peephole-newer-jvm-it");
        collector = new CollectorProcess(dir);
    }

    @AfterAll
    static void stopCollector() throws Exception {
        if (collector != null) {
            collector.stop();
        }
    }

    @Test
    void theDemoOnANewerJvmIsTracedAsOnJava17() throws Exception {
        String version = new String(new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start()
                .getInputStream().readAllBytes());
        int httpPort = CollectorProcess.freePort();
        String service = "doorbell-newer-jvm";
        String agentArgs = "collector=127.0.0.1:" + collector.grpcPort + ",service=" + service + ",token="
                + CollectorProcess.TOKEN + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s";
        try (AppProcess demo = AppProcess.startOn(java.toString(), dir.resolve("demo-newer-jvm.log"), agentArgs, List.of(),
                "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(httpPort), "--fps", "10")) {
            assertThat(eventually(90, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health")))
                    .contains("\"status\":\"UP\"");

            // the agent reports the JVM it runs in
            JsonNode agent = eventually(60, () -> {
                for (JsonNode a : JSON.readTree(collector.get("/api/v1/agents")).get("data")) {
                    if (service.equals(a.get("serviceName").asText())) {
                        return a;
                    }
                }
                return null;
            });
            String jvmVersion = agent.get("jvmVersion").asText();
            assertThat(version).as("java -version of " + java).contains(jvmVersion.replaceAll("[+-].*", ""));
            assertThat(Runtime.version().feature()).isLessThan(Runtime.Version.parse(jvmVersion).feature());

            // one trace per frame with the woven detection and recognition nested in it
            JsonNode trace = eventually(120, () -> {
                for (JsonNode t : JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=FaceRecognizer.recognize&limit=20&lookback=1h")).get("data")) {
                    if (spanNamed(t, "Camera.capture") != null && spanNamed(t, "FaceDetector.detect") != null) {
                        return t;
                    }
                }
                return null;
            });
            JsonNode analyze = spanNamed(trace, "DoorbellPipeline.analyze");
            assertThat(parentOf(spanNamed(trace, "FaceDetector.detect"))).isEqualTo(analyze.get("spanID").asText());
            JsonNode recognize = spanNamed(trace, "FaceRecognizer.recognize");
            assertThat(parentOf(recognize)).isEqualTo(analyze.get("spanID").asText());
            assertThat(tag(recognize, "recognition.result")).isIn("KNOWN", "UNKNOWN", "BLACKLISTED");

            // span metrics and JVM metrics
            eventually(60, () -> collector.query("traces_span_metrics_calls_total{service_name=\"" + service
                    + "\",span_name=\"FaceRecognizer.recognize\"}").contains("recognition_result") ? "ok" : null);
            eventually(60, () -> collector.query("jvm_memory_used_bytes{service_name=\"" + service
                    + "\",jvm_memory_type=\"heap\"}").contains("\"value\"") ? "ok" : null);

            String out = demo.output();
            assertThat(out).contains("started for service " + service)
                    .doesNotContain("peephole-agent] WARN").doesNotContain("peephole-agent] ERROR")
                    .doesNotContain("Exception");
            assertThat(demo.stop()).isIn(0, 130, 143);
        }
    }
}
