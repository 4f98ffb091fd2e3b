package dev.peephole.collector.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.support.FreePorts;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import dev.peephole.collector.db.ConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health and /ready on the real embedded PostgreSQL, and on a database that is not there. */
class HealthReadyTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void embeddedDatabaseIsStartedMigratedAndReusedOnRestart() throws Exception {
        try (EmbeddedServer server = start(Map.of("peephole.data.dir", dataDir.toString()))) {
            HttpResponse<String> health = get(server, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");

            HttpResponse<String> ready = get(server, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\":\"UP\"").contains("\"database\":\"UP\"")
                    .contains("version " + dev.peephole.collector.support.Migrations.latestVersion() + " on postgres");

            execute(server, "INSERT INTO collector_state (key, value) VALUES ('restart-marker', 'kept')");
        }
        assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();

        // A second start on the same data directory finds the same database.
        try (EmbeddedServer server = start(Map.of("peephole.data.dir", dataDir.toString()))) {
            assertThat(get(server, "/ready").statusCode()).isEqualTo(200);
            assertThat(query(server, "SELECT value FROM collector_state WHERE key = 'restart-marker'"))
                    .isEqualTo("kept");
        }
    }

    @Test
    void readyIs503NamingTheDatabaseWhenItCannotBeReached() throws Exception {
        int closedPort = FreePorts.next();
        Map<String, Object> props = Map.of(
                "peephole.data.dir", dataDir.toString(),
                "peephole.db.url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres",
                "peephole.db.user", "nobody");
        try (EmbeddedServer server = start(props)) {
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(server, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"status\":\"DOWN\"").contains("\"database\":\"DOWN: ")
                    .contains("\"schema\":\"DOWN: ");
        }
        // No embedded database was started for an external URL.
        assertThat(dataDir.resolve("postgres")).doesNotExist();
    }

    private static EmbeddedServer start(Map<String, Object> props) {
        Map<String, Object> all = new java.util.HashMap<>(props);
        all.put("micronaut.server.port", -1);
        all.put("peephole.grpc.port", 0);
        return ApplicationContext.run(EmbeddedServer.class, all);
    }

    private HttpResponse<String> get(EmbeddedServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void execute(EmbeddedServer server, String sql) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(EmbeddedServer server, String sql) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
