package dev.peephole.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.Application;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import io.grpc.Status;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database going away and coming back; SIGTERM with batches in hand. */
class IngestFaultsTest {

    private static final String TOKEN = "faults-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void whileTheDatabaseIsDownNothingIsAcknowledgedAndEverythingIsStoredWhenItReturns() throws Exception {
        int pgPort = FreePorts.next();
        Path pgData = dir.resolve("pg");
        EmbeddedPostgres pg = startPostgres(pgData, pgPort);
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres");
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            int grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
            try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "agent-db-down")) {
                agent.sendHello("doorbell");
                assertThat(agent.next(20).hasSettings()).isTrue();
                agent.sendBatch(batch(1));
                assertThat(agent.next(20).getAck().getSequence()).isEqualTo(1);

                pg.close();
                assertThat(status(server, "/ready")).isEqualTo(503);

                agent.sendBatch(batch(2));
                agent.sendBatch(batch(3));
                assertThat(agent.next(5)).as("no ack while the database is down").isNull();

                pg = startPostgres(pgData, pgPort);
                Set<Long> acked = new HashSet<>();
                for (int i = 0; i < 2; i++) {
                    CollectorMessage m = agent.next(60);
                    if (m == null) {
                        // Say where the collector's threads are, for whoever reads this failure.
                        Thread.getAllStackTraces().forEach((t, stack) -> {
                            if (t.getName().startsWith("peephole")) {
                                System.out.println(t.getName() + " " + t.getState());
                                for (StackTraceElement e : stack) {
                                    System.out.println("    at " + e);
                                }
                            }
                        });
                    }
                    assertThat(m).as("ack after the database came back").isNotNull();
                    acked.add(m.getAck().getSequence());
                }
                assertThat(acked).containsExactlyInAnyOrder(2L, 3L);
                assertThat(agent.ended).isNotDone();
                awaitStatus(server, "/ready", 200);
                try (Connection c = pg.getPostgresDatabase().getConnection();
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM spans WHERE agent_id = 'agent-db-down'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(3);
                }
            }
        } finally {
            pg.close();
        }
    }

    @Test
    void sigtermAcknowledgesBatchesInHandStopsTheEmbeddedDatabaseAndExitsWithin15Seconds() throws Exception {
        int httpPort = FreePorts.next();
        int grpcPort = FreePorts.next();
        Path dataDir = dir.resolve("data");
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                Application.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("collector.log").toFile());
        pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(grpcPort));
        pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(FreePorts.next()));
        pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(FreePorts.next()));
        pb.environment().put("PEEPHOLE_DATA_DIR", dataDir.toString());
        pb.environment().put("PEEPHOLE_AGENT_TOKEN", TOKEN);
        Process collector = pb.start();
        try {
            awaitStatus(URI.create("http://127.0.0.1:" + httpPort + "/ready"), 200, Duration.ofSeconds(90));
            Set<Long> acked = new HashSet<>();
            try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "agent-sigterm")) {
                agent.sendHello("doorbell");
                assertThat(agent.next(20).hasSettings()).isTrue();
                agent.sendBatch(batch(1));
                assertThat(agent.next(20).getAck().getSequence()).isEqualTo(1);
                acked.add(1L);
                int sent = 40;
                for (int i = 2; i <= sent; i++) {
                    agent.sendBatch(batch(i));
                }
                // SIGTERM while batches are in hand (queued, being committed, or still arriving).
                long started = System.nanoTime();
                collector.destroy();
                assertThat(collector.waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                System.out.println("SIGTERM to exit: " + tookMs + " ms");

                CollectorMessage m;
                while ((m = agent.next(1)) != null) {
                    if (m.hasAck()) {
                        acked.add(m.getAck().getSequence());
                    }
                }
                Status end = agent.ended.get(5, TimeUnit.SECONDS);
                assertThat(end.getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.OK);
            }
            assertThat(dataDir.resolve("postgres/postmaster.pid")).as("embedded PostgreSQL stopped").doesNotExist();
            // What was committed was acknowledged, and what was acknowledged was committed.
            try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("postgres"))
                    .setCleanDataDirectory(false).start();
                 Connection c = pg.getPostgresDatabase().getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT operation FROM spans WHERE agent_id = 'agent-sigterm'")) {
                Set<Long> stored = new HashSet<>();
                while (rs.next()) {
                    stored.add(Long.parseLong(rs.getString(1).substring("batch-".length())));
                }
                assertThat(stored).isEqualTo(acked);
            }
        } finally {
            collector.destroyForcibly();
            System.out.println(Files.readString(dir.resolve("collector.log")));
        }
    }

    private static Batch batch(long sequence) {
        return Batch.newBuilder().setSequence(sequence)
                .addSpans(AgentIngestTest.span(100 + sequence, 1, 0, "batch-" + sequence, System.currentTimeMillis() * 1_000_000L))
                .build();
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
        Files.createDirectories(data);
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private int status(EmbeddedServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void awaitStatus(EmbeddedServer server, String path, int expected) throws Exception {
        awaitStatus(URI.create(server.getURL() + path), expected, Duration.ofSeconds(60));
    }

    private void awaitStatus(URI uri, int expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == expected) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(uri + " answered " + last + ", expected " + expected);
    }

}
