package dev.peephole.collector.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.security.Authenticator;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard's login sessions, CSRF checks, security headers, static files and live events, on a real database. */
class DashboardSessionTest {

    private static final String ADMIN_PASSWORD = "admin-secret-ds";
    private static final String ADMIN = Http.basic("admin", ADMIN_PASSWORD);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static EmbeddedServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", ADMIN_PASSWORD);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Login(String cookie, String csrf, HttpResponse<String> response) {
    }

    private static Login login(String user, String password) throws Exception {
        HttpResponse<String> r = http.send("POST", "/api/v1/session", null,
                "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
        String setCookie = r.headers().firstValue("Set-Cookie").orElse("");
        String cookie = setCookie.contains("=") ? setCookie.substring(0, setCookie.indexOf(';')) : null;
        Matcher m = Pattern.compile("\"csrfToken\":\"([^\"]+)\"").matcher(r.body());
        return new Login(cookie, m.find() ? m.group(1) : null, r);
    }

    private static HttpResponse<String> send(String method, String path, String cookie, String csrf, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String query(String sql, String param) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    void loginSetsAHardenedCookieStoredOnlyAsAHashAndLogoutEndsIt() throws Exception {
        Login bad = login("admin", "wrong-password");
        assertThat(bad.response().statusCode()).isEqualTo(401);
        assertThat(bad.response().body()).startsWith("{\"status\":\"error\",\"errorType\":\"unauthorized\"");
        assertThat(bad.cookie()).isNull();
        assertThat(http.send("POST", "/api/v1/session", null, "{\"username\":\"admin\"}").statusCode()).isEqualTo(400);

        Login ok = login("admin", ADMIN_PASSWORD);
        assertThat(ok.response().statusCode()).as(ok.response().body()).isEqualTo(200);
        String setCookie = ok.response().headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("peephole_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/").doesNotContain("Secure"); // plain HTTP here
        String id = ok.cookie().substring("peephole_session=".length());
        assertThat(java.util.Base64.getUrlDecoder().decode(id)).hasSize(32); // 256 random bits
        assertThat(ok.response().body()).contains("\"username\":\"admin\"").contains("\"role\":\"admin\"");
        assertThat(ok.csrf()).hasSizeGreaterThan(40).isNotEqualTo(id);

        // stored hashed, never as the cookie value
        assertThat(query("SELECT count(*) FROM dashboard_sessions WHERE id_hash = ?", id)).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM dashboard_sessions WHERE id_hash = ?", Authenticator.hashToken(id)))
                .isEqualTo("1");

        // the cookie authenticates reads like Basic does, and GET /api/v1/session gives the CSRF token back
        assertThat(send("GET", "/api/v1/agents", ok.cookie(), null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> who = send("GET", "/api/v1/session", ok.cookie(), null, null);
        assertThat(who.statusCode()).isEqualTo(200);
        assertThat(who.body()).contains("\"csrfToken\":\"" + ok.csrf() + "\"");

        // logout needs the CSRF header too; after it the cookie is worthless
        assertThat(send("DELETE", "/api/v1/session", ok.cookie(), null, null).statusCode()).isEqualTo(403);
        HttpResponse<String> out = send("DELETE", "/api/v1/session", ok.cookie(), ok.csrf(), null);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(query("SELECT count(*) FROM dashboard_sessions WHERE id_hash = ?", Authenticator.hashToken(id)))
                .isEqualTo("0");
        HttpResponse<String> after = send("GET", "/api/v1/agents", ok.cookie(), null, null);
        assertThat(after.statusCode()).isEqualTo(401);
        // no Basic challenge for a browser holding a cookie: no login dialog pops up
        assertThat(after.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(send("GET", "/api/v1/agents", "peephole_session=forged", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void anExpiredSessionOrADisabledUserNoLongerAuthenticates() throws Exception {
        Login ok = login("admin", ADMIN_PASSWORD);
        String hash = Authenticator.hashToken(ok.cookie().substring("peephole_session=".length()));
        assertThat(query("SELECT (expires_at - created_at) > interval '11 hours 59 minutes' FROM dashboard_sessions "
                + "WHERE id_hash = ?", hash)).isEqualTo("t"); // PEEPHOLE_SESSION_TTL, 12 h by default
        assertThat(send("GET", "/api/v1/agents", ok.cookie(), null, null).statusCode()).isEqualTo(200);
        assertThat(query("UPDATE dashboard_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = ? "
                + "RETURNING 'done'", hash)).isEqualTo("done");
        assertThat(send("GET", "/api/v1/agents", ok.cookie(), null, null).statusCode()).isEqualTo(401);

        http.send("POST", "/api/v1/users", ADMIN, "{\"username\":\"dora\",\"password\":\"dora-pass-12\",\"role\":\"viewer\"}");
        Login dora = login("dora", "dora-pass-12");
        assertThat(send("GET", "/api/v1/agents", dora.cookie(), null, null).statusCode()).isEqualTo(200);
        assertThat(query("UPDATE users SET disabled = true WHERE username = ? RETURNING 'done'", "dora")).isEqualTo("done");
        assertThat(send("GET", "/api/v1/agents", dora.cookie(), null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void changesByCookieNeedTheMatchingCsrfTokenWhileBasicClientsAreUnaffected() throws Exception {
        http.send("POST", "/api/v1/users", ADMIN, "{\"username\":\"vic\",\"password\":\"viewer-pass-2\",\"role\":\"viewer\"}");
        Login admin = login("admin", ADMIN_PASSWORD);
        String user = "{\"username\":\"%s\",\"password\":\"password-123\",\"role\":\"viewer\"}";

        assertThat(send("POST", "/api/v1/users", admin.cookie(), null, user.formatted("nocsrf")).statusCode()).isEqualTo(403);
        HttpResponse<String> wrong = send("POST", "/api/v1/users", admin.cookie(), "x" + admin.csrf(), user.formatted("wrongcsrf"));
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("\"errorType\":\"forbidden\"").contains("X-CSRF-Token");
        assertThat(send("POST", "/api/v1/users", admin.cookie(), admin.csrf(), user.formatted("withcsrf")).statusCode())
                .isEqualTo(201);
        // another session's token does not fit
        Login other = login("admin", ADMIN_PASSWORD);
        assertThat(send("POST", "/api/v1/users", admin.cookie(), other.csrf(), user.formatted("othercsrf")).statusCode())
                .isEqualTo(403);
        assertThat(http.get("/api/v1/users", ADMIN).body()).contains("withcsrf").doesNotContain("nocsrf")
                .doesNotContain("wrongcsrf").doesNotContain("othercsrf");

        // Prometheus' read-only POSTs need no CSRF token
        HttpResponse<String> q = CLIENT.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/query"))
                .POST(HttpRequest.BodyPublishers.ofString("query=1%2B1")).header("Cookie", admin.cookie())
                .header("Content-Type", "application/x-www-form-urlencoded").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(q.statusCode()).as(q.body()).isEqualTo(200);

        // Basic and bearer clients send no cookie and need no token
        assertThat(http.send("POST", "/api/v1/users", ADMIN, user.formatted("bybasic")).statusCode()).isEqualTo(201);

        // a viewer's session reads, and is refused changes even with the right token
        Login viewer = login("vic", "viewer-pass-2");
        assertThat(viewer.response().body()).contains("\"role\":\"viewer\"");
        assertThat(send("GET", "/api/v1/agents", viewer.cookie(), null, null).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/users", viewer.cookie(), viewer.csrf(), user.formatted("byviewer")).statusCode())
                .isEqualTo(403);
        assertThat(send("DELETE", "/api/v1/session", viewer.cookie(), viewer.csrf(), null).statusCode()).isEqualTo(204);
    }

    @Test
    void everyResponseCarriesTheSecurityHeadersAndTheUiIsServedPublicly() throws Exception {
        HttpResponse<String> shell = http.get("/", null);
        assertThat(shell.statusCode()).isEqualTo(200);
        assertThat(shell.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(shell.body()).contains("<script type=\"module\" src=\"/ui/app.js\"></script>");
        String csp = shell.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'").contains("frame-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(shell.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(shell.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");

        HttpResponse<String> js = http.get("/ui/app.js", null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
        assertThat(http.get("/ui/vendor/uplot/uPlot.esm.js", null).statusCode()).isEqualTo(200);

        HttpResponse<String> api = http.get("/api/v1/agents", null);
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(api.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void theLiveStreamSendsTicksToASession() throws Exception {
        Login admin = login("admin", ADMIN_PASSWORD);
        HttpResponse<InputStream> r = CLIENT.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/live"))
                .header("Cookie", admin.cookie()).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        int ticks = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while (ticks < 2 && (line = in.readLine()) != null) {
                if (line.startsWith("data:")) {
                    assertThat(line).contains("\"batchesCommitted\":").contains("\"agentsConnected\":");
                    ticks++;
                }
            }
        }
        assertThat(ticks).isEqualTo(2);
        assertThat(http.get("/api/v1/live", null).statusCode()).isEqualTo(401);
    }
}
