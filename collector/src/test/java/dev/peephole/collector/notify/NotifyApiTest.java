package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The notification service in the running collector: silences API, channels, delivery log, metrics, reload, secrets. */
class NotifyApiTest {

    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String SLACK_SECRET = "T000/B000/slack-key-9f8e7d";
    private static final String BOT_TOKEN = "123456:bot-token-abcdef";
    private static final String SMTP_PASSWORD = "smtp-pass-5e4d3c";

    @TempDir
    static Path dir;
    private static Path configFile;
    private static LocalHttp hook;
    private static LocalHttp failing;
    private static EmbeddedServer server;
    private static Http http;
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

    static String config(String extraReceiver) {
        return """
                route:
                  receiver: hook
                  group_by: [alertname]
                  group_wait: 0s
                  group_interval: 1s
                  routes:
                    - matchers: ['alertname="SlackOnly"']
                      receiver: chat
                receivers:
                  - name: hook
                    webhook_configs: [{url: "%s"}]
                  - name: chat
                    slack_configs: [{api_url: "%s", channel: "#ops"}]
                    telegram_configs: [{bot_token: "%s", chat_id: 42, api_url: "%s"}]
                    email_configs: [{to: ops@example.com, from: peephole@example.com, smarthost: "127.0.0.1:1",
                                     auth_username: peephole, auth_password: "%s"}]
                %s""".formatted(hook.url("/hook"), failing.url("/services/" + SLACK_SECRET), BOT_TOKEN,
                failing.url(""), SMTP_PASSWORD, extraReceiver);
    }

