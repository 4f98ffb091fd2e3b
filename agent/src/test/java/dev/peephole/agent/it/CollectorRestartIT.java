package dev.peephole.agent.it;

import static dev.peephole.agent.it.AgentEndToEndIT.JSON;
import static dev.peephole.agent.it.AgentEndToEndIT.eventually;
import static dev.peephole.agent.it.AgentEndToEndIT.httpGet;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The collector goes away in the middle of a run and comes back: the demo never stalls, and
 * what the agent buffered meanwhile arrives afterwards, stored once.
 */
class CollectorRestartIT {

    @Test
    void theDemoRunsOnWhileTheCollectorIsAwayAndTheBufferedTracesArriveOnce() throws Exception {
        Path dir = Files.createTempDirectory("peephole-restart-it");
        CollectorProcess collector = new CollectorProcess(dir);
        int httpPort = CollectorProcess.freePort();
        String service = "doorbell-restart";
        String args = "collector=127.0.0.1:" + collector.grpcPort + ",service=" + service + ",token="
                + CollectorProcess.TOKEN + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s"
                + ",reconnect.initial=200ms,reconnect.max=1s";
        try (AppProcess demo = AppProcess.start(dir.resolve("demo.log"), args, List.of(),
                "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(httpPort))) {
            eventually(60, () -> httpGet("http://127.0.0.1:" + httpPort + "/api/health"));
            eventually(60, () -> JSON.readTree(collector.get("/api/traces?service=" + service
                    + "&operation=Camera.capture&limit=1&lookback=1h")).get("data").size() > 0 ? true : null);

            long outageStartUs = System.currentTimeMillis() * 1000;
            collector.stop();
            long stoppedAt = System.nanoTime();
            long before = framesProcessed(httpPort);
            long slowest = 0;
            while (System.nanoTime() - stoppedAt < TimeUnit.SECONDS.toNanos(8)) {
                long t0 = System.nanoTime();
                assertThat(httpGet("http://127.0.0.1:" + httpPort + "/api/health")).as("the demo answers").contains("UP");
                slowest = Math.max(slowest, System.nanoTime() - t0);
                Thread.sleep(250);
            }
            long after = framesProcessed(httpPort);
            System.out.println("collector away: demo processed " + (after - before) + " frames in 8 s, slowest health "
                    + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms");
            assertThat(after - before).as("frames processed while the collector was away").isGreaterThan(40);
            long outageEndUs = System.currentTimeMillis() * 1000;

            collector.start();
            JsonNode data = eventually(90, () -> {
                JsonNode d = JSON.readTree(collector.get("/api/traces?service=" + service
                        + "&operation=Camera.capture&limit=1000&start=" + outageStartUs + "&end=" + outageEndUs)).get("data");
                return d.size() >= 40 ? d : null;
            });
            Set<String> spanIds = new HashSet<>();
            int spans = 0;
            for (JsonNode t : data) {
                for (JsonNode s : t.get("spans")) {
                    spans++;
                    assertThat(spanIds.add(s.get("spanID").asText())).as("span stored once: " + s.get("spanID")).isTrue();
                }
            }
            System.out.println("traces from the outage: " + data.size() + " with " + spans + " spans, none twice");
            String agents = collector.get("/api/v1/agents");
            assertThat(agents).contains(service);
            assertThat(demo.output()).contains("not reachable").doesNotContain("Exception");
        } finally {
            collector.stop();
        }
    }

    private static long framesProcessed(int port) throws Exception {
        String body = httpGet("http://127.0.0.1:" + port + "/api/health");
        return JSON.readTree(body).get("framesProcessed").asLong();
    }
}
