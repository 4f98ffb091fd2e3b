package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

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

            String out = demo.output();
            long agentLines = out.lines().filter(l -> l.contains("[peephole-agent]")).count();
            assertThat(agentLines).as("the agent's lines in the app's output:\n" + out).isLessThanOrEqualTo(2);
            assertThat(out).contains("peephole-agent").contains("started for service doorbell-basic");
            assertThat(out).doesNotContain("Exception").doesNotContain("VM warning");
            assertThat(demo.stop()).isIn(0, 130, 143);
        }
    }

    // ------------------------------------------------------------------ helpers

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
