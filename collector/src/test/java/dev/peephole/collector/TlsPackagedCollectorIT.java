package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestCertificates;
import dev.peephole.proto.v1.CollectorMessage;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar with {@code PEEPHOLE_TLS_CERT} / {@code PEEPHOLE_TLS_KEY} in its environment:
 * HTTPS (not HTTP) on {@code PEEPHOLE_HTTP_PORT} and TLS on the agent protocol's port.
 */
class TlsPackagedCollectorIT {

    @TempDir
    Path dir;

    @Test
    void theJarServesHttpsAndTlsFromTheEnvironment() throws Exception {
        Path jar = Path.of("target", "peephole-collector.jar").toAbsolutePath();
        assertThat(jar).exists();
        TestCertificates.Ca ca = TestCertificates.ca(dir, "it");
        TestCertificates.Server files = TestCertificates.server(dir, "collector", ca);
        int httpPort = FreePorts.next();
        int grpcPort = FreePorts.next();
        int otlpGrpc = FreePorts.next();
        int otlpHttp = FreePorts.next();
        Path log = dir.resolve("collector.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(grpcPort));
        pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(otlpGrpc));
        pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(otlpHttp));
        pb.environment().put("PEEPHOLE_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("PEEPHOLE_AGENT_TOKEN", "tls-it-token");
        pb.environment().put("PEEPHOLE_ADMIN_PASSWORD", "tls-it-admin-1");
        pb.environment().put("PEEPHOLE_TLS_CERT", files.certFile().toString());
        pb.environment().put("PEEPHOLE_TLS_KEY", files.keyFile().toString());
        Process p = pb.start();
        HttpClient https = HttpClient.newBuilder().sslContext(ca.sslContext()).connectTimeout(Duration.ofSeconds(10)).build();
        try {
            int status = Http.awaitReady(p, https, URI.create("https://localhost:" + httpPort + "/ready"), Duration.ofSeconds(180));
            assertThat(status).as(Files.readString(log)).isEqualTo(200);
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + httpPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/health"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("no plain HTTP next to HTTPS").isInstanceOf(java.io.IOException.class);

            try (TestAgent agent = new TestAgent(NettyChannelBuilder.forAddress("localhost", grpcPort,
                    TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build()).build(),
                    "tls-it-token", "tls-it-agent")) {
                agent.sendHello("tls-it");
                CollectorMessage settings = agent.next(30);
                assertThat(settings).as("settings over TLS").isNotNull();
                assertThat(settings.hasSettings()).isTrue();
            }
            assertThat(Files.readString(log)).contains("Agent protocol listening on port " + grpcPort + " (TLS)");
        } finally {
            p.destroy();
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("SIGTERM: exit within 15 s").isTrue();
            p.destroyForcibly();
        }
    }
}
