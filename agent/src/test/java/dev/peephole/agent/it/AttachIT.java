package dev.peephole.agent.it;

import static dev.peephole.agent.it.AgentEndToEndIT.JSON;
import static dev.peephole.agent.it.AgentEndToEndIT.eventually;
import static dev.peephole.agent.it.AgentEndToEndIT.httpGet;
import static dev.peephole.agent.it.AgentEndToEndIT.spanNamed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Agent-Class: the agent attached to a demo that is already running weaves its loaded classes. */
class AttachIT {

    @Test
    void attachedToARunningDemoTheAgentWeavesItsLoadedClasses() throws Exception {
        Path dir = Files.createTempDirectory("peephole-attach-it");
        try (CollectorProcess collector = new CollectorProcess(dir)) {
            int httpPort = CollectorProcess.freePort();
            String service = "doorbell-attached";
            try (AppProcess demo = AppProcess.start(dir.resolve("demo.log"), null, List.of(),
                    "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(httpPort))) {
                eventually(60, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health"));
                VirtualMachine vm = VirtualMachine.attach(Long.toString(demo.pid()));
                try {
                    vm.loadAgent(AppProcess.agentJar().toAbsolutePath().toString(), "collector=127.0.0.1:"
                            + collector.grpcPort + ",service=" + service + ",token=" + CollectorProcess.TOKEN
                            + ",batch.interval=500ms");
                } finally {
                    vm.detach();
                }
                JsonNode trace = eventually(90, () -> {
                    JsonNode data = JSON.readTree(collector.get("/api/traces?service=" + service
                            + "&operation=FaceDetector.detect&limit=20&lookback=1h")).get("data");
                    for (JsonNode t : data) {
                        if (spanNamed(t, "Camera.capture") != null && spanNamed(t, "DoorbellPipeline.analyze") != null) {
                            return t;
                        }
                    }
                    return null;
                });
                assertThat(spanNamed(trace, "FaceDetector.detect")).isNotNull();
                assertThat(demo.output()).contains("started for service " + service).doesNotContain("Exception");
            }
        }
    }
}
