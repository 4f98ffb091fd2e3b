package dev.peephole.collector.probes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health probes from a probe file in the PEEPHOLE_RULES folder against a local HTTP server,
 * an open and a closed TCP port; their probe_success / probe_duration_seconds series
 * through PromQL; reload on change; and /api/v1/status moving between healthy, degraded
 * and unhealthy with probes and agents. Real embedded PostgreSQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ProbesAndStatusTest {

    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String TOKEN = "probe-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path rulesDir;
    private static HttpServer target;
    private static ServerSocket openPort;
    private static int closedPort;
    private static EmbeddedServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/ok", ex -> {
            ex.sendResponseHeaders(ex.getRequestHeaders().getFirst("X-Probe") == null ? 401 : 200, -1);
            ex.close();
        });
        target.createContext("/fail", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        target.createContext("/slow", ex -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        target.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        target.start();
        openPort = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        closedPort = FreePorts.next();
        // A rule file: not a probe file, left alone.
        Files.writeString(rulesDir.resolve("alerts.yml"), "groups:\n  - name: g\n    rules: []\n");
        writeProbes("""
                probes:
                  - name: web-ok
                    type: http
                    url: %1$s/ok
                    headers: {X-Probe: "yes"}
                    interval: 1s
                    timeout: 1s
                  - name: web-fail
                    type: http
                    url: %1$s/fail
                    interval: 1s
                  - name: web-slow
                    type: http
                    url: %1$s/slow
                    interval: 1s
                    timeout: 500ms
                  - name: port-open
                    type: tcp
                    address: 127.0.0.1:%2$d
                    interval: 1s
                  - name: port-closed
                    type: tcp
                    address: 127.0.0.1:%3$d
                    interval: 1s
                """.formatted(base(), openPort.getLocalPort(), closedPort));

        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.rules", rulesDir.toString());
        props.put("peephole.probes.reload.interval", "300ms");
        props.put("peephole.probes.database.interval", "1s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        target.stop(0);
        openPort.close();
    }

    private static String base() {
        return "http://127.0.0.1:" + target.getAddress().getPort();
    }

    private static int generation;

    private static void writeProbes(String yaml) throws Exception {
        Path f = rulesDir.resolve("probes.yaml");
        Files.writeString(f, yaml);
        // Another modification time each write, however coarse the file system's clock.
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(++generation * 10L)));
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.get(path, ADMIN);
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static Map<String, String> byProbe(String promql) throws Exception {
        JsonNode result = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .path("data").path("result");
        Map<String, String> out = new HashMap<>();
        result.forEach(s -> out.put(s.path("metric").path("probe").asText(), s.path("value").get(1).asText()));
        return out;
    }

    private static <T> T await(String what, ThrowingSupplier<T> get, Predicate<T> ok) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        T last;
        do {
            last = get.get();
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(what + " never came; last " + last);
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    private static JsonNode component(JsonNode status, String name) {
        for (JsonNode c : status.path("components")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no component " + name + " in " + status);
    }

    @Test
    @Order(1)
    void probesWriteSuccessAndDurationAsTheBlackboxExporterDoes() throws Exception {
        Map<String, String> success = await("all probes' results",
                () -> byProbe("probe_success{job=\"probe\"}"), m -> m.size() == 6);
        assertThat(success).containsEntry("web-ok", "1").containsEntry("web-fail", "0").containsEntry("web-slow", "0")
                .containsEntry("port-open", "1").containsEntry("port-closed", "0").containsEntry("database", "1");
        JsonNode ok = get("/api/v1/query?query=" + URLEncoder.encode("probe_success{probe=\"web-ok\"}",
                StandardCharsets.UTF_8)).path("data").path("result").get(0).path("metric");
        assertThat(ok.path("instance").asText()).isEqualTo(base() + "/ok");
        assertThat(ok.path("job").asText()).isEqualTo("probe");
        assertThat(ok.path("service_name").asText()).isEqualTo("peephole-collector");
        assertThat(ok.path("host_name").asText()).isNotBlank();
        Map<String, String> durations = byProbe("probe_duration_seconds");
        assertThat(Double.parseDouble(durations.get("web-ok"))).isGreaterThan(0).isLessThan(1);
        // The slow target answers after 3 s; the probe gives up at its 500 ms timeout.
        assertThat(Double.parseDouble(durations.get("web-slow"))).isGreaterThanOrEqualTo(0.45).isLessThan(3);
        assertThat(byProbe("probe_success{probe=\"port-closed\"}").get("port-closed")).isEqualTo("0");
    }

    @Test
    @Order(2)
    void aFailingProbeMakesTheStatusDegraded() throws Exception {
        JsonNode status = get("/api/v1/status");
        assertThat(status.path("status").asText()).isEqualTo("degraded");
        JsonNode probes = component(status, "probes");
        assertThat(probes.path("status").asText()).isEqualTo("degraded");
        assertThat(probes.path("reason").asText()).contains("web-fail: HTTP status 500, expected 2xx")
                .contains("web-slow").contains("port-closed").doesNotContain("web-ok:");
        assertThat(component(status, "database").path("status").asText()).isEqualTo("healthy");
        assertThat(component(status, "agents").path("status").asText()).isEqualTo("healthy");
    }

    @Test
    @Order(3)
    void changedFilesAreReloadedAndACriticalFailureIsUnhealthy() throws Exception {
        writeProbes("""
                probes:
                  - name: web-fail
                    type: http
                    url: %1$s/fail
                    expected_status: [500, 503]
                    interval: 1s
                """.formatted(base()));
        await("only the reloaded probe, now succeeding", () -> get("/api/v1/status"),
                s -> s.path("status").asText().equals("healthy")
                        && component(s, "probes").path("reason").asText().equals("2 of 2 probes succeed"));
        await("web-fail succeeding", () -> byProbe("probe_success{probe=\"web-fail\"}"),
                m -> "1".equals(m.get("web-fail")));

        writeProbes("""
                probes:
                  - name: web-fail
                    type: http
                    url: %1$s/fail
                    expected_status: [500, 503]
                    interval: 1s
                  - name: door-port
                    type: tcp
                    address: 127.0.0.1:%2$d
                    interval: 1s
                    timeout: 500ms
                    severity: critical
                """.formatted(base(), closedPort));
        JsonNode unhealthy = await("a failing critical probe", () -> get("/api/v1/status"),
                s -> s.path("status").asText().equals("unhealthy"));
        assertThat(component(unhealthy, "probes").path("reason").asText()).contains("door-port (critical)");

        // An invalid file keeps its previous probes and is named.
        writeProbes("probes:\n  - name: broken\n    type: ftp\n");
        JsonNode invalid = await("the invalid file named", () -> get("/api/v1/status"),
                s -> component(s, "probes").path("reason").asText().contains("invalid probe files"));
        assertThat(component(invalid, "probes").path("reason").asText())
                .contains("type must be http or tcp, not \"ftp\"").contains("door-port (critical)");
    }

    @Test
    @Order(4)
    void anAgentNotSeenForThreeHeartbeatsIsDown() throws Exception {
        writeProbes("probes: []\n");
        await("no file probes", () -> get("/api/v1/status"),
                s -> component(s, "probes").path("reason").asText().equals("1 of 1 probes succeed"));
        int grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
        try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "status-agent")) {
            agent.sendHello("doorbell");
            assertThat(agent.next(30)).isNotNull();
            JsonNode up = get("/api/v1/status");
            assertThat(up.path("status").asText()).isEqualTo("healthy");
            assertThat(component(up, "agents").path("reason").asText()).startsWith("1 of 1 agents");
        }
        // The agent is gone: after three heartbeat intervals (15 s) it is down.
        JsonNode down = await("the agent down", () -> get("/api/v1/status"),
                s -> s.path("status").asText().equals("degraded"));
        assertThat(component(down, "agents").path("status").asText()).isEqualTo("degraded");
        assertThat(component(down, "agents").path("reason").asText()).contains("0 of 1 agents").contains("status-agent");
    }
}
