package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.notify.AlertNotice;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules from a folder and from the API evaluated on the real embedded PostgreSQL: alert states
 * and history, acknowledgement, state across a restart, file reload, recording rules written
 * as series, validation errors with positions, and who may change what.
 */
class AlertingApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "alerting-admin-1";
    private static final String ADMIN = Http.basic("admin", PASSWORD);

    private String dbUrl;
    private Path rulesDir;
    private EmbeddedServer server;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        dbUrl = TestPostgres.newDatabase();
        rulesDir = Files.createTempDirectory("peephole-rules");
        Files.writeString(rulesDir.resolve("door.rules.yml"), """
                groups:
                  - name: door
                    interval: 1m
                    rules:
                      - record: door:open:sum
                        expr: sum by (site) (door_open)
                      - alert: DoorOpen
                        expr: door:open:sum > 0
                        labels: {severity: critical}
                        annotations: {summary: 'door open at {{ $labels.site }} ({{ $value }})'}
                      - alert: DoorOpenLong
                        expr: door:open:sum > 0
                        for: 1h
                """);
        // A probe file beside the rules must not be taken for a rule file.
        Files.writeString(rulesDir.resolve("probes.yml"), "probes: []\n");
        startServer();
    }

    private void startServer() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", dbUrl);
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", PASSWORD);
        props.put("peephole.rules", rulesDir.toString());
        props.put("peephole.default.rules", false);
        props.put("peephole.alerting.schedule", false);
        props.put("peephole.test.alert-sink", true);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RuleManager manager() {
        return server.getApplicationContext().getBean(RuleManager.class);
    }

    private RuleGroup group(String name) {
        return eventually(() -> manager().groups().stream().filter(g -> g.spec().name().equals(name)).findFirst()
                .orElse(null));
    }

    private void doorOpen(String site, long tMs, double v) throws Exception {
        server.getApplicationContext().getBean(LocalSeriesWriter.class)
                .write(List.of(new LocalSample("door_open", Map.of("site", site), tMs, v)), "gauge", "test door");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.get(path, ADMIN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void alertsFirePendAcknowledgeAndSurviveARestart() throws Exception {
        long t0 = System.currentTimeMillis() / 1000 * 1000 - 60_000;
        doorOpen("front", t0, 1);
        RuleGroup door = group("door");
        RuleGroup.Outcome o = manager().evaluate(door, t0);
        assertThat(o.errors()).isZero();

        JsonNode alerts = get("/api/v1/alerts").path("data").path("alerts");
        assertThat(alerts).hasSize(2);
        JsonNode firing = find(alerts, "DoorOpen");
        assertThat(firing.path("state").asText()).isEqualTo("firing");
        assertThat(firing.path("labels").path("severity").asText()).isEqualTo("critical");
        assertThat(firing.path("annotations").path("summary").asText()).isEqualTo("door open at front (1)");
        assertThat(firing.path("value").asText()).isEqualTo("1e+00");
        JsonNode pending = find(alerts, "DoorOpenLong");
        assertThat(pending.path("state").asText()).isEqualTo("pending");
        String pendingSince = pending.path("activeAt").asText();

        // A firing critical alert makes Peephole unhealthy in /api/v1/status, naming it.
        JsonNode status = get("/api/v1/status");
        assertThat(status.path("status").asText()).isEqualTo("unhealthy");
        JsonNode alertsComponent = find(status.path("components"), "alerts");
        assertThat(alertsComponent.path("status").asText()).isEqualTo("unhealthy");
        assertThat(alertsComponent.path("reason").asText()).contains("DoorOpen");

        // The recording rule's output is a series like any other.
        JsonNode recorded = get("/api/v1/query?query=door:open:sum&time=" + t0 / 1000);
        assertThat(recorded.path("data").path("result").get(0).path("metric").path("site").asText()).isEqualTo("front");
        JsonNode alertsSeries = get("/api/v1/query?query=" + URLEncoder.encode("ALERTS{alertstate=\"pending\"}",
                StandardCharsets.UTF_8) + "&time=" + t0 / 1000);
        assertThat(alertsSeries.path("data").path("result")).hasSize(1);

        // Prometheus' rules JSON with state and health.
        JsonNode rules = get("/api/v1/rules").path("data").path("groups").get(0).path("rules");
        assertThat(rules).hasSize(3);
        assertThat(rules.get(1).path("state").asText()).isEqualTo("firing");
        assertThat(rules.get(1).path("health").asText()).isEqualTo("ok");
        assertThat(rules.get(2).path("duration").asDouble()).isEqualTo(3600);
        assertThat(get("/api/v1/rules?type=record").path("data").path("groups").get(0).path("rules")).hasSize(1);
        // A reload keeps each rule's health and last evaluation, not only its alerts.
        manager().reload();
        assertThat(get("/api/v1/rules").path("data").path("groups").get(0).path("rules").get(1).path("health").asText())
                .isEqualTo("ok");
        assertThat(http.get("/api/v1/rules?type=nope", ADMIN).statusCode()).isEqualTo(400);

        // Routing got the firing alert (not the pending one).
        RecordingAlertSink sink = server.getApplicationContext().getBean(RecordingAlertSink.class);
        assertThat(sink.received()).extracting(n -> n.labels().get("alertname")).containsExactly("DoorOpen");

        // Acknowledge: admins only, once, recorded with who.
        long id = firing.path("id").asLong();
        HttpResponse<String> created = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"vic\",\"password\":\"viewer-pass-1\",\"role\":\"viewer\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(http.send("POST", "/api/v1/alerts/" + id + "/ack", Http.basic("vic", "viewer-pass-1"), "")
                .statusCode()).isEqualTo(403);
        assertThat(http.send("POST", "/api/v1/alerts/" + id + "/ack", ADMIN, "").statusCode()).isEqualTo(200);
        assertThat(http.send("POST", "/api/v1/alerts/" + id + "/ack", ADMIN, "").statusCode()).isEqualTo(409);
        assertThat(http.send("POST", "/api/v1/alerts/999999/ack", ADMIN, "").statusCode()).isEqualTo(404);
        assertThat(http.send("POST", "/api/v1/alerts/abc/ack", ADMIN, "").statusCode()).isEqualTo(400);
        AlertNotice acked = sink.received().get(sink.received().size() - 1);
        assertThat(acked.acknowledgedBy()).isEqualTo("admin");
        assertThat(find(get("/api/v1/alerts").path("data").path("alerts"), "DoorOpen").path("acknowledgedBy").asText())
                .isEqualTo("admin");

        // Restart: the pending alert keeps its active-since, the firing one stays firing and acknowledged.
        stop();
        startServer();
        group("door");
        JsonNode after = get("/api/v1/alerts").path("data").path("alerts");
        assertThat(find(after, "DoorOpenLong").path("activeAt").asText()).isEqualTo(pendingSince);
        assertThat(find(after, "DoorOpen").path("state").asText()).isEqualTo("firing");
        assertThat(find(after, "DoorOpen").path("acknowledgedBy").asText()).isEqualTo("admin");

        // The condition clears: the firing alert resolves, the pending one is dropped (its `for` restarts).
        long t1 = System.currentTimeMillis() / 1000 * 1000 + 1000;
        doorOpen("front", t1, 0);
        manager().evaluate(group("door"), t1);
        // Empty lists are in the JSON, as Prometheus' clients expect: "alerts": [].
        assertThat(http.get("/api/v1/alerts", ADMIN).body()).contains("\"alerts\":[]");
        JsonNode history = get("/api/v1/alerts/history?start=" + (t0 / 1000 - 10)).path("data");
        JsonNode doorOpen = null;
        for (JsonNode e : history) {
            if (e.path("alertname").asText().equals("DoorOpen")) {
                doorOpen = e;
            }
        }
        assertThat(doorOpen).isNotNull();
        assertThat(doorOpen.path("state").asText()).isEqualTo("inactive");
        assertThat(doorOpen.path("events").findValuesAsText("to"))
                .containsExactly("pending", "firing", "acknowledged", "inactive");
        assertThat(doorOpen.path("events").get(2).path("actor").asText()).isEqualTo("admin");
        RecordingAlertSink sinkAfter = server.getApplicationContext().getBean(RecordingAlertSink.class);
        assertThat(sinkAfter.received()).singleElement().satisfies(n -> {
            assertThat(n.labels().get("alertname")).isEqualTo("DoorOpen");
            assertThat(n.resolved()).isTrue();
            assertThat(n.acknowledged()).isTrue();
        });
        assertThat(http.get("/api/v1/alerts/history?start=x", ADMIN).statusCode()).isEqualTo(400);
    }

    @Test
    void apiRulesAreValidatedSavedEditedDisabledAndDeleted() throws Exception {
        HttpResponse<String> bad = http.send("POST", "/api/v1/rules", ADMIN,
                "{\"alert\":\"Bad\",\"expr\":\"sum(rate(x[5m])\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"errorType\":\"bad_data\"").contains("could not parse expression").contains("1:");
        assertThat(http.send("POST", "/api/v1/rules", ADMIN, "{\"alert\":\"X\",\"record\":\"y\",\"expr\":\"1\"}")
                .statusCode()).isEqualTo(400);
        assertThat(http.send("POST", "/api/v1/rules", ADMIN, "{\"alert\":\"X\",\"expr\":\"1\",\"for\":\"5 minutes\"}")
                .body()).contains("bad duration");
        assertThat(http.send("POST", "/api/v1/rules", ADMIN, "{\"alert\":\"X\",\"expr\":\"1\",\"annotations\":"
                + "{\"a\":\"{{ with .Value }}{{ end }}\"}}").body()).contains("not supported");

        HttpResponse<String> created = http.send("POST", "/api/v1/rules", ADMIN,
                "{\"group\":\"ops\",\"alert\":\"AlwaysOn\",\"expr\":\"vector(1)\",\"labels\":{\"severity\":\"info\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = JSON.readTree(created.body()).path("data").path("id").asLong();
        RuleGroup ops = group("ops");
        assertThat(ops.spec().source()).isEqualTo(RuleManager.API_SOURCE);
        manager().evaluate(ops, System.currentTimeMillis());
        JsonNode listed = find(get("/api/v1/rules").path("data").path("groups"), "ops");
        assertThat(listed.path("rules").get(0).path("id").asLong()).isEqualTo(id);
        assertThat(listed.path("rules").get(0).path("source").asText()).isEqualTo("api");
        assertThat(find(get("/api/v1/alerts").path("data").path("alerts"), "AlwaysOn").path("state").asText())
                .isEqualTo("firing");

        assertThat(http.send("PUT", "/api/v1/rules/" + id, ADMIN,
                "{\"group\":\"ops\",\"alert\":\"AlwaysOn\",\"expr\":\"vector(1)\",\"enabled\":false}").statusCode())
                .isEqualTo(200);
        assertThat(manager().groups()).noneMatch(g -> g.spec().name().equals("ops"));
        assertThat(get("/api/v1/rules/stored").path("data").get(0).path("enabled").asBoolean()).isFalse();
        // The disabled rule's alert is closed in the history, not left firing.
        assertThat(get("/api/v1/alerts").path("data").path("alerts")).isEmpty();

        assertThat(http.send("DELETE", "/api/v1/rules/" + id, ADMIN, "").statusCode()).isEqualTo(200);
        assertThat(http.send("DELETE", "/api/v1/rules/" + id, ADMIN, "").statusCode()).isEqualTo(404);
        HttpResponse<String> audit = http.get("/api/v1/audit", ADMIN);
        assertThat(audit.body()).contains("rule.create").contains("rule.update").contains("rule.delete");

        http.send("POST", "/api/v1/users", ADMIN, "{\"username\":\"val\",\"password\":\"viewer-pass-2\",\"role\":\"viewer\"}");
        assertThat(http.send("POST", "/api/v1/rules", Http.basic("val", "viewer-pass-2"),
                "{\"alert\":\"V\",\"expr\":\"1\"}").statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/rules", Http.basic("val", "viewer-pass-2")).statusCode()).isEqualTo(200);
    }

    @Test
    void ruleFilesReloadOnChangeAndABrokenFileKeepsItsRules() throws Exception {
        Path file = rulesDir.resolve("door.rules.yml");
        Files.writeString(file, Files.readString(file).replace("DoorOpenLong", "DoorOpenVeryLong"));
        eventually(() -> manager().groups().stream().flatMap(g -> g.rules().stream())
                .anyMatch(r -> r.spec().name().equals("DoorOpenVeryLong")) ? true : null);

        Files.writeString(file, "groups:\n  - name: door\n    rules:\n      - alert: Broken\n        expr: 'rate(x[5m]'\n");
        JsonNode errors = eventually(() -> {
            try {
                JsonNode e = get("/api/v1/rules").path("data").path("loadErrors");
                return e.size() > 0 ? e : null;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertThat(errors.get(file.toString()).asText()).contains("Broken").contains("could not parse expression");
        assertThat(manager().groups().stream().flatMap(g -> g.rules().stream()).map(r -> r.spec().name()))
                .contains("DoorOpenVeryLong");

        // A deleted file takes its rules and its error with it.
        Files.delete(file);
        eventually(() -> manager().groups().isEmpty() && manager().loadErrors().isEmpty() ? true : null);
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) {
            if (name.equals(n.path("labels").path("alertname").asText()) || name.equals(n.path("name").asText())) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    private static <T> T eventually(Supplier<T> probe) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
