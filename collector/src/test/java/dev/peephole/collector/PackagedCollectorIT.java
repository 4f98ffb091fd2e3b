package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.support.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.peephole.collector.support.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as a user runs it: {@code java -jar peephole-collector.jar} on a fresh
 * data directory, with a generated admin password and agent token, then SIGTERM.
 */
class PackagedCollectorIT {

    @TempDir
    Path dir;

    @Test
    void theJarStartsOnItsEmbeddedDatabaseAndStopsCleanly() throws Exception {
        Path jar = Path.of("target", "peephole-collector.jar").toAbsolutePath();
        assertThat(jar).exists();
        int httpPort = FreePorts.next();
        Path data = dir.resolve("data");
        Path log = dir.resolve("collector.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(FreePorts.next()));
        pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(FreePorts.next()));
        pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(FreePorts.next()));
        pb.environment().put("PEEPHOLE_DATA_DIR", data.toString());
        pb.environment().remove("PEEPHOLE_ADMIN_PASSWORD");
        pb.environment().remove("PEEPHOLE_AGENT_TOKEN");
        Process p = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        int status = Http.awaitReady(p, http, URI.create("http://127.0.0.1:" + httpPort + "/ready"), Duration.ofSeconds(120));
        if (status != 200) {
            p.destroyForcibly();
        }
        assertThat(status).as(Files.readString(log)).isEqualTo(200);
        try {
            // The generated admin password is printed once and works.
            Matcher m = Pattern.compile("user 'admin', password '([^']+)'").matcher(Files.readString(log));
            assertThat(m.find()).as("admin password printed").isTrue();
            HttpResponse<String> users = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + httpPort + "/api/v1/users"))
                    .header("Authorization", Http.basic("admin", m.group(1))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(users.statusCode()).isEqualTo(200);

            Path token = data.resolve("agent-token");
            assertThat(token).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
        } finally {
            p.destroy();
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("SIGTERM: exit within 15 s").isTrue();
            p.destroyForcibly();
        }
        assertThat(data.resolve("postgres/postmaster.pid")).doesNotExist();
    }
}
