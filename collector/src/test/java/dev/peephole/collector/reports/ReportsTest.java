package dev.peephole.collector.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reports from known data on a real database: the figures (frames, recognitions by kind,
 * percentiles, error rates, host peaks, visitors, alert acknowledge/resolve times, uptime),
 * absent figures as null, the HTML escaping a hostile person name, the CSV with the same
 * figures, the PNG charts, and the {@code /api/v1/reports} endpoints with who may do what.
 */
class ReportsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "report-agent-token";
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final String VIEWER = Http.basic("report-viewer", "viewer-pass-99");
    private static EmbeddedServer server;
    private static Http http;
    private static KnownReportData data;
    private static ReportBuilder.Built built;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        // the test's data is back-dated: before the first rollup run every query reads the raw points
        props.put("peephole.rollup.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        HttpResponse<String> r = http.send("POST", "/api/v1/users", ADMIN,
                "{\"username\":\"report-viewer\",\"password\":\"viewer-pass-99\",\"role\":\"viewer\"}");
        assertThat(r.statusCode()).as(r.body()).isIn(201, 400);
        data = new KnownReportData(Instant.now());
        data.send(server.getApplicationContext().getBean(AgentGrpcServer.class).port(), TOKEN);
        data.writeAlerts(server.getApplicationContext().getBean(ConnectionPool.class).dataSource());
        built = server.getApplicationContext().getBean(ReportBuilder.class).build("daily", data.start, data.end);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void framesAndRecognitionsAreTheSpanMetricsIncreaseOfEachPeriod() {
        JsonNode f = built.figures();
        assertThat(f.at("/frames/current").asLong()).isEqualTo(KnownReportData.FRAMES);
        assertThat(f.at("/frames/previous").asLong()).isEqualTo(KnownReportData.FRAMES_PREVIOUS);
        assertThat(f.at("/recognitions/current/known").asLong()).isEqualTo(KnownReportData.KNOWN);
        assertThat(f.at("/recognitions/current/unknown").asLong()).isEqualTo(KnownReportData.UNKNOWN);
        assertThat(f.at("/recognitions/current/blacklisted").asLong()).isEqualTo(KnownReportData.BLACKLISTED);
        assertThat(f.at("/recognitions/previous/known").asLong()).isEqualTo(KnownReportData.KNOWN);
        // the series was there all along and did not grow: a real 0, not "no data"
        assertThat(f.at("/recognitions/previous/blacklisted").isNumber()).isTrue();
        assertThat(f.at("/recognitions/previous/blacklisted").asLong()).isEqualTo(KnownReportData.BLACKLISTED_PREVIOUS);
    }

    @Test
    void latencyPercentilesComeFromTheHistogramBuckets() {
        JsonNode detection = built.figures().at("/latency/0");
        assertThat(detection.path("operation").asText()).isEqualTo("FaceDetector.detect");
        // every observation in (0.025, 0.05] now, in (0.05, 0.1] before: linear within the bucket
        assertThat(detection.at("/current/p50").asDouble()).isCloseTo(0.0375, within(1e-9));
        assertThat(detection.at("/current/p95").asDouble()).isCloseTo(0.04875, within(1e-9));
        assertThat(detection.at("/current/p99").asDouble()).isCloseTo(0.04975, within(1e-9));
        assertThat(detection.at("/previous/p50").asDouble()).isCloseTo(0.075, within(1e-9));
        assertThat(detection.at("/previous/p99").asDouble()).isCloseTo(0.0995, within(1e-9));
        JsonNode recognition = built.figures().at("/latency/1");
        assertThat(recognition.at("/current/p50").asDouble()).isCloseTo(0.175, within(1e-9));
        // nothing was timed in the previous hour: no data, not 0
        assertThat(recognition.at("/previous/p50").isNull()).isTrue();
        assertThat(recognition.at("/previous/p95").isNull()).isTrue();
    }

    @Test
    void errorRatesArePerOperation() {
        JsonNode events = null;
        JsonNode capture = null;
        for (JsonNode e : built.figures().path("errors")) {
            if (e.path("operation").asText().equals("EventProcessor.process")) {
                events = e;
            }
            if (e.path("operation").asText().equals("Camera.capture")) {
                capture = e;
            }
        }
        assertThat(events).isNotNull();
        assertThat(events.path("service").asText()).isEqualTo(KnownReportData.SERVICE);
        assertThat(events.path("calls").asLong()).isEqualTo(3600);
        assertThat(events.path("errors").asLong()).isEqualTo(360);
        assertThat(events.path("errorRate").asDouble()).isCloseTo(0.1, within(1e-9));
        assertThat(events.path("previousErrorRate").asDouble()).isCloseTo(0.1, within(1e-9));
        assertThat(capture).isNotNull();
        assertThat(capture.path("errors").asLong()).isZero();
        assertThat(capture.path("errorRate").asDouble()).isZero();
    }

    @Test
    void hostPeaksAreThePeriodsMaxima() {
        JsonNode host = null;
        for (JsonNode h : built.figures().path("hosts")) {
            if (h.path("host").asText().equals(KnownReportData.HOST)) {
                host = h;
            }
        }
        assertThat(host).as(built.figures().path("hosts").toString()).isNotNull();
        assertThat(host.path("cpuMax").asDouble()).isEqualTo(KnownReportData.CPU_MAX);
        assertThat(host.path("memoryUsedMaxBytes").asDouble()).isEqualTo(KnownReportData.MEMORY_MAX);
        assertThat(host.path("memoryUtilizationMax").asDouble()).isEqualTo(0.6);
        assertThat(host.path("load1mMax").asDouble()).isEqualTo(KnownReportData.LOAD_MAX);
        assertThat(host.path("diskUsedMax").asDouble()).isEqualTo(KnownReportData.DISK_MAX); // tmpfs left out
    }

    @Test
    void visitorsAreListedWithPersonConfidenceAndTimeAndCapped() {
        JsonNode v = built.figures().path("visitors");
        assertThat(v.at("/blacklisted/total").asLong()).isEqualTo(KnownReportData.BLACKLISTED_EVENTS);
        assertThat(v.at("/blacklisted/previousTotal").asLong()).isEqualTo(KnownReportData.BLACKLISTED_EVENTS_PREVIOUS);
        assertThat(v.at("/blacklisted/list")).hasSize(KnownReportData.BLACKLISTED_EVENTS);
        JsonNode newest = v.at("/blacklisted/list/0");
        assertThat(newest.path("personName").asText()).isEqualTo(KnownReportData.HOSTILE_NAME);
        assertThat(newest.path("personId").asText()).isEqualTo("p-9");
        assertThat(newest.path("confidence").asDouble()).isEqualTo(0.75);
        assertThat(Instant.parse(newest.path("at").asText())).isEqualTo(data.start.plusSeconds(7 * 60));
        assertThat(v.at("/unknown/total").asLong()).isEqualTo(KnownReportData.UNKNOWN_EVENTS);
        assertThat(v.at("/unknown/list")).hasSize(ReportBuilder.VISITORS_LISTED);
        assertThat(v.at("/unknown/more").asLong()).isEqualTo(KnownReportData.UNKNOWN_EVENTS - ReportBuilder.VISITORS_LISTED);
    }

    @Test
    void alertsFiredWithTimeToAcknowledgeAndResolve() {
        JsonNode a = built.figures().path("alerts");
        assertThat(a.path("fired").asLong()).isEqualTo(2);
        assertThat(a.path("previousFired").asLong()).isEqualTo(1);
        assertThat(a.path("list")).hasSize(2);
        JsonNode first = a.at("/list/0");
        assertThat(first.path("alertname").asText()).isEqualTo("ReportTestHighLatency");
        assertThat(first.path("severity").asText()).isEqualTo("page");
        assertThat(first.path("timeToAcknowledgeSeconds").asDouble()).isEqualTo(120.0);
        assertThat(first.path("acknowledgedBy").asText()).isEqualTo("admin");
        assertThat(first.path("timeToResolveSeconds").asDouble()).isEqualTo(900.0);
        JsonNode second = a.at("/list/1");
        assertThat(second.path("timeToAcknowledgeSeconds").isNull()).isTrue(); // never acknowledged: no data
        assertThat(second.path("acknowledgedAt").isNull()).isTrue();
        assertThat(second.path("timeToResolveSeconds").asDouble()).isEqualTo(31 * 60.0);
        assertThat(a.path("acknowledged").asLong()).isEqualTo(1);
        assertThat(a.path("medianTimeToAcknowledgeSeconds").asDouble()).isEqualTo(120.0);
        assertThat(a.path("medianTimeToResolveSeconds").asDouble()).isEqualTo((900.0 + 31 * 60) / 2);
    }

    @Test
    void uptimeIsTheShareOfMinutesWithData() {
        JsonNode u = built.figures().path("uptime");
        assertThat(u.path("definition").asText()).contains("minutes");
        assertThat(u.path("periodMinutes").asLong()).isEqualTo(60);
        JsonNode agent = null;
        for (JsonNode a : u.path("agents")) {
            if (a.path("agentId").asText().equals(KnownReportData.AGENT)) {
                agent = a;
            }
        }
        assertThat(agent).isNotNull();
        assertThat(agent.path("service").asText()).isEqualTo(KnownReportData.SERVICE);
        assertThat(agent.path("minutesWithData").asLong()).isEqualTo(KnownReportData.UPTIME_MINUTES);
        assertThat(agent.path("ratio").asDouble()).isCloseTo(0.75, within(1e-9));
    }

    @Test
    void theHtmlEscapesAppStringsAndShowsAbsentFiguresAsNoData() {
        String html = ReportRenderer.html("Test <report>", built.figures(), ZoneId.of("UTC"), n -> "/charts/" + n + ".png", null);
        assertThat(html).doesNotContain("<script>").doesNotContain(KnownReportData.HOSTILE_NAME);
        assertThat(html).contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;");
        assertThat(html).contains("Test &lt;report&gt;");
        assertThat(html).contains("36,000").contains("18,000").contains("37.5 ms");
        assertThat(html).contains(ReportRenderer.NO_DATA); // the recognition percentiles of the previous hour
        assertThat(html).contains("and 5 more");
        assertThat(html).contains("src=\"/charts/frames.png\"").contains("src=\"/charts/latency.png\"");
        assertThat(html).contains("75.00 %"); // uptime
        assertThat(html).contains("2 min 0 s by admin").contains("not acknowledged").contains("31 min 0 s");
    }

    @Test
    void theCsvParsesWithTheSameFigures() throws Exception {
        String csv = ReportRenderer.csv(built.figures());
        List<CSVRecord> rows = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(csv)).getRecords();
        Map<String, CSVRecord> byKey = new HashMap<>();
        for (CSVRecord r : rows) {
            byKey.put(r.get("section") + "|" + r.get("item") + "|" + r.get("measure"), r);
        }
        assertThat(byKey.get("frames||count").get("current")).isEqualTo("36000");
        assertThat(byKey.get("frames||count").get("previous")).isEqualTo("18000");
        assertThat(byKey.get("recognitions|blacklisted|count").get("current")).isEqualTo("360");
        assertThat(Double.parseDouble(byKey.get("latency|FaceDetector.detect|p95_seconds").get("current"))).isCloseTo(0.04875, within(1e-9));
        assertThat(byKey.get("latency|FaceRecognizer.recognize|p95_seconds").get("previous")).isEmpty(); // no data
        assertThat(Double.parseDouble(byKey.get("errors|" + KnownReportData.SERVICE + "/EventProcessor.process|error_rate").get("current")))
                .isCloseTo(0.1, within(1e-9));
        assertThat(byKey.get("host|" + KnownReportData.HOST + "|cpu_utilization_max").get("current")).isEqualTo("0.87");
        assertThat(byKey.get("alerts||fired").get("current")).isEqualTo("2");
        assertThat(byKey.get("alerts||median_time_to_acknowledge_seconds").get("current")).isEqualTo("120");
        assertThat(byKey.get("alerts||median_time_to_resolve_seconds").get("current")).isEqualTo("1380");
        assertThat(byKey.get("visitors|unknown|events").get("current")).isEqualTo("55");
        assertThat(byKey.get("uptime|" + KnownReportData.AGENT + "|minutes_with_data").get("current")).isEqualTo("45");
        long hostile = rows.stream().filter(r -> r.get("section").equals("visitor_blacklisted")
                && r.get("measure").equals(KnownReportData.HOSTILE_NAME)).count();
        assertThat(hostile).isEqualTo(KnownReportData.BLACKLISTED_EVENTS);
    }

    @Test
    void theChartsArePngsOfTheStatedSize() throws Exception {
        assertThat(built.charts().keySet()).containsExactly("frames", "recognitions", "latency");
        // hourly steps would give one point in an hour: the builder draws 12 steps of 5 minutes then
        ReportBuilder.ChartData frames = built.charts().get("frames");
        assertThat(frames.series()).as("%s %s", frames.series().keySet(), java.util.Arrays.toString(frames.times())).containsKey("value");
        double sum = 0;
        for (double v : frames.series().get("value")) {
            if (!Double.isNaN(v)) {
                sum += v;
            }
        }
        assertThat(sum).isCloseTo(KnownReportData.FRAMES, within(1.0));
        for (ReportBuilder.ChartData c : built.charts().values()) {
            byte[] png = ReportCharts.png(c, TimeZone.getTimeZone("UTC"));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(img).isNotNull();
            assertThat(img.getWidth()).isEqualTo(ReportCharts.WIDTH);
            assertThat(img.getHeight()).isEqualTo(ReportCharts.HEIGHT);
        }
    }

    @Test
    void reportsApiStoresListsAndServesReportsAndViewersOnlyRead() throws Exception {
        HttpResponse<String> refused = http.send("POST", "/api/v1/reports", VIEWER, "{\"period\":\"daily\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        HttpResponse<String> bad = http.send("POST", "/api/v1/reports", ADMIN, "{\"period\":\"monthly\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("errorType").asText()).isEqualTo("bad_data");
        assertThat(http.send("POST", "/api/v1/reports", ADMIN, "{\"period\":\"daily\",\"end\":\"yesterday\"}").statusCode()).isEqualTo(400);

        long t0 = System.nanoTime();
        HttpResponse<String> created = http.send("POST", "/api/v1/reports", ADMIN, "{\"period\":\"daily\"}");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        System.out.println("ad-hoc daily report over the test data built and stored in " + ms + " ms");
        JsonNode s = JSON.readTree(created.body()).path("data");
        long id = s.path("id").asLong();
        assertThat(s.path("period").asText()).isEqualTo("daily");
        assertThat(s.path("scheduleId").isNull()).isTrue();
        assertThat(s.at("/delivery/outcome").asText()).isEqualTo("not_sent");
        assertThat(s.at("/highlights/alertsFired").asLong()).isEqualTo(3);
        // a day's increase over data that covers 2 h 10 min of it: the counters' whole growth, give or take extrapolation
        assertThat(s.at("/highlights/frames").asDouble()).isCloseTo(KnownReportData.FRAMES + KnownReportData.FRAMES_PREVIOUS
                + 50.0 * 60, within(200.0));
        assertThat(Instant.parse(s.path("end").asText()).getEpochSecond() - Instant.parse(s.path("start").asText()).getEpochSecond())
                .isEqualTo(86_400);

        JsonNode list = JSON.readTree(http.get("/api/v1/reports?limit=5", VIEWER).body()).path("data");
        assertThat(list.get(0).path("id").asLong()).isEqualTo(id);
        assertThat(list.get(0).at("/highlights/recognitions/blacklisted").asLong()).isEqualTo(s.at("/highlights/recognitions/blacklisted").asLong());
        assertThat(http.get("/api/v1/reports?limit=0", VIEWER).statusCode()).isEqualTo(400);

        JsonNode one = JSON.readTree(http.get("/api/v1/reports/" + id, VIEWER).body()).path("data");
        assertThat(one.at("/figures/visitors/blacklisted/total").asLong()).isEqualTo(KnownReportData.BLACKLISTED_EVENTS
                + KnownReportData.BLACKLISTED_EVENTS_PREVIOUS);
        assertThat(http.get("/api/v1/reports/999999", VIEWER).statusCode()).isEqualTo(404);

        HttpResponse<String> html = http.get("/api/v1/reports/" + id + "/html", VIEWER);
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(html.headers().allValues("Content-Security-Policy")).containsExactly(ReportsController.HTML_CSP);
        assertThat(html.headers().firstValue("X-Frame-Options").orElse("")).isEqualTo("SAMEORIGIN");
        assertThat(html.body()).doesNotContain("<script>").contains("&lt;script&gt;");
        for (String name : List.of("frames", "recognitions", "latency")) {
            String src = "/api/v1/reports/" + id + "/charts/" + name + ".png";
            assertThat(html.body()).contains("src=\"" + src + "\"");
            HttpResponse<byte[]> png = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.getURL() + src))
                    .header("Authorization", VIEWER).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(png.statusCode()).isEqualTo(200);
            assertThat(png.headers().firstValue("Content-Type").orElse("")).isEqualTo("image/png");
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.body()));
            assertThat(img.getWidth()).isEqualTo(ReportCharts.WIDTH);
        }
        assertThat(http.get("/api/v1/reports/" + id + "/charts/nope.png", VIEWER).statusCode()).isEqualTo(404);

        HttpResponse<String> csv = http.get("/api/v1/reports/" + id + "/csv", VIEWER);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Content-Disposition").orElse("")).contains("attachment").contains("peephole-report-" + id + ".csv");
        assertThat(csv.body()).startsWith("section,item,measure,current,previous");

        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT actor, detail->>'period' FROM audit_log WHERE action = 'report.create' AND target = ?")) {
            ps.setString(1, Long.toString(id));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("admin");
                assertThat(rs.getString(2)).isEqualTo("daily");
            }
        }
    }

    @Test
    void retentionKeepsTheNewestReports() throws Exception {
        ReportStore store = server.getApplicationContext().getBean(ReportStore.class);
        ObjectNode f = JSON.createObjectNode();
        long[] ids = new long[4];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = store.nextId();
            store.insert(ids[i], null, null, "daily", data.start, data.end, Instant.now().plusSeconds(3600 + i), "test", f.toString(),
                    "<p></p>", "", Map.of("frames", new byte[] {1}), 3);
        }
        List<ReportStore.Report> left = store.list(100);
        assertThat(left).extracting(ReportStore.Report::id).containsExactly(ids[3], ids[2], ids[1]);
        assertThat(store.chart(ids[0], "frames")).isEmpty(); // charts go with their report
        assertThat(store.chart(ids[1], "frames")).isPresent();
    }
}
