package dev.peephole.collector.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /api/v1/config}: every setting with its value and source; the three secrets,
 * set through each in-process source (Micronaut property, system property, configuration
 * file), are never shown, only {@code <redacted>}; viewers get 403. (The environment as a
 * source is covered by {@code PackagedCollectorIT}, which runs the jar.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConfigApiTest {

    private static final String ADMIN_PASSWORD = "cfg-admin-Secret-1";
    private static final String AGENT_TOKEN = "cfg-agent-Secret-2";
    private static final String DB_PASSWORD = "cfg-db-Secret-3";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"property", "system property", "file"})
    void secretsAreRedactedWhateverTheirSourceAndViewersAreRefused(String via) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase() + "&password=" + DB_PASSWORD);
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.evaluation.interval", "2m");
        Map<String, String> secrets = Map.of("peephole.admin.password", ADMIN_PASSWORD,
                "peephole.agent.token", AGENT_TOKEN, "peephole.db.password", DB_PASSWORD);
        Path file = dir.resolve("peephole.properties");
        switch (via) {
            case "property" -> props.putAll(secrets);
            case "system property" -> secrets.forEach(System::setProperty);
            default -> {
                StringBuilder text = new StringBuilder();
                secrets.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
                Files.writeString(file, text);
                System.setProperty("micronaut.config.files", file.toString());
            }
        }
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            Http http = new Http(server);
            String admin = Http.basic("admin", ADMIN_PASSWORD);
            HttpResponse<String> r = http.get("/api/v1/config", admin);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).doesNotContain(ADMIN_PASSWORD).doesNotContain(AGENT_TOKEN).doesNotContain(DB_PASSWORD)
                    .doesNotContain("Secret-");

            Map<String, JsonNode> byName = new HashMap<>();
            JSON.readTree(r.body()).get("data").forEach(e -> byName.put(e.get("name").asText(), e));
            assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                    CollectorSettings.ALL.stream().map(CollectorSettings.Setting::env).toList());
            String expectedSource = switch (via) {
                case "property" -> "property";
                case "system property" -> "system property";
                default -> "file";
            };
            for (String secret : new String[] {"PEEPHOLE_ADMIN_PASSWORD", "PEEPHOLE_AGENT_TOKEN", "PEEPHOLE_DB_PASSWORD"}) {
                JsonNode e = byName.get(secret);
                assertThat(e.get("value").asText()).as(secret).isEqualTo("<redacted>");
                assertThat(e.get("secret").asBoolean()).isTrue();
                assertThat(e.get("source").asText()).as(secret).startsWith(expectedSource);
            }
            // the password inside the JDBC URL is redacted too
            assertThat(byName.get("PEEPHOLE_DB_URL").get("value").asText()).endsWith("password=<redacted>");
            assertThat(byName.get("PEEPHOLE_EVALUATION_INTERVAL").get("value").asText()).isEqualTo("2m");
            assertThat(byName.get("PEEPHOLE_EVALUATION_INTERVAL").get("source").asText()).isEqualTo("property");
            assertThat(byName.get("PEEPHOLE_SESSION_TTL").get("value").asText()).isEqualTo("12h");
            assertThat(byName.get("PEEPHOLE_SESSION_TTL").get("source").asText()).isEqualTo("default");
            assertThat(byName.get("PEEPHOLE_RULES").has("value")).isFalse(); // unset: no value
            assertThat(byName.get("PEEPHOLE_RULES").get("source").asText()).isEqualTo("default");

            assertThat(http.send("POST", "/api/v1/users", admin,
                    "{\"username\":\"cfg-viewer\",\"password\":\"cfg-viewer-1\",\"role\":\"viewer\"}").statusCode()).isEqualTo(201);
            HttpResponse<String> viewer = http.get("/api/v1/config", Http.basic("cfg-viewer", "cfg-viewer-1"));
            assertThat(viewer.statusCode()).isEqualTo(403);
            assertThat(viewer.body()).startsWith("{\"status\":\"error\",\"errorType\":\"forbidden\"");
            assertThat(http.get("/api/v1/config", null).statusCode()).isEqualTo(401);
        } finally {
            secrets.keySet().forEach(System::clearProperty);
            System.clearProperty("micronaut.config.files");
        }
    }
}
