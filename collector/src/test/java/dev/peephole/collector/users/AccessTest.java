package dev.peephole.collector.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Users, roles, Basic and bearer authentication, rate limiting and the audit log. */
class AccessTest {

    private static final String ADMIN_PASSWORD = "admin-secret-1";
    private static final String ADMIN = Http.basic("admin", ADMIN_PASSWORD);
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

    @Test
    void theApiNeedsCredentialsAndAnswersInPrometheusErrorShape() throws Exception {
        HttpResponse<String> none = http.get("/api/v1/users", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(none.body()).startsWith("{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":");

        assertThat(http.get("/api/v1/users", ADMIN).statusCode()).isEqualTo(200);
        assertThat(http.get("/api/v1/users", Http.basic("admin", "wrong-password")).statusCode()).isEqualTo(401);
        assertThat(http.get("/api/v1/users", "Bearer php_not-a-token").statusCode()).isEqualTo(401);

        HttpResponse<String> unknown = http.get("/api/v1/no-such-thing", ADMIN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("{\"status\":\"error\",\"errorType\":\"not_found\"");
        assertThat(http.get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void passwordsAreStoredOnlyAsBcryptHashes() throws Exception {
        String hash = query("SELECT password_hash FROM users WHERE username = 'admin'");
        assertThat(hash).startsWith("$2").doesNotContain(ADMIN_PASSWORD);
    }

    @Test
    void viewersReadAdminsChangeAndEveryChangeIsAudited() throws Exception {
        HttpResponse<String> created = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"vera\",\"password\":\"viewer-pass-1\",\"role\":\"viewer\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String vera = Http.basic("vera", "viewer-pass-1");

        assertThat(http.send("POST", "/api/v1/users", vera,
                "{\"username\":\"mallory\",\"password\":\"password-1\",\"role\":\"admin\"}").statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/users", vera).statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/audit", vera).statusCode()).isEqualTo(403);

        HttpResponse<String> bad = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"short\",\"password\":\"x\",\"role\":\"viewer\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"errorType\":\"bad_data\"").contains("at least 8 characters");

        // A viewer makes an API token for themselves and reads with it.
        HttpResponse<String> token = http.send("POST", "/api/v1/tokens", vera, "{\"name\":\"grafana\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        Matcher m = Pattern.compile("\"token\":\"(php_[^\"]+)\"").matcher(token.body());
        assertThat(m.find()).isTrue();
        String bearer = "Bearer " + m.group(1);
        HttpResponse<String> tokens = http.get("/api/v1/tokens", bearer);
        assertThat(tokens.statusCode()).isEqualTo(200);
        assertThat(tokens.body()).contains("\"name\":\"grafana\"").doesNotContain(m.group(1));
        assertThat(query("SELECT count(*) FROM api_tokens WHERE token_hash LIKE '%" + m.group(1) + "%'")).isEqualTo("0");

        HttpResponse<String> audit = http.get("/api/v1/audit", ADMIN);
        assertThat(audit.statusCode()).isEqualTo(200);
        assertThat(audit.body()).contains("\"actor\":\"admin\",\"action\":\"user.create\",\"target\":\"vera\"")
                .contains("\"actor\":\"vera\",\"action\":\"token.create\",\"target\":\"grafana\"")
                .contains("\"sourceIp\":\"127.0.0.1\"");
        assertThat(http.get("/api/v1/audit?limit=abc", ADMIN).statusCode()).isEqualTo(400);
        assertThat(http.get("/api/v1/audit?start=yesterday", ADMIN).body()).contains("cannot parse \\\"yesterday\\\"");

        // Nobody edits the audit log, not even with SQL through the product's own connection.
        assertThatThrownBy(() -> query("UPDATE audit_log SET actor = 'someone-else' RETURNING 1"))
                .hasMessageContaining("append-only");
    }

    @Test
    void failedLoginsAreRateLimited() throws Exception {
        http.send("POST", "/api/v1/users", ADMIN, "{\"username\":\"rita\",\"password\":\"rita-pass-1\",\"role\":\"viewer\"}");
        for (int i = 0; i < 5; i++) {
            assertThat(http.get("/api/v1/tokens", Http.basic("rita", "guess-" + i)).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> blocked = http.get("/api/v1/tokens", Http.basic("rita", "rita-pass-1"));
        assertThat(blocked.statusCode()).isEqualTo(429);
        assertThat(blocked.body()).contains("too many failed logins");
    }

    private static String query(String sql) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
