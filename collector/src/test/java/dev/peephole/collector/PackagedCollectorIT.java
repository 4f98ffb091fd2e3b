package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        // The ports are picked free and released before the collector binds them, so another socket
        // on this machine (an ephemeral client port) can take one in between: only that failure is
        // started again, on fresh ports and a fresh data directory (the password is printed once).
        Process p = null;
        Path log = null;
        Path data = null;
        int httpPort = 0;
        HttpClient http = HttpClient.newHttpClient();
        for (int attempt = 1; ; attempt++) {
            int grpcPort;
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
                httpPort = a.getLocalPort();
                grpcPort = b.getLocalPort();
            }
            data = dir.resolve("data-" + attempt);
            log = dir.resolve("collector-" + attempt + ".log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
            pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(grpcPort));
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
                pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(a.getLocalPort()));
                pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(b.getLocalPort()));
            }
            pb.environment().put("PEEPHOLE_DATA_DIR", data.toString());
            pb.environment().remove("PEEPHOLE_ADMIN_PASSWORD");
            pb.environment().remove("PEEPHOLE_AGENT_TOKEN");
            p = pb.start();
            int status = awaitReady(p, http, httpPort);
            if (status == 200) {
                break;
            }
            boolean portTaken = !p.isAlive() && Files.readString(log).contains("Address already in use");
            p.destroyForcibly();
            if (!portTaken || attempt == 3) {
                assertThat(status).as(Files.readString(log)).isEqualTo(200);
            }
        }
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

    /** Polls /ready for up to 120 s, or until the collector exits; the last status, -1 if none came. */
    private static int awaitReady(Process p, HttpClient http, int httpPort) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int status = -1;
        while (System.nanoTime() < deadline && status != 200 && p.isAlive()) {
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException notYet) {
                status = -1;
            }
            if (status != 200) {
                Thread.sleep(300);
            }
        }
        return status;
    }
}
