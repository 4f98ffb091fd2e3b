package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar's command line: {@code --version}, a wrong setting stopping start-up with
 * one line, and a run in JSON log mode with secrets from the environment and a system
 * property: every output line is JSON, no secret is in the output or in {@code /api/v1/config}.
 */
class PackagedSettingsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path jar() {
        Path jar = Path.of("target", "peephole-collector.jar").toAbsolutePath();
        assertThat(jar).exists();
        return jar;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Process run(Path log, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PEEPHOLE_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void versionAndWrongSettingsAnswerInOneLine() throws Exception {
        Path log = dir.resolve("version.log");
        Process version = run(log, Map.of(), java(), "-jar", jar().toString(), "--version");
        assertThat(version.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(version.exitValue()).isZero();
        assertThat(Files.readAllLines(log)).singleElement().satisfies(line ->
                assertThat(line).matches("peephole-collector \\S+ \\(built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ; Java .*\\)"));

        Map<String, String> cases = Map.of(
                "PEEPHOLE_HTTP_PORT", "peephole-collector: PEEPHOLE_HTTP_PORT=\"70000\": port out of range (0 to 65535)",
                "PEEPHOLE_HTTP_PROT", "peephole-collector: PEEPHOLE_HTTP_PROT: unknown setting (java -jar peephole-collector.jar --help lists them)",
                "PEEPHOLE_RULES", "peephole-collector: PEEPHOLE_RULES=\"" + dir.resolve("70000") + "\": no such file or folder");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path out = dir.resolve(c.getKey() + ".log");
            String value = c.getKey().equals("PEEPHOLE_RULES") ? dir.resolve("70000").toString() : "70000";
            Process p = run(out, Map.of(c.getKey(), value, "PEEPHOLE_DATA_DIR", dir.resolve("data").toString()),
                    java(), "-jar", jar().toString());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(2);
            assertThat(Files.readAllLines(out)).containsExactly(c.getValue());
        }
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void aFailureAfterTheDatabaseStartedSaysWhyInOneLineAndStopsTheEmbeddedPostgres() throws Exception {
        // the notify file is readable (so the settings check passes) but not valid: it fails when the
        // notification beans are made, after the embedded PostgreSQL has started
        Path notify = Files.writeString(dir.resolve("notify.yml"), "route: [\n");
        Path data = dir.resolve("failing-data");
        int httpPort = FreePorts.next();
        Path out = dir.resolve("failing.log");
        Process p = run(out, Map.of("PEEPHOLE_NOTIFY_CONFIG", notify.toString(), "PEEPHOLE_DATA_DIR", data.toString(),
                "PEEPHOLE_HTTP_PORT", Integer.toString(httpPort), "PEEPHOLE_GRPC_PORT", "0",
                "PEEPHOLE_OTLP_GRPC_PORT", "0", "PEEPHOLE_OTLP_HTTP_PORT", "0"), java(), "-jar", jar().toString());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).as(String.join("\n", lines))
                .anySatisfy(line -> assertThat(line).startsWith("peephole-collector: PEEPHOLE_NOTIFY_CONFIG " + notify + ": "));
        assertThat(data.resolve("postgres/PG_VERSION")).as("the database had started").exists();
        assertThat(data.resolve("postgres/postmaster.pid")).as("and is stopped").doesNotExist();
    }

    @Test
    void inJsonModeEveryLineIsJsonAndNoSecretIsShownOrLogged() throws Exception {
        String adminPassword = "it-admin-Secret-1";
        String agentToken = "it-agent-Secret-2";
        String dbPassword = "it-db-Secret-3";
        int httpPort = FreePorts.next();
        int grpcPort = FreePorts.next();
        Map<String, String> env = new HashMap<>();
        env.put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
        env.put("PEEPHOLE_GRPC_PORT", Integer.toString(grpcPort));
        env.put("PEEPHOLE_DATA_DIR", dir.resolve("data").toString());
        env.put("PEEPHOLE_ADMIN_PASSWORD", adminPassword);
        env.put("PEEPHOLE_AGENT_TOKEN", agentToken);
        env.put("PEEPHOLE_LOG_FORMAT", "json");
        Path log = dir.resolve("collector.log");
        Process p = run(log, env, java(), "-Dpeephole.db.password=" + dbPassword, "-jar", jar().toString());
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + httpPort;
        try {
            int status = Http.awaitReady(p, http, URI.create(base + "/ready"), Duration.ofSeconds(120));
            assertThat(status).as(Files.readString(log)).isEqualTo(200);
            HttpResponse<String> config = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/config"))
                    .header("Authorization", Http.basic("admin", adminPassword)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(config.statusCode()).isEqualTo(200);
            assertThat(config.body()).doesNotContain("Secret-");
            Map<String, JsonNode> byName = new HashMap<>();
            JSON.readTree(config.body()).get("data").forEach(e -> byName.put(e.get("name").asText(), e));
            assertThat(byName.get("PEEPHOLE_ADMIN_PASSWORD").get("value").asText()).isEqualTo("<redacted>");
            assertThat(byName.get("PEEPHOLE_ADMIN_PASSWORD").get("source").asText()).isEqualTo("environment");
            assertThat(byName.get("PEEPHOLE_AGENT_TOKEN").get("value").asText()).isEqualTo("<redacted>");
            assertThat(byName.get("PEEPHOLE_AGENT_TOKEN").get("source").asText()).isEqualTo("environment");
            assertThat(byName.get("PEEPHOLE_DB_PASSWORD").get("value").asText()).isEqualTo("<redacted>");
            assertThat(byName.get("PEEPHOLE_DB_PASSWORD").get("source").asText()).isEqualTo("system property");
            assertThat(byName.get("PEEPHOLE_HTTP_PORT").get("value").asText()).isEqualTo(Integer.toString(httpPort));
            assertThat(byName.get("PEEPHOLE_LOG_FORMAT").get("value").asText()).isEqualTo("json");
            assertThat(byName.get("PEEPHOLE_QUERY_TIMEOUT").get("source").asText()).isEqualTo("default");
            http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query=up&token=" + agentToken))
                    .header("Authorization", Http.basic("admin", adminPassword)).build(), HttpResponse.BodyHandlers.discarding());
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(output).doesNotContain("Secret-");
        int access = 0;
        for (String line : output.split("\n")) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(node.has("timestamp") && node.has("level") && node.has("loggerName") && node.has("formattedMessage"))
                    .as(line).isTrue();
            if (node.get("loggerName").asText().equals("peephole.access")) {
                access++;
            }
        }
        assertThat(access).isGreaterThanOrEqualTo(2);
    }
}
