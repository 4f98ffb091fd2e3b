package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.support.FreePorts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forwarding to a real Alertmanager (the Debian package's {@code prometheus-alertmanager}). */
class AlertmanagerForwardTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Process alertmanager;
    private static String url;

    static String binary() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, "prometheus-alertmanager");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("prometheus-alertmanager is not installed: this test needs the real Alertmanager "
                + "(Debian package prometheus-alertmanager, installed by ./peephole test: apt-get install prometheus-alertmanager)");
    }

    @BeforeAll
    static void start() throws Exception {
        String bin = binary();
        int port = FreePorts.next();
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
        Path data = Files.createDirectory(dir.resolve("data"));
        alertmanager = new ProcessBuilder(bin, "--config.file=" + config, "--storage.path=" + data,
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
        url = "http://127.0.0.1:" + port;
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                if (CLIENT.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            if (!alertmanager.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("Alertmanager did not get ready: " + Files.readString(dir.resolve("alertmanager.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            if (!alertmanager.waitFor(20, TimeUnit.SECONDS)) {
                alertmanager.destroyForcibly();
            }
        }
    }

    private static JsonNode alertsInAlertmanager() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode await(java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            last = alertsInAlertmanager();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Alertmanager never showed the expected alerts; last: " + last);
    }

    @Test
    void alertsAreForwardedToTheV2ApiAndResolved() throws Exception {
        NotifyRouting r = new ConfigLoader(Duration.ofSeconds(5)).parse("""
                alertmanagers:
                  - url: "%s"
                """.formatted(url));
        List<DeliveryRecord> records = Collections.synchronizedList(new ArrayList<>());
        Delivery delivery = new Delivery(() -> r, records::add, new SimpleMeterRegistry(), 3, Duration.ofMillis(100),
                Duration.ofSeconds(1));
        Dispatcher d = new Dispatcher(Clock.systemUTC(), () -> r, (l, t) -> false, delivery, "");
        Instant started = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        AlertNotice a = new AlertNotice(1, Map.of("alertname", "PeepholeForwarded", "severity", "page", "service_name", "doorbell"),
                Map.of("summary", "forwarded by Peephole"), started, null, "http://peephole/graph?g0.expr=up", null, null);
        AlertNotice b = new AlertNotice(2, Map.of("alertname", "PeepholeOther", "severity", "info"),
                Map.of(), started, null, "", null, null);
        try {
            d.receive(List.of(a, b));
            JsonNode got = await(n -> n.size() == 2);
            JsonNode fwd = null;
            for (JsonNode x : got) {
                if (x.path("labels").path("alertname").asText().equals("PeepholeForwarded")) {
                    fwd = x;
                }
            }
            assertThat(fwd).isNotNull();
            assertThat(fwd.path("labels").path("service_name").asText()).isEqualTo("doorbell");
            assertThat(fwd.path("annotations").path("summary").asText()).isEqualTo("forwarded by Peephole");
            assertThat(Instant.parse(fwd.path("startsAt").asText())).isEqualTo(started);
            assertThat(fwd.path("generatorURL").asText()).isEqualTo("http://peephole/graph?g0.expr=up");
            assertThat(fwd.path("status").path("state").asText()).isEqualTo("active");
            assertThat(fwd.path("fingerprint").asText()).isEqualTo(Fingerprints.of(a.labels()));

            d.receive(List.of(new AlertNotice(1, a.labels(), a.annotations(), started, Instant.now().minusSeconds(1), "", null, null), b));
            await(n -> n.size() == 1 && n.get(0).path("labels").path("alertname").asText().equals("PeepholeOther"));
            assertThat(records).allMatch(x -> x.outcome().equals("sent") && x.integration().equals("alertmanager"));
        } finally {
            delivery.close();
        }
    }
}