    @BeforeAll
    static void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        LOGS.start();
        root.addAppender(LOGS);
        hook = LocalHttp.ok();
        failing = new LocalHttp(r -> new Object[] {500, "upstream broke"});
        configFile = dir.resolve("notify.yml");
        Files.writeString(configFile, config(""));
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.notify.config", configFile.toString());
        props.put("peephole.notify.reload.interval", "200ms");
        props.put("peephole.notify.retry.attempts", 3);
        props.put("peephole.notify.retry.backoff", "50ms");
        props.put("peephole.notify.timeout", "3s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        hook.close();
        failing.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    private static AlertSink sink() {
        return server.getApplicationContext().getBean(AlertSink.class);
    }

    private static AlertNotice firing(long id, String name, String instance) {
        return new AlertNotice(id, Map.of("alertname", name, "instance", instance), Map.of("summary", "it broke"),
                Instant.now(), null, "http://peephole/graph", null, null);
    }

    @Test
    void alertsReachTheWebhookAndTheDeliveryLogAndMetrics() throws Exception {
        sink().send(List.of(firing(1, "ApiDown", "a")));
        LocalHttp.Request r = hook.next(20);
        assertThat(r.body()).contains("\"alertname\":\"ApiDown\"").contains("\"version\":\"4\"");
        String log = awaitBody("/api/v1/notifications/log?receiver=hook", "\"groupKey\":\"{}:{alertname=\\\"ApiDown\\\"}\"");
        assertThat(log).contains("\"outcome\":\"sent\"").contains("\"integration\":\"webhook\"").contains("\"attempts\":1");
        assertThat(http.get("/metrics", ADMIN).body())
                .contains("peephole_notifications_sent_total{integration=\"webhook\",receiver=\"hook\"}");
        assertThat(http.get("/api/v1/notifications/log?limit=x", ADMIN).body()).contains("\"errorType\":\"bad_data\"");
    }

    @Test
    void failedDeliveriesAreRetriedLoggedAndCountedWithoutSecrets() throws Exception {
        sink().send(List.of(firing(2, "SlackOnly", "b")));
        String log = awaitBody("/api/v1/notifications/log?receiver=chat", "\"integration\":\"telegram\"");
        log = awaitBody("/api/v1/notifications/log?receiver=chat", "\"integration\":\"slack\"");
        log = awaitBody("/api/v1/notifications/log?receiver=chat", "\"integration\":\"email\"");
        assertThat(log).contains("\"outcome\":\"failed\"").contains("\"attempts\":3").contains("HTTP 500: upstream broke");
        assertThat(log).doesNotContain(SLACK_SECRET).doesNotContain(BOT_TOKEN).doesNotContain(SMTP_PASSWORD);
        assertThat(http.get("/metrics", ADMIN).body())
                .contains("peephole_notifications_failed_total{integration=\"slack\",receiver=\"chat\"} 1.0");
        // the slack and telegram requests really carried the secret-bearing URLs
        assertThat(failing.requests).extracting(LocalHttp.Request::path)
                .contains("/services/" + SLACK_SECRET, "/bot" + BOT_TOKEN + "/sendMessage");
        List<String> lines;
        synchronized (LOGS) {
            lines = LOGS.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
        assertThat(lines).anyMatch(l -> l.contains("receiver chat (slack) failed"));
        assertThat(String.join("\n", lines)).doesNotContain(SLACK_SECRET).doesNotContain(BOT_TOKEN)
                .doesNotContain(SMTP_PASSWORD);
    }

    @Test
    void channelsListReceiversWithSecretsRedacted() throws Exception {
        HttpResponse<String> r = http.get("/api/v1/channels", ADMIN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"name\":\"chat\"").contains("\"type\":\"slack\"").contains("\"channel\":\"#ops\"")
                .contains("\"api_url\":\"<secret>\"").contains("\"bot_token\":\"<secret>\"")
                .contains("\"auth_password\":\"<secret>\"").contains("\"url\":\"" + hook.url("/hook") + "\"")
                .doesNotContain(SLACK_SECRET).doesNotContain(BOT_TOKEN).doesNotContain(SMTP_PASSWORD);
        assertThat(http.get("/api/v1/channels", null).statusCode()).isEqualTo(401);
    }

    @Test
    void silencesAreAdminWrittenViewerReadAuditedAndMute() throws Exception {
        http.send("POST", "/api/v1/users", ADMIN, "{\"username\":\"vic\",\"password\":\"viewer-pass-1\",\"role\":\"viewer\"}");
        String viewer = Http.basic("vic", "viewer-pass-1");
        String body = """
                {"matchers":[{"name":"alertname","value":"Muted","isRegex":false,"isEqual":true}],
                 "endsAt":"%s","comment":"maintenance"}""".formatted(Instant.now().plusSeconds(3600));
        assertThat(http.send("POST", "/api/v1/silences", viewer, body).statusCode()).isEqualTo(403);
        HttpResponse<String> bad = http.send("POST", "/api/v1/silences", ADMIN,
                "{\"matchers\":[{\"name\":\"a\",\"value\":\"(\",\"isRegex\":true}],\"endsAt\":\"2099-01-01T00:00:00Z\",\"comment\":\"x\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"errorType\":\"bad_data\"").contains("matcher a");
        assertThat(http.send("POST", "/api/v1/silences", ADMIN, "{\"matchers\":[],\"endsAt\":\"2099-01-01T00:00:00Z\"}").body())
                .contains("at least one matcher");
        HttpResponse<String> created = http.send("POST", "/api/v1/silences", ADMIN, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Matcher m = Pattern.compile("\"silenceID\":\"([^\"]+)\"").matcher(created.body());
        assertThat(m.find()).isTrue();
        String id = m.group(1);
        HttpResponse<String> list = http.get("/api/v1/silences", viewer);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"id\":\"" + id + "\"").contains("\"state\":\"active\"")
                .contains("\"createdBy\":\"admin\"").contains("\"comment\":\"maintenance\"");

        // a silenced alert is left out; its unsilenced neighbour in the same send arrives
        hook.requests.clear();
        sink().send(List.of(firing(3, "Muted", "c"), firing(4, "Loud", "d")));
        LocalHttp.Request got = hook.next(20);
        assertThat(got.body()).contains("\"alertname\":\"Loud\"");
        Thread.sleep(1500);
        assertThat(hook.requests).noneMatch(x -> x.body().contains("Muted"));

        assertThat(http.send("DELETE", "/api/v1/silences/" + id, viewer, null).statusCode()).isEqualTo(403);
        assertThat(http.send("DELETE", "/api/v1/silences/" + id, ADMIN, null).statusCode()).isEqualTo(200);
        assertThat(http.send("DELETE", "/api/v1/silences/" + id, ADMIN, null).statusCode()).isEqualTo(400);
        assertThat(http.send("DELETE", "/api/v1/silences/nope", ADMIN, null).statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/silences", viewer).body()).contains("\"state\":\"expired\"");
        String audit = http.get("/api/v1/audit", ADMIN).body();
        assertThat(audit).contains("\"action\":\"silence.create\",\"target\":\"" + id + "\"")
                .contains("\"action\":\"silence.expire\",\"target\":\"" + id + "\"");

        // expired: the alert is told at its group's next interval
        sink().send(List.of(firing(3, "Muted", "c")));
        LocalHttp.Request later = hook.next(20);
        while (!later.body().contains("Muted")) {
            later = hook.next(20);
        }
    }

    @Test
    void theFileIsReloadedOnChangeAndAnInvalidOneIsKeptOutAndCounted() throws Exception {
        Files.writeString(configFile, "route: [this is not a route\n");
        Files.setLastModifiedTime(configFile, FileTime.from(Instant.now().plusSeconds(5)));
        awaitBody("/metrics", "peephole_notify_config_reload_failures_total 1.0");
        assertThat(http.get("/api/v1/channels", ADMIN).body()).contains("\"name\":\"hook\"");
        synchronized (LOGS) {
            assertThat(LOGS.list).anyMatch(e -> e.getFormattedMessage().contains(configFile.toString())
                    && e.getFormattedMessage().contains("line 1"));
        }
        Files.writeString(configFile, config("  - name: extra\n    webhook_configs: [{url: \"http://127.0.0.1:1/x\"}]\n"));
        Files.setLastModifiedTime(configFile, FileTime.from(Instant.now().plusSeconds(10)));
        awaitBody("/api/v1/channels", "\"name\":\"extra\"");
    }

    @Test
    void anInvalidFileStopsTheStartNamingTheFileAndTheProblem() throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "route:\n  receiver: nobody\nreceivers:\n  - name: hook\n");
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.notify.config", bad.toString());
        assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, props).close())
                .hasStackTraceContaining(bad.toString())
                .hasStackTraceContaining("undefined receiver \"nobody\"");
    }

    private static String awaitBody(String path, String needle) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        String body = "";
        while (System.currentTimeMillis() < deadline) {
            body = http.get(path, ADMIN).body();
            if (body.contains(needle)) {
                return body;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " never contained " + needle + "; last: " + body);
    }
}
