package dev.peephole.collector.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/dashboards}: create, read, change, delete, export and import, who may do what, on a real database. */
class DashboardsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String VIEWER = Http.basic("dash-viewer", "viewer-pass-99");
    private static final String OTHER = Http.basic("dash-other", "other-pass-99");
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static EmbeddedServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        for (String u : List.of("dash-viewer:viewer-pass-99", "dash-other:other-pass-99")) {
            String[] p = u.split(":");
            HttpResponse<String> r = http.send("POST", "/api/v1/users", ADMIN,
                    "{\"username\":\"" + p[0] + "\",\"password\":\"" + p[1] + "\",\"role\":\"viewer\"}");
            assertThat(r.statusCode()).as(r.body()).isIn(201, 400); // 400: exists (a shared TimescaleDB)
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String dashboard(String title, int panels) throws Exception {
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < panels; i++) {
            list.add(Map.of("title", "panel " + i, "query", "sum(rate(http_requests_total[$__rate_interval])) * " + i,
                    "type", "line", "unit", "/s",
                    "thresholds", List.of(Map.of("value", 0.5 + i, "color", "#ef4444"))));
        }
        return JSON.writeValueAsString(Map.of("title", title, "panels", list));
    }

    static JsonNode data(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("data");
    }

    @Test
    void aDashboardIsCreatedReadChangedExportedImportedAndDeletedAndEveryChangeIsAudited() throws Exception {
        HttpResponse<String> created = http.send("POST", "/api/v1/dashboards", ADMIN, dashboard("Ops <b>board</b>", 3));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode d = data(created);
        long id = d.get("id").asLong();
        assertThat(d.get("title").asText()).isEqualTo("Ops <b>board</b>");
        assertThat(d.get("owner").asText()).isEqualTo("admin");
        assertThat(d.get("canEdit").asBoolean()).isTrue();
        assertThat(d.get("panels")).hasSize(3);
        assertThat(d.at("/panels/2/query").asText()).isEqualTo("sum(rate(http_requests_total[$__rate_interval])) * 2");
        assertThat(d.at("/panels/1/thresholds/0/value").asDouble()).isEqualTo(1.5);
        assertThat(d.get("createdAt").asText()).isNotBlank();

        // stored in PostgreSQL with owner, title, the JSON definition and timestamps
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT u.username, d.title, jsonb_array_length(d.definition->'panels'), "
                     + "d.created_at <= d.updated_at FROM dashboards d JOIN users u ON u.id = d.owner_id WHERE d.id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("admin");
                assertThat(rs.getString(2)).isEqualTo("Ops <b>board</b>");
                assertThat(rs.getInt(3)).isEqualTo(3);
                assertThat(rs.getBoolean(4)).isTrue();
            }
        }

        HttpResponse<String> one = http.get("/api/v1/dashboards/" + id, ADMIN);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(data(one).get("panels")).isEqualTo(d.get("panels"));
        JsonNode listed = null;
        for (JsonNode x : data(http.get("/api/v1/dashboards", ADMIN))) {
            if (x.get("id").asLong() == id) {
                listed = x;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("panels").asInt()).isEqualTo(3);

        // reorder: the panels' order is the grid's order
        JsonNode panels = d.get("panels");
        String reordered = JSON.writeValueAsString(Map.of("title", "Ops board", "panels",
                List.of(panels.get(2), panels.get(0), panels.get(1))));
        HttpResponse<String> updated = http.send("PUT", "/api/v1/dashboards/" + id, ADMIN, reordered);
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(data(updated).at("/panels/0/title").asText()).isEqualTo("panel 2");
        assertThat(data(updated).get("title").asText()).isEqualTo("Ops board");

        HttpResponse<String> export = http.get("/api/v1/dashboards/" + id + "/export", ADMIN);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Disposition").orElseThrow())
                .isEqualTo("attachment; filename=\"dashboard-" + id + ".json\"");
        JsonNode exported = JSON.readTree(export.body());
        assertThat(exported.properties()).extracting(Map.Entry::getKey).containsExactly("title", "panels");
        assertThat(exported.at("/panels/0/title").asText()).isEqualTo("panel 2");

        // the exported file imports back as a new dashboard of the importer
        HttpResponse<String> imported = http.send("POST", "/api/v1/dashboards", VIEWER, export.body());
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
        assertThat(data(imported).get("owner").asText()).isEqualTo("dash-viewer");
        assertThat(data(imported).get("panels")).isEqualTo(exported.get("panels"));
        assertThat(data(imported).get("id").asLong()).isNotEqualTo(id);

        HttpResponse<String> deleted = http.send("DELETE", "/api/v1/dashboards/" + id, ADMIN, null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(http.get("/api/v1/dashboards/" + id, ADMIN).statusCode()).isEqualTo(404);
        assertThat(http.send("PUT", "/api/v1/dashboards/" + id, ADMIN, reordered).statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/dashboards/" + id + "/export", ADMIN).body()).contains("\"errorType\":\"not_found\"");

        String audit = http.get("/api/v1/audit?limit=1000", ADMIN).body();
        for (String action : List.of("dashboard.create", "dashboard.update", "dashboard.delete")) {
            assertThat(audit).contains("\"action\":\"" + action + "\"");
        }
        assertThat(audit).contains("\"target\":\"" + id + "\"");
    }

    @Test
    void everyoneReadsOnlyTheOwnerAndAdminsChange() throws Exception {
        HttpResponse<String> adminBoard = http.send("POST", "/api/v1/dashboards", ADMIN, dashboard("Admin's", 1));
        long adminId = data(adminBoard).get("id").asLong();
        HttpResponse<String> viewerBoard = http.send("POST", "/api/v1/dashboards", VIEWER, dashboard("Viewer's", 2));
        assertThat(viewerBoard.statusCode()).as(viewerBoard.body()).isEqualTo(201);
        long viewerId = data(viewerBoard).get("id").asLong();

        // a viewer reads the admin's dashboard, cannot change or delete it
        HttpResponse<String> read = http.get("/api/v1/dashboards/" + adminId, VIEWER);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(data(read).get("canEdit").asBoolean()).isFalse();
        HttpResponse<String> put = http.send("PUT", "/api/v1/dashboards/" + adminId, VIEWER, dashboard("taken over", 0));
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(put.body()).contains("\"errorType\":\"forbidden\"");
        assertThat(http.send("DELETE", "/api/v1/dashboards/" + adminId, VIEWER, null).statusCode()).isEqualTo(403);
        assertThat(data(http.get("/api/v1/dashboards/" + adminId, ADMIN)).get("title").asText()).isEqualTo("Admin's");

        // another viewer neither changes the first viewer's; the owner and an admin do
        assertThat(http.send("PUT", "/api/v1/dashboards/" + viewerId, OTHER, dashboard("x", 0)).statusCode()).isEqualTo(403);
        assertThat(data(http.get("/api/v1/dashboards/" + viewerId, OTHER)).get("canEdit").asBoolean()).isFalse();
        assertThat(data(http.get("/api/v1/dashboards/" + viewerId, VIEWER)).get("canEdit").asBoolean()).isTrue();
        assertThat(http.send("PUT", "/api/v1/dashboards/" + viewerId, VIEWER, dashboard("Viewer's v2", 1)).statusCode())
                .isEqualTo(200);
        HttpResponse<String> byAdmin = http.send("PUT", "/api/v1/dashboards/" + viewerId, ADMIN, dashboard("fixed by admin", 1));
        assertThat(byAdmin.statusCode()).isEqualTo(200);
        assertThat(data(byAdmin).get("owner").asText()).isEqualTo("dash-viewer");
        assertThat(data(byAdmin).get("updatedBy").asText()).isEqualTo("admin");
        assertThat(http.send("DELETE", "/api/v1/dashboards/" + viewerId, OTHER, null).statusCode()).isEqualTo(403);
        assertThat(http.send("DELETE", "/api/v1/dashboards/" + viewerId, VIEWER, null).statusCode()).isEqualTo(200);

        // without credentials nothing
        assertThat(http.get("/api/v1/dashboards", null).statusCode()).isEqualTo(401);
        assertThat(http.send("POST", "/api/v1/dashboards", null, dashboard("anon", 0)).statusCode()).isEqualTo(401);
    }

    @Test
    void importsAndSavesAreValidatedWithAMessage() throws Exception {
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"title\": \"x\", \"panels\": [", "not valid JSON");
        bad.put("", "must be a dashboard in JSON");
        bad.put("[1, 2]", "wrong type of value");
        bad.put("{\"title\": \"x\", \"panels\": [], \"owner\": \"mallory\"}", "unknown field \"owner\"");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"colour\": \"red\"}]}",
                "unknown field \"colour\" at panels[0]");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"thresholds\": [{\"value\": 1, \"color\": \"#ffffff\", \"x\": 1}]}]}",
                "unknown field \"x\" at panels[0].thresholds[0]");
        bad.put(dashboard("x", DashboardDefinition.MAX_PANELS + 1), "too many panels: 51; a dashboard holds at most 50");
        bad.put("{\"panels\": []}", "\"title\" is required");
        bad.put("{\"title\": \"x\"}", "\"panels\" is required");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"sum(rate(x[5m])\"}]}", "panels[0].query does not parse");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"type\": \"pie\"}]}", "panels[0].type \"pie\"");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"unit\": \"furlongs\"}]}", "panels[0].unit");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"thresholds\": [{\"value\": 1, \"color\": \"red;x\"}]}]}",
                "panels[0].thresholds[0].color");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"thresholds\": [{\"color\": \"#ffffff\"}]}]}",
                "panels[0].thresholds[0].value");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"thresholds\": {\"value\": 1}}]}",
                "wrong type of value at panels[0].thresholds");
        bad.put("{\"title\": \"x\", \"panels\": []} {}", "not valid JSON");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"step\": 0}]}", "panels[0].step must be 1 to 86400");
        bad.put("{\"title\": \"x\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"step\": 1.5}]}", "wrong type of value at panels[0].step");
        long before = data(http.get("/api/v1/dashboards", ADMIN)).size();
        for (Map.Entry<String, String> e : bad.entrySet()) {
            HttpResponse<String> r = http.send("POST", "/api/v1/dashboards", ADMIN, e.getKey());
            assertThat(r.statusCode()).as(e.getKey() + " -> " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(e.getKey()).startsWith("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"");
            assertThat(JSON.readTree(r.body()).get("error").asText()).as(e.getKey()).contains(e.getValue());
        }
        assertThat(data(http.get("/api/v1/dashboards", ADMIN)).size()).isEqualTo(before);

        // the same checks on a change; the stored dashboard stays as it was
        long id = data(http.send("POST", "/api/v1/dashboards", ADMIN, dashboard("valid", 1))).get("id").asLong();
        HttpResponse<String> r = http.send("PUT", "/api/v1/dashboards/" + id, ADMIN, dashboard("x", 51));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(data(http.get("/api/v1/dashboards/" + id, ADMIN)).get("title").asText()).isEqualTo("valid");
        // 50 panels are fine; type, unit and thresholds take defaults
        assertThat(http.send("PUT", "/api/v1/dashboards/" + id, ADMIN, dashboard("fifty", 50)).statusCode()).isEqualTo(200);
        HttpResponse<String> minimal = http.send("POST", "/api/v1/dashboards", ADMIN,
                "{\"title\": \"m\", \"panels\": [{\"title\": \"p\", \"query\": \"up\"}]}");
        assertThat(minimal.statusCode()).isEqualTo(201);
        assertThat(data(minimal).at("/panels/0/type").asText()).isEqualTo("line");
        assertThat(data(minimal).at("/panels/0/unit").asText()).isEqualTo("");
        assertThat(data(minimal).at("/panels/0/thresholds")).isEmpty();
        assertThat(data(minimal).at("/panels/0").has("step")).isFalse();
        HttpResponse<String> stepped = http.send("POST", "/api/v1/dashboards", ADMIN,
                "{\"title\": \"s\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"step\": 15}]}");
        assertThat(data(stepped).at("/panels/0/step").asLong()).isEqualTo(15);
    }

    @Test
    void aBrowserSessionChangesDashboardsOnlyWithItsCsrfToken() throws Exception {
        HttpResponse<String> login = http.send("POST", "/api/v1/session", null,
                "{\"username\":\"dash-viewer\",\"password\":\"viewer-pass-99\"}");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Matcher m = Pattern.compile("\"csrfToken\":\"([^\"]+)\"").matcher(login.body());
        assertThat(m.find()).isTrue();
        String csrf = m.group(1);
        String body = dashboard("from the browser", 1);
        assertThat(bySession("POST", "/api/v1/dashboards", cookie, null, body).statusCode()).isEqualTo(403);
        HttpResponse<String> ok = bySession("POST", "/api/v1/dashboards", cookie, csrf, body);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        long id = data(ok).get("id").asLong();
        assertThat(bySession("DELETE", "/api/v1/dashboards/" + id, cookie, null, null).statusCode()).isEqualTo(403);
        assertThat(bySession("GET", "/api/v1/dashboards/" + id, cookie, null, null).statusCode()).isEqualTo(200);
        assertThat(bySession("DELETE", "/api/v1/dashboards/" + id, cookie, csrf, null).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> bySession(String method, String path, String cookie, String csrf, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").header("Cookie", cookie);
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
