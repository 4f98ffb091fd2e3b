package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole path on the real collector: a series crosses a rule's threshold, the scheduled
 * evaluation fires the alert, routing (Alertmanager's format) delivers it to a webhook, and an
 * acknowledgement reaches routing. Prints the latency from the sample's write to the webhook;
 * the target is one evaluation interval plus group_wait plus 1 s (2 s + 1 s + 1 s here). The
 * assertion is generous (the suite shares 2 cores); the figure is what the note reports.
 */
class RuleToWebhookTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aConditionThatBecomesTrueReachesTheWebhook() throws Exception {
        BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hook", ex -> {
            received.add(JSON.readTree(ex.getRequestBody()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        Path dir = Files.createTempDirectory("peephole-e2e-rules");
        Files.writeString(dir.resolve("e2e.rules.yml"), """
                groups:
                  - name: e2e
                    interval: 2s
                    rules:
                      - alert: VisitorBlacklisted
                        expr: e2e_blacklisted > 0
                        labels: {severity: critical}
                        annotations: {summary: 'blacklisted at {{ $labels.door }}'}
                """);
        Path notify = dir.resolve("notify.yml");
        Files.writeString(notify, """
                route:
                  receiver: hook
                  group_by: [alertname]
                  group_wait: 1s
                  group_interval: 5m
                receivers:
                  - name: hook
                    webhook_configs: [{url: "http://127.0.0.1:%d/hook", send_resolved: true}]
                """.formatted(hook.getAddress().getPort()));
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", "e2e-admin-1");
        props.put("peephole.rules", dir.toString());
        props.put("peephole.default.rules", false);
        props.put("peephole.notify.config", notify.toString());
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            LocalSeriesWriter writer = server.getApplicationContext().getBean(LocalSeriesWriter.class);
            RuleManager manager = server.getApplicationContext().getBean(RuleManager.class);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (manager.groups().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            writer.write(List.of(new LocalSample("e2e_blacklisted", Map.of("door", "front"),
                    System.currentTimeMillis() - 60_000, 0)), "gauge", "test");
            long written = System.nanoTime();
            writer.write(List.of(new LocalSample("e2e_blacklisted", Map.of("door", "front"),
                    System.currentTimeMillis(), 1)), "gauge", "test");
            JsonNode body = received.poll(60, TimeUnit.SECONDS);
            double latency = (System.nanoTime() - written) / 1e9;
            assertThat(body).as("a webhook notification").isNotNull();
            System.out.printf("RESULT rule_to_webhook_seconds=%.2f (interval 2 s + group_wait 1 s + 1 s = 4 s target)%n",
                    latency);
            assertThat(body.path("version").asText()).isEqualTo("4");
            assertThat(body.path("status").asText()).isEqualTo("firing");
            JsonNode alert = body.path("alerts").get(0);
            assertThat(alert.path("labels").path("alertname").asText()).isEqualTo("VisitorBlacklisted");
            assertThat(alert.path("annotations").path("summary").asText()).isEqualTo("blacklisted at front");
            assertThat(latency).as("seconds from the sample to the webhook").isLessThan(30);
        } finally {
            hook.stop(0);
        }
    }
}
