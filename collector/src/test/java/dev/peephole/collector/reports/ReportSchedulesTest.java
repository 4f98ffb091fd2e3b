package dev.peephole.collector.reports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.DoorbellAgentData;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.mail.BodyPart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * Report schedules on a real database: the API's validation, admin-only access and audit; a run
 * delivered to a real in-process SMTP server (SubEthaSMTP, STARTTLS and AUTH required) as HTML
 * with inline chart images referenced by cid and the CSV attached, and to a webhook with the
 * link; a failing receiver recorded without stopping the scheduler; a missed run done once.
 */
class ReportSchedulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "report-schedule-token";
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String VIEWER = Http.basic("schedule-viewer", "viewer-pass-99");
    private static final BlockingQueue<byte[]> MAILS = new LinkedBlockingQueue<>();
    private static final BlockingQueue<String> HOOKS = new LinkedBlockingQueue<>();
    @TempDir
    static Path dir;
    private static SMTPServer smtp;
    private static HttpServer hook;
    private static EmbeddedServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        smtp = smtpServer();
        smtp.start();
        hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hook", ex -> {
            HOOKS.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        Path notify = dir.resolve("notify.yml");
        Files.writeString(notify, """
                global:
                  smtp_from: peephole@example.com
                  smtp_smarthost: "127.0.0.1:%d"
                  smtp_auth_username: peephole
                  smtp_auth_password: "mail-secret-1"
                route: {receiver: ops}
                receivers:
                  - name: ops
                    email_configs:
                      - to: "ops@example.com"
                        tls_config: {ca_file: "%s"}
                    webhook_configs:
                      - url: "http://127.0.0.1:%d/hook"
                  - name: broken
                    email_configs:
                      - to: "ops@example.com"
                        smarthost: "127.0.0.1:1"
                        require_tls: false
                """.formatted(smtp.getPortAllocated(), dir.resolve("ca.pem"), hook.getAddress().getPort()));
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.notify.config", notify.toString());
        props.put("peephole.external.url", "http://peephole.example/");
        props.put("peephole.rollup.interval", "0s");
        props.put("peephole.reports.check.interval", "1h"); // the test drives the scheduler itself
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        HttpResponse<String> r = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"schedule-viewer\",\"password\":\"viewer-pass-99\",\"role\":\"viewer\"}");
        assertThat(r.statusCode()).as(r.body()).isIn(201, 400);
        DoorbellAgentData.send(server.getApplicationContext().getBean(AgentGrpcServer.class).port(), TOKEN,
                "schedule-agent", "doorbell-schedule", 30);
    }

    private static SMTPServer smtpServer() throws Exception {
        Path ks = dir.resolve("smtp.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "smtp", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", dir.resolve("ca.pem").toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .enableTLS().requireTLS()
                .startTlsSocketFactory(ctx)
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                    if (!"peephole".equals(user) || !"mail-secret-1".equals(password)) {
                        throw new LoginFailedException("bad credentials");
                    }
                }))
                .requireAuth()
                .messageHandler((context, from, to, data) -> MAILS.add(data))
                .build();
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (smtp != null) {
            smtp.stop();
        }
        if (hook != null) {
            hook.stop(0);
        }
    }

    private static JsonNode data(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("data");
    }

    private static long create(String body) throws Exception {
        HttpResponse<String> r = http.send("POST", "/api/v1/report-schedules", ADMIN, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return data(r).path("id").asLong();
    }

    @Test
    void theSchedulesApiValidatesIsForAdminsAndAuditsEveryChange() throws Exception {
        String[][] bad = {
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"25:00\"}", "HH:MM"},
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"7am\"}", "HH:MM"},
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"07:00\",\"timezone\":\"Mars/Olympus\"}", "unknown timezone"},
                {"{\"name\":\"x\",\"period\":\"weekly\",\"at\":\"07:00\"}", "weekday is required"},
                {"{\"name\":\"x\",\"period\":\"weekly\",\"at\":\"07:00\",\"weekday\":\"someday\"}", "weekday must be"},
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"07:00\",\"receiver\":\"nobody\"}", "not in the notification configuration"},
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"07:00\",\"to\":[\"not an address\"]}", "bad e-mail address"},
                {"{\"name\":\"x\",\"period\":\"monthly\",\"at\":\"07:00\"}", "period"},
                {"{\"period\":\"daily\",\"at\":\"07:00\"}", "name is required"},
                {"{\"name\":\"x\",\"period\":\"daily\",\"at\":\"07:00\",\"cron\":\"* * * * *\"}", "unknown field"},
                {"[1]", "JSON object"},
        };
        for (String[] b : bad) {
            HttpResponse<String> r = http.send("POST", "/api/v1/report-schedules", ADMIN, b[0]);
            assertThat(r.statusCode()).as(b[0]).isEqualTo(400);
            JsonNode e = JSON.readTree(r.body());
            assertThat(e.path("status").asText()).isEqualTo("error");
            assertThat(e.path("errorType").asText()).isEqualTo("bad_data");
            assertThat(e.path("error").asText()).as(b[0]).contains(b[1]);
        }
        String body = "{\"name\":\"Weekly <b>summary</b>\",\"period\":\"weekly\",\"at\":\"08:30\",\"weekday\":\"Monday\","
                + "\"timezone\":\"Europe/Berlin\",\"receiver\":\"ops\",\"to\":[\"lead@example.com\"]}";
        assertThat(http.send("POST", "/api/v1/report-schedules", VIEWER, body).statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/report-schedules", VIEWER).statusCode()).isEqualTo(403);
        HttpResponse<String> created = http.send("POST", "/api/v1/report-schedules", ADMIN, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode s = data(created);
        long id = s.path("id").asLong();
        assertThat(s.path("name").asText()).isEqualTo("Weekly <b>summary</b>");
        assertThat(s.path("period").asText()).isEqualTo("weekly");
        assertThat(s.path("at").asText()).isEqualTo("08:30");
        assertThat(s.path("weekday").asText()).isEqualTo("monday");
        assertThat(s.path("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(s.path("receiver").asText()).isEqualTo("ops");
        assertThat(s.path("to").get(0).asText()).isEqualTo("lead@example.com");
        assertThat(s.path("enabled").asBoolean()).isTrue();
        assertThat(s.path("createdBy").asText()).isEqualTo("admin");
        assertThat(s.path("lastRun").isNull()).isTrue();

        assertThat(http.send("PUT", "/api/v1/report-schedules/" + id, VIEWER, body).statusCode()).isEqualTo(403);
        HttpResponse<String> changed = http.send("PUT", "/api/v1/report-schedules/" + id, ADMIN,
                "{\"name\":\"Daily summary\",\"period\":\"daily\",\"at\":\"07:00\",\"timezone\":\"UTC\",\"enabled\":false}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(data(changed).path("weekday").isNull()).isTrue();
        assertThat(data(changed).path("receiver").isNull()).isTrue();
        assertThat(data(changed).path("enabled").asBoolean()).isFalse();
        assertThat(http.send("PUT", "/api/v1/report-schedules/" + id, ADMIN, "{\"name\":\"x\",\"period\":\"daily\",\"at\":\"7\"}")
                .statusCode()).isEqualTo(400);
        assertThat(http.send("PUT", "/api/v1/report-schedules/999999", ADMIN, body).statusCode()).isEqualTo(404);
        boolean listed = false;
        for (JsonNode x : data(http.get("/api/v1/report-schedules", ADMIN))) {
            listed |= x.path("id").asLong() == id && x.path("name").asText().equals("Daily summary");
        }
        assertThat(listed).isTrue();
        assertThat(http.send("DELETE", "/api/v1/report-schedules/" + id, VIEWER, null).statusCode()).isEqualTo(403);
        assertThat(http.send("DELETE", "/api/v1/report-schedules/" + id, ADMIN, null).statusCode()).isEqualTo(204);
        assertThat(http.send("DELETE", "/api/v1/report-schedules/" + id, ADMIN, null).statusCode()).isEqualTo(404);

        List<String> actions = new ArrayList<>();
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT action, actor, detail->>'name' FROM audit_log WHERE target = ? "
                     + "AND action LIKE 'report_schedule.%' ORDER BY id")) {
            ps.setString(1, Long.toString(id));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actions.add(rs.getString(1) + " by " + rs.getString(2) + ": " + rs.getString(3));
                }
            }
        }
        assertThat(actions).containsExactly("report_schedule.create by admin: Weekly <b>summary</b>",
                "report_schedule.update by admin: Daily summary", "report_schedule.delete by admin: Daily summary");
    }

    @Test
    void aRunIsMailedAsHtmlWithInlineChartsAndTheCsvAndPostedToTheWebhook() throws Exception {
        long id = create("{\"name\":\"Night <watch>\",\"period\":\"daily\",\"at\":\"07:00\",\"receiver\":\"ops\","
                + "\"to\":[\"night@example.com\",\"lead@example.com\"]}");
        assertThat(http.send("POST", "/api/v1/report-schedules/" + id + "/run", VIEWER, null).statusCode()).isEqualTo(403);
        HttpResponse<String> ran = http.send("POST", "/api/v1/report-schedules/" + id + "/run", ADMIN, null);
        assertThat(ran.statusCode()).as(ran.body()).isEqualTo(200);
        JsonNode report = data(ran);
        long reportId = report.path("id").asLong();
        assertThat(report.path("scheduleId").asLong()).isEqualTo(id);
        assertThat(report.path("scheduleName").asText()).isEqualTo("Night <watch>");
        assertThat(report.at("/delivery/outcome").asText()).as(report.toString()).isEqualTo("delivered");
        assertThat(report.at("/delivery/error").isNull()).isTrue();
        assertThat(report.at("/delivery/to")).extracting(JsonNode::asText).containsExactly("night@example.com", "lead@example.com");
        assertThat(report.at("/highlights/frames").asLong()).isPositive();

        byte[] raw = MAILS.poll(60, TimeUnit.SECONDS);
        assertThat(raw).as("the report mail arrived").isNotNull();
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly("night@example.com", "lead@example.com");
        assertThat(m.getSubject()).startsWith("Peephole: Night <watch>");
        MimeMultipart mixed = (MimeMultipart) m.getContent();
        assertThat(mixed.getContentType()).startsWith("multipart/mixed");
        MimeMultipart related = (MimeMultipart) mixed.getBodyPart(0).getContent();
        assertThat(related.getContentType()).startsWith("multipart/related");
        String html = (String) related.getBodyPart(0).getContent();
        assertThat(related.getBodyPart(0).getContentType()).startsWith("text/html");
        assertThat(html).contains("Night &lt;watch&gt;").doesNotContain("/api/v1/reports/");
        assertThat(html).contains("http://peephole.example/#reports/" + reportId);
        Map<String, BufferedImage> inline = new HashMap<>();
        for (int i = 1; i < related.getCount(); i++) {
            MimeBodyPart p = (MimeBodyPart) related.getBodyPart(i);
            assertThat(p.getContentType()).startsWith("image/png");
            assertThat(p.getDisposition()).isEqualTo(Part.INLINE);
            String cid = p.getContentID().replaceAll("[<>]", "");
            assertThat(html).contains("src=\"cid:" + cid + "\"");
            assertThat(cid).endsWith("@peephole");
            inline.put(cid.substring(0, cid.indexOf('@')), ImageIO.read(p.getInputStream()));
        }
        assertThat(inline.keySet()).containsExactlyInAnyOrder("frames", "recognitions", "latency");
        for (BufferedImage img : inline.values()) {
            assertThat(img.getWidth()).isEqualTo(ReportCharts.WIDTH);
            assertThat(img.getHeight()).isEqualTo(ReportCharts.HEIGHT);
        }
        BodyPart csv = mixed.getBodyPart(1);
        assertThat(csv.getDisposition()).isEqualTo(Part.ATTACHMENT);
        assertThat(csv.getFileName()).isEqualTo("peephole-report-" + reportId + ".csv");
        assertThat(csv.getContentType()).startsWith("text/csv");
        String csvText = new String(csv.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<CSVRecord> rows = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(csvText)).getRecords();
        String frames = rows.stream().filter(r -> r.get("section").equals("frames")).findFirst().orElseThrow().get("current");
        assertThat(Long.parseLong(frames)).isEqualTo(report.at("/highlights/frames").asLong());

        JsonNode posted = JSON.readTree(HOOKS.poll(30, TimeUnit.SECONDS));
        assertThat(posted.path("reportId").asLong()).isEqualTo(reportId);
        assertThat(posted.path("link").asText()).isEqualTo("http://peephole.example/#reports/" + reportId);
        assertThat(posted.path("text").asText()).contains("Frames processed: ").contains("#reports/" + reportId);

        JsonNode s = data(http.get("/api/v1/report-schedules/" + id, ADMIN));
        assertThat(s.at("/lastRun/reportId").asLong()).isEqualTo(reportId);
        assertThat(s.at("/lastRun/outcome").asText()).isEqualTo("delivered");
        assertThat(s.at("/lastRun/error").isNull()).isTrue();
        JsonNode stored = data(http.get("/api/v1/reports/" + reportId, VIEWER));
        assertThat(stored.at("/delivery/outcome").asText()).isEqualTo("delivered");
        http.send("DELETE", "/api/v1/report-schedules/" + id, ADMIN, null);
    }

    @Test
    void aFailedDeliveryIsRecordedAndTheSchedulerGoesOnAndAMissedRunIsDoneOnce() throws Exception {
        long broken = create("{\"name\":\"Broken\",\"period\":\"daily\",\"at\":\"06:00\",\"receiver\":\"broken\"}");
        long fine = create("{\"name\":\"Fine\",\"period\":\"daily\",\"at\":\"06:00\"}");
        DataSourceHolder.backdate(broken, fine);
        ReportScheduler scheduler = server.getApplicationContext().getBean(ReportScheduler.class);
        Instant now = Instant.now();
        Instant due = ScheduleSpec.lastRun("daily", "06:00", null, "UTC", now);
        List<ReportService.Generated> made = scheduler.tick(now);
        List<ReportService.Generated> ours = made.stream().filter(g -> g.report().scheduleId() != null
                && (g.report().scheduleId() == broken || g.report().scheduleId() == fine)).toList();
        // three days missed: one report each, for the latest scheduled time
        assertThat(ours).hasSize(2);
        for (ReportService.Generated g : ours) {
            assertThat(g.report().end()).isEqualTo(due);
            assertThat(g.report().createdBy()).isEqualTo(ReportScheduler.ACTOR);
        }
        ReportService.Generated failed = ours.stream().filter(g -> g.report().scheduleId() == broken).findFirst().orElseThrow();
        assertThat(failed.report().outcome()).isEqualTo("failed");
        assertThat(failed.report().error()).contains("email").contains("SMTP");
        ReportService.Generated notSent = ours.stream().filter(g -> g.report().scheduleId() == fine).findFirst().orElseThrow();
        assertThat(notSent.report().outcome()).isEqualTo("not_sent"); // no receiver: stored only
        JsonNode s = data(http.get("/api/v1/report-schedules/" + broken, ADMIN));
        assertThat(s.at("/lastRun/outcome").asText()).isEqualTo("failed");
        assertThat(s.at("/lastRun/error").asText()).contains("SMTP");
        assertThat(s.at("/lastRun/reportId").asLong()).isEqualTo(failed.report().id());
        // nothing more is due until the next scheduled time (a minute on, but before it: run
        // between 05:59 and 06:00 UTC, a minute on was past it and the next report was due)
        Instant nextDue = due.plus(java.time.Duration.ofDays(1));
        Instant later = now.plusSeconds(60).isBefore(nextDue) ? now.plusSeconds(60) : nextDue.minusMillis(1);
        later = later.isBefore(now) ? now : later;
        assertThat(scheduler.tick(later).stream().filter(g -> g.report().scheduleId() != null
                && (g.report().scheduleId() == broken || g.report().scheduleId() == fine)).toList()).isEmpty();
        http.send("DELETE", "/api/v1/report-schedules/" + broken, ADMIN, null);
        http.send("DELETE", "/api/v1/report-schedules/" + fine, ADMIN, null);
    }

    /** Moves schedules' last scheduled time three days back, as after three days of downtime. */
    private static final class DataSourceHolder {
        static void backdate(long... ids) throws Exception {
            try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("UPDATE report_schedules SET last_due = ? WHERE id = ?")) {
                for (long id : ids) {
                    ps.setTimestamp(1, Timestamp.from(Instant.now().minusSeconds(3 * 86_400)));
                    ps.setLong(2, id);
                    ps.executeUpdate();
                }
            }
        }
    }
}
