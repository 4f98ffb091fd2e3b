package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Request shapes of the HTTP integrations against local receivers, and receiver isolation in delivery. */
class IntegrationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant STARTS = Instant.parse("2026-03-04T05:06:07.123Z");
    private static final Instant ENDS = Instant.parse("2026-03-04T06:00:00Z");

    private static Notification sample() {
        Map<String, String> l1 = new LinkedHashMap<>();
        l1.put("alertname", "HighLatency");
        l1.put("service", "api");
        l1.put("severity", "page");
        Map<String, String> l2 = new LinkedHashMap<>();
        l2.put("alertname", "HighLatency");
        l2.put("service", "web");
        l2.put("severity", "page");
        return new Notification("team-a", "{}:{alertname=\"HighLatency\"}", Map.of("alertname", "HighLatency"), List.of(
                new NotifyAlert(Fingerprints.of(l1), 1, l1, Map.of("summary", "p99 over 1s <api>"), STARTS, null, "http://peephole/g1"),
                new NotifyAlert(Fingerprints.of(l2), 2, l2, Map.of("summary", "p99 over 1s"), STARTS, ENDS, "")),
                "http://peephole.example");
    }

    private static NotifyRouting routing(String yaml) {
        return new ConfigLoader(Duration.ofSeconds(5)).parse(yaml);
    }

    @Test
    void webhookPostsAlertmanagersVersion4Json() throws Exception {
        try (LocalHttp hook = LocalHttp.ok()) {
            NotifyRouting r = routing("""
                    route: {receiver: team-a}
                    receivers:
                      - name: team-a
                        webhook_configs:
                          - url: "%s"
                            http_config: {basic_auth: {username: u, password: p}}
                    """.formatted(hook.url("/alerts")));
            Notification n = sample();
            r.receivers().get("team-a").get(0).send(n);
            LocalHttp.Request req = hook.next(10);
            assertThat(req.method()).isEqualTo("POST");
            assertThat(req.path()).isEqualTo("/alerts");
            assertThat(req.contentType()).isEqualTo("application/json");
            assertThat(req.authorization()).isEqualTo("Basic dTpw");
            String fp1 = n.alerts().get(0).fingerprint();
            String fp2 = n.alerts().get(1).fingerprint();
            assertThat(req.body()).isEqualTo("{\"receiver\":\"team-a\",\"status\":\"firing\",\"alerts\":["
                    + "{\"status\":\"firing\",\"labels\":{\"alertname\":\"HighLatency\",\"service\":\"api\",\"severity\":\"page\"},"
                    + "\"annotations\":{\"summary\":\"p99 over 1s <api>\"},\"startsAt\":\"2026-03-04T05:06:07.123Z\","
                    + "\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://peephole/g1\",\"fingerprint\":\"" + fp1 + "\"},"
                    + "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"HighLatency\",\"service\":\"web\",\"severity\":\"page\"},"
                    + "\"annotations\":{\"summary\":\"p99 over 1s\"},\"startsAt\":\"2026-03-04T05:06:07.123Z\","
                    + "\"endsAt\":\"2026-03-04T06:00:00Z\",\"generatorURL\":\"\",\"fingerprint\":\"" + fp2 + "\"}],"
                    + "\"groupLabels\":{\"alertname\":\"HighLatency\"},"
                    + "\"commonLabels\":{\"alertname\":\"HighLatency\",\"severity\":\"page\"},\"commonAnnotations\":{},"
                    + "\"externalURL\":\"http://peephole.example\",\"version\":\"4\","
                    + "\"groupKey\":\"{}:{alertname=\\\"HighLatency\\\"}\",\"truncatedAlerts\":0}");
            // Alertmanager's fingerprint of {alertname="HighLatency",service="api",severity="page"}
            assertThat(fp1).matches("[0-9a-f]{16}");
        }
    }

    @Test
    void slackPostsChannelTextAndAttachments() throws Exception {
        try (LocalHttp slack = LocalHttp.ok()) {
            NotifyRouting r = routing("""
                    global: {slack_api_url: "%s"}
                    route: {receiver: chat}
                    receivers:
                      - name: chat
                        slack_configs:
                          - channel: "#ops"
                            username: peephole
                            title: '{{ .Status | toUpper }}: {{ .CommonLabels.alertname }} ({{ len .Alerts.Firing }} firing)'
                            text: '{{ range .Alerts }}{{ .Labels.service }}={{ .Annotations.summary }};{{ end }}'
                    """.formatted(slack.url("/services/T1/B2/xyz")));
            r.receivers().get("chat").get(0).send(sample());
            LocalHttp.Request req = slack.next(10);
            assertThat(req.path()).isEqualTo("/services/T1/B2/xyz");
            JsonNode body = JSON.readTree(req.body());
            assertThat(body.get("channel").asText()).isEqualTo("#ops");
            assertThat(body.get("username").asText()).isEqualTo("peephole");
            assertThat(body.get("text").asText()).isEqualTo("FIRING: HighLatency (1 firing)");
            JsonNode att = body.get("attachments").get(0);
            assertThat(att.get("title").asText()).isEqualTo("FIRING: HighLatency (1 firing)");
            assertThat(att.get("text").asText()).isEqualTo("api=p99 over 1s <api>;web=p99 over 1s;");
            assertThat(att.get("color").asText()).isEqualTo("danger");
            assertThat(att.get("fallback").asText()).isEqualTo("[FIRING:1] HighLatency");
        }
    }

    @Test
    void telegramCallsTheBotApiSendMessage() throws Exception {
        try (LocalHttp tg = new LocalHttp(req -> new Object[] {200, "{\"ok\":true,\"result\":{\"message_id\":1}}"})) {
            NotifyRouting r = routing("""
                    route: {receiver: tg}
                    receivers:
                      - name: tg
                        telegram_configs:
                          - bot_token: "123:ABC"
                            chat_id: -1001234
                            api_url: "%s"
                    """.formatted(tg.url("")));
            r.receivers().get("tg").get(0).send(sample());
            LocalHttp.Request req = tg.next(10);
            assertThat(req.method()).isEqualTo("POST");
            assertThat(req.path()).isEqualTo("/bot123:ABC/sendMessage");
            JsonNode body = JSON.readTree(req.body());
            assertThat(body.get("chat_id").asLong()).isEqualTo(-1001234L);
            assertThat(body.get("parse_mode").asText()).isEqualTo("HTML");
            assertThat(body.get("text").asText()).startsWith("[FIRING:1] HighLatency\n")
                    .contains("p99 over 1s &lt;api&gt;").doesNotContain("<api>");
        }
    }

    @Test
    void telegramAnswerWithoutOkIsAFailure() throws Exception {
        try (LocalHttp tg = new LocalHttp(req -> new Object[] {200, "{\"ok\":false}"})) {
            NotifyRouting r = routing("""
                    route: {receiver: tg}
                    receivers:
                      - name: tg
                        telegram_configs: [{bot_token: "9:Z", chat_id: 1, api_url: "%s"}]
                    """.formatted(tg.url("")));
            Integration t = r.receivers().get("tg").get(0);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.send(sample()))
                    .isInstanceOf(DeliveryException.class).hasMessageContaining("without ok");
        }
    }

    @Test
    void aHangingOrFailingReceiverDoesNotDelayAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LocalHttp slow = new LocalHttp(req -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Object[] {200, ""};
        });
             LocalHttp broken = new LocalHttp(req -> new Object[] {500, "no"});
             LocalHttp fast = LocalHttp.ok()) {
            NotifyRouting r = routing("""
                    route:
                      receiver: fast
                      group_wait: 0s
                      routes:
                        - {matchers: ['team="slow"'], receiver: slow}
                        - {matchers: ['team="broken"'], receiver: broken}
                    receivers:
                      - {name: slow, webhook_configs: [{url: "%s", timeout: 60s}]}
                      - {name: broken, webhook_configs: [{url: "%s"}]}
                      - {name: fast, webhook_configs: [{url: "%s"}]}
                    """.formatted(slow.url("/s"), broken.url("/b"), fast.url("/f")));
            List<DeliveryRecord> records = Collections.synchronizedList(new ArrayList<>());
            Delivery delivery = new Delivery(() -> r, records::add, new SimpleMeterRegistry(), 5, Duration.ofMillis(200),
                    Duration.ofSeconds(2));
            Dispatcher d = new Dispatcher(Clock.systemUTC(), () -> r, (l, t) -> false, delivery, "");
            d.start();
            try {
                Instant now = Instant.now();
                for (int i = 0; i < 3; i++) {
                    d.receive(List.of(
                            new AlertNotice(10 + i, Map.of("alertname", "A" + i, "team", "slow"), Map.of(), now, null, "", null, null),
                            new AlertNotice(20 + i, Map.of("alertname", "B" + i, "team", "broken"), Map.of(), now, null, "", null, null)));
                }
                slow.next(30);
                long t0 = System.nanoTime();
                d.receive(List.of(new AlertNotice(30, Map.of("alertname", "C", "team", "other"), Map.of(), now, null, "", null, null)));
                LocalHttp.Request got = fast.next(30);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(got.body()).contains("\"alertname\":\"C\"");
                assertThat(ms).as("the fast receiver is not held up by the hanging one (60 s) nor the failing one's retries")
                        .isLessThan(20_000);
                assertThat(records).noneMatch(x -> x.receiver().equals("slow"));
            } finally {
                release.countDown();
                d.stop();
                delivery.close();
            }
        }
    }
}
