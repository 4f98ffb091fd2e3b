package dev.peephole.collector.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestCertificates;
import dev.peephole.collector.support.TestPostgres;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent protocol and the HTTP listener serving TLS from PEM files made in the test
 * ({@code PEEPHOLE_TLS_CERT} / {@code PEEPHOLE_TLS_KEY}): a client that trusts the CA streams and
 * gets its batch acknowledged; one that trusts another CA fails the handshake; a plaintext client
 * gets nowhere; HTTPS {@code /health} answers a client that trusts the CA.
 */
class TlsTest {
    private static final String TOKEN = "tls-token";
    private static Path dir;
    private static TestCertificates.Ca ca;
    private static TestCertificates.Ca otherCa;
    private static EmbeddedServer server;
    private static int grpcPort;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("peephole-tls");
        ca = TestCertificates.ca(dir, "test");
        otherCa = TestCertificates.ca(dir, "other");
        TestCertificates.Server files = TestCertificates.server(dir, "collector", ca);
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", "tls-admin-pass-1");
        props.put("peephole.tls.cert", files.certFile().toString());
        props.put("peephole.tls.key", files.keyFile().toString());
        // What the collector's main does with the same settings before Micronaut's server starts.
        Map<String, Object> https = new TlsFiles(name -> Optional.ofNullable((String) props.get(name)))
                .micronautServerProperties("-1");
        assertThat(https).containsEntry("micronaut.server.ssl.enabled", true);
        props.putAll(https);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ManagedChannel tlsChannel(Path caFile) throws Exception {
        return NettyChannelBuilder.forAddress("localhost", grpcPort,
                TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build()).build();
    }

    @Test
    void anAgentTrustingTheCaStreamsOverTls() throws Exception {
        try (TestAgent agent = new TestAgent(tlsChannel(ca.certFile()), TOKEN, "tls-agent")) {
            agent.sendHello("tls");
            CollectorMessage settings = agent.next(30);
            assertThat(settings).as("settings over TLS").isNotNull();
            assertThat(settings.hasSettings()).isTrue();
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addMetrics(MetricSeries.newBuilder().setName("tls.test").setType(MetricType.METRIC_TYPE_GAUGE)
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
                                    .setValue(1)))
                    .build());
            CollectorMessage ack = agent.next(30);
            assertThat(ack).isNotNull();
            assertThat(ack.getAck().getAcceptedPoints()).isEqualTo(1);
        }
    }

    @Test
    void anAgentTrustingAnotherCaFailsTheHandshake() throws Exception {
        try (TestAgent agent = new TestAgent(tlsChannel(otherCa.certFile()), TOKEN, "tls-wrong-ca")) {
            agent.sendHello("tls");
            Status ended = agent.ended.get(30, TimeUnit.SECONDS);
            assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(ended.getCause()).as("the handshake fails").isInstanceOf(SSLHandshakeException.class);
            assertThat(agent.received).as("nothing from the collector").isEmpty();
        }
    }

    @Test
    void aPlaintextClientGetsNowhere() throws Exception {
        try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "tls-plaintext")) {
            agent.sendHello("tls");
            Status ended = agent.ended.get(30, TimeUnit.SECONDS);
            assertThat(ended.isOk()).as("the stream fails: %s", ended).isFalse();
            assertThat(agent.received).as("nothing from the collector").isEmpty();
        }
    }

    @Test
    void otlpOverGrpcAndHttpServesTlsToo() throws Exception {
        int otlpGrpc = server.getApplicationContext().getBean(dev.peephole.collector.otlp.OtlpGrpcServer.class).port();
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", otlpGrpc,
                TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build()).build();
        try {
            io.grpc.Metadata auth = new io.grpc.Metadata();
            auth.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
            var response = io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth))
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .export(io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.getDefaultInstance());
            assertThat(response.hasPartialSuccess()).isFalse();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        int otlpHttp = server.getApplicationContext().getBean(dev.peephole.collector.otlp.OtlpHttpServer.class).port();
        HttpRequest post = HttpRequest.newBuilder(URI.create("https://localhost:" + otlpHttp + "/v1/traces"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"resourceSpans\":[]}")).timeout(Duration.ofSeconds(30)).build();
        HttpClient trusting = HttpClient.newBuilder().sslContext(ca.sslContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        assertThat(trusting.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpClient other = HttpClient.newBuilder().sslContext(otherCa.sslContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        assertThatThrownBy(() -> other.send(post, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void httpsHealthAnswersAClientTrustingTheCa() throws Exception {
        URI health = URI.create("https://localhost:" + server.getPort() + "/health");
        HttpClient trusting = HttpClient.newBuilder().sslContext(ca.sslContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"UP\"}");

        HttpClient other = HttpClient.newBuilder().sslContext(otherCa.sslContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        assertThatThrownBy(() -> other.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort()
                + "/health")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
                .as("plain HTTP on the HTTPS port").isInstanceOf(java.io.IOException.class);
    }

    @Test
    void halfAPairOrAMissingFileIsRefusedByName() {
        TlsFiles onlyCert = new TlsFiles(name -> name.equals("peephole.tls.cert") ? Optional.of("/x.pem") : Optional.empty());
        assertThatThrownBy(() -> onlyCert.files("grpc")).hasMessageContaining("PEEPHOLE_TLS_KEY is not set");
        TlsFiles missing = new TlsFiles(name -> name.startsWith("peephole.tls.grpc.")
                ? Optional.of(dir.resolve("nope-" + name).toString()) : Optional.empty());
        assertThatThrownBy(() -> missing.serverCredentials("grpc")).hasMessageContaining("PEEPHOLE_TLS_GRPC_CERT")
                .hasMessageContaining("no such file");
        TlsFiles none = new TlsFiles(name -> Optional.empty());
        assertThat(none.serverCredentials("otlp")).isEmpty();
        assertThat(none.micronautServerProperties("8080")).isEmpty();
    }
}
