package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The Reports view in a real headless Chromium against the packaged collector fed by the doorbell demo with the
 * agent: an admin generates a report, opens it (the collector's HTML in a sandboxed iframe, its charts loaded, the
 * CSV), reloads its bookmark; creates, edits, disables, runs and deletes a schedule through the form, sees the API's
 * refusal of a bad one; a schedule name holding markup stays text; a viewer reads the reports without any control.
 * Screenshots reports-*.png in agent/target/screenshots/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportsBrowserIT {
    static final String XSS = "<img src=x onerror=alert(1)>";
    static final String VIEWER_PASSWORD = "viewer-password-3";
    static final ObjectMapper JSON = new ObjectMapper();

    static Path dir;
    static CollectorProcess collector;
    static AppProcess demo;
    static Browser b;
    static long reportId;
    static final List<String> measurements = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("peephole-reports-it");
        // a receiver whose mail server does not answer: a run's delivery fails with the reason
        Path notify = dir.resolve("notify.yaml");
        Files.writeString(notify, "route:\n  receiver: ops\nreceivers:\n  - name: ops\n    email_configs:\n"
                + "      - to: ops@example.org\n        from: peephole@example.org\n        smarthost: 127.0.0.1:"
                + CollectorProcess.freePort() + "\n        require_tls: false\n");
        collector = new CollectorProcess(dir, Map.of("PEEPHOLE_NOTIFY_CONFIG", notify.toString()));
        demo = AppProcess.start(dir.resolve("demo.log"), "collector=127.0.0.1:" + collector.grpcPort
                        + ",service=doorbell,token=" + CollectorProcess.TOKEN
                        + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s",
                List.of(), "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(CollectorProcess.freePort()),
                "--fps", "10");
        b = new Browser(collector, dir);
        HttpResponse<String> viewer = b.basic("POST", "/api/v1/users", "{\"username\":\"rita\",\"password\":\""
                + VIEWER_PASSWORD + "\",\"role\":\"viewer\"}");
        assertThat(viewer.statusCode()).as(viewer.body()).isEqualTo(201);
        // the report counts frames from the span metrics: wait until the demo's frames are stored
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!collector.query("count_over_time(traces_span_metrics_calls_total{span_name=\"Camera.capture\"}[1m]) > 2")
                .contains("\"value\"")) {
            assertThat(System.nanoTime()).as("the demo's frames within 180 s").isLessThan(deadline);
            Thread.sleep(1000);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (b != null) {
                if (!measurements.isEmpty()) {
                    Files.write(b.shots.resolve("reports-measurements.txt"), measurements);
                }
                b.close();
            }
        } finally {
            try {
                if (demo != null) {
                    demo.close();
                }
            } finally {
                if (collector != null) {
                    collector.stop();
                }
            }
        }
    }

    @Test
    @Order(1)
    void anAdminGeneratesAReportAndOpensIt() throws Exception {
        b.driver.get(collector.uri("/#/reports").toString());
        b.waitFor(20, d -> d.findElement(By.id("login")).isDisplayed());
        Object transfer = b.js("return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
                + ".filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)");
        measurements.add("UI transferred by Chromium on the first load (empty cache, gzip by the collector): " + transfer + " bytes");
        measurements.add("UI size gzipped (sum of each static file gzip'd): " + Browser.gzippedUiBytes() + " bytes");
        b.login("admin", CollectorProcess.ADMIN_PASSWORD);
        b.waitForView("reports");
        assertThat(b.driver.findElement(By.id("nav-reports")).getAttribute("aria-current")).isEqualTo("page");

        new Select(b.driver.findElement(By.id("generate-period"))).selectByValue("daily");
        long t0 = System.nanoTime();
        b.click("#generate-submit");
        b.waitFor(120, d -> d.getCurrentUrl().matches(".*#reports/\\d+$") && !d.findElements(By.id("report-open")).isEmpty());
        measurements.add("Generate now (daily) to the report shown, in the browser: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        b.waitForView("reports");
        reportId = Long.parseLong((String) b.js("return document.getElementById('report-open').dataset.id"));
        assertThat(b.driver.getCurrentUrl()).endsWith("/#reports/" + reportId);

        // the list: newest first, this report on top with the API's figures
        JsonNode listed = JSON.readTree(collector.get("/api/v1/reports?limit=10")).get("data");
        assertThat(listed.get(0).get("id").asLong()).isEqualTo(reportId);
        JsonNode summary = listed.get(0);
        assertThat(summary.get("period").asText()).isEqualTo("daily");
        List<WebElement> links = b.driver.findElements(By.cssSelector("#reports-table a.report-link"));
        assertThat(links.get(0).getAttribute("data-id")).isEqualTo(Long.toString(reportId));
        String row = b.text("#reports-table tbody tr:first-child");
        assertThat(row).contains("Daily").contains("on demand").contains("not sent");
        JsonNode hl = summary.get("highlights");
        assertThat(hl.get("frames").isNumber()).as("frames of the demo in the report: " + hl).isTrue();
        assertThat(row).contains("frames " + shown(hl.get("frames")))
                .contains("known " + shown(hl.at("/recognitions/known")))
                .contains("unknown " + shown(hl.at("/recognitions/unknown")))
                .contains("blacklisted " + shown(hl.at("/recognitions/blacklisted")))
                .contains("alerts fired " + shown(hl.get("alertsFired")));
        // the range in the browser's time zone, as the other views show times
        String start = (String) b.js("return new Date(arguments[0]).toLocaleString()", summary.get("start").asText());
        String end = (String) b.js("return new Date(arguments[0]).toLocaleString()", summary.get("end").asText());
        assertThat(row).contains(start + " – " + end);

        // the rendered report in a sandboxed frame: its heading and figures, and the charts it references
        WebElement frame = b.driver.findElement(By.id("report-frame"));
        assertThat(frame.getAttribute("src")).endsWith("/api/v1/reports/" + reportId + "/html");
        assertThat(frame.getAttribute("sandbox")).isEqualTo("allow-same-origin");
        List<String> charts;
        b.driver.switchTo().frame(frame);
        try {
            b.waitFor(60, d -> !d.findElements(By.tagName("h1")).isEmpty() && !d.findElements(By.tagName("img")).isEmpty());
            assertThat(b.driver.findElement(By.tagName("h1")).getText()).isEqualTo("Peephole daily report");
            String body = b.driver.findElement(By.tagName("body")).getText();
            assertThat(body).contains("Frames processed").contains("Recognitions: known");
            if (hl.get("frames").isNumber()) {
                assertThat(body).containsPattern("Frames processed\\s+" + hl.get("frames").asText() + "\\s");
            }
            @SuppressWarnings("unchecked")
            List<String> srcs = (List<String>) b.js("return [...document.images].map(i => i.getAttribute('src'))");
            charts = srcs;
            // the charts load inside the frame itself (same origin, with the session's cookie)
            b.waitFor(60, d -> Boolean.TRUE.equals(((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                    "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")));
        } finally {
            b.driver.switchTo().defaultContent();
        }
        assertThat(charts).isNotEmpty().allMatch(c -> c.startsWith("/api/v1/reports/" + reportId + "/charts/") && c.endsWith(".png"));
        // and each decodes as an image in the dashboard's page too (what *Open alone* and the e-mail show)
        for (String chart : charts) {
            Object width = b.driver.executeAsyncScript("const done = arguments[arguments.length - 1]; const i = new Image();"
                    + " i.onload = () => done(i.naturalWidth); i.onerror = () => done(-1); i.src = arguments[0];", chart);
            assertThat(((Number) width).longValue()).as(chart + " naturalWidth").isGreaterThan(0);
        }

        // the CSV link: the API's CSV with its content type
        String href = b.driver.findElement(By.id("report-csv")).getAttribute("href");
        assertThat(href).endsWith("/api/v1/reports/" + reportId + "/csv");
        @SuppressWarnings("unchecked")
        Map<String, Object> fetched = (Map<String, Object>) b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch(arguments[0], {credentials: 'same-origin'}).then(async r => done({status: r.status,"
                + " type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), body: await r.text()}),"
                + " e => done({status: -1, body: String(e)}));", href);
        assertThat(((Number) fetched.get("status")).intValue()).as(String.valueOf(fetched.get("body"))).isEqualTo(200);
        assertThat((String) fetched.get("type")).startsWith("text/csv");
        assertThat((String) fetched.get("disposition")).startsWith("attachment");
        assertThat((String) fetched.get("body")).isNotBlank().isEqualTo(collector.get("/api/v1/reports/" + reportId + "/csv"));
        b.screenshot("reports-open-1280");

        // the bookmark (the link notifications carry) opens the report after a reload
        b.driver.get("about:blank");
        b.driver.get(collector.uri("/#reports/" + reportId).toString());
        b.waitForView("reports");
        b.waitFor(30, d -> !d.findElements(By.id("report-frame")).isEmpty());
        assertThat(b.js("return document.getElementById('report-open').dataset.id")).isEqualTo(Long.toString(reportId));
        assertThat(b.text("#report-open-title")).contains("#" + reportId);
        b.click("#report-close");
        b.waitFor(30, d -> d.findElements(By.id("report-open")).isEmpty());
        b.waitForView("reports");
    }

    @Test
    @Order(2)
    void anAdminManagesSchedulesThroughTheForm() throws Exception {
        b.driver.get(collector.uri("/#/reports").toString());
        b.waitForView("reports");
        // a bad one: the API's own refusal next to the form
        fill("Bad", "daily", "25:99", null, "UTC", "ops@example.org");
        b.click("#schedule-save");
        HttpResponse<String> refused = b.basic("POST", "/api/v1/report-schedules", JSON.writeValueAsString(Map.of(
                "name", "Bad", "period", "daily", "at", "25:99", "timezone", "UTC", "to", List.of("ops@example.org"), "enabled", true)));
        assertThat(refused.statusCode()).isEqualTo(400);
        String reason = JSON.readTree(refused.body()).get("error").asText();
        b.waitFor(30, d -> b.text("#schedule-error").equals(reason));
        assertThat(reason).isNotBlank();
        b.screenshot("reports-schedule-refused-1280");

        // create: a name holding markup, shown as text
        fill("Morning " + XSS, "daily", "07:30", null, "Europe/Berlin", "ops@example.org, boss@example.org");
        b.click("#schedule-save");
        b.waitFor(30, d -> b.text("#schedules-table").contains("Morning " + XSS));
        b.waitForView("reports");
        JsonNode created = schedule("Morning " + XSS);
        assertThat(created.get("period").asText()).isEqualTo("daily");
        assertThat(created.get("at").asText()).isEqualTo("07:30");
        assertThat(created.get("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(created.get("to").toString()).isEqualTo("[\"ops@example.org\",\"boss@example.org\"]");
        assertThat(created.get("enabled").asBoolean()).isTrue();
        assertThat(created.get("createdBy").asText()).isEqualTo("admin");
        long id = created.get("id").asLong();
        b.assertNoMarkup();

        // edit: weekly on Fridays at 18:05
        b.click(".schedule-edit[data-id='" + id + "']");
        b.waitFor(30, d -> ("" + id).equals(b.js("const f = document.getElementById('schedule-form'); return f && f.dataset.id")));
        assertThat(b.driver.findElement(By.id("schedule-name")).getAttribute("value")).isEqualTo("Morning " + XSS);
        fill(null, "weekly", "18:05", "friday", null, null);
        b.click("#schedule-save");
        b.waitFor(30, d -> b.text("#schedules-table").contains("weekly, friday"));
        b.waitForView("reports");
        JsonNode edited = schedule("Morning " + XSS);
        assertThat(edited.get("id").asLong()).isEqualTo(id);
        assertThat(edited.get("period").asText()).isEqualTo("weekly");
        assertThat(edited.get("weekday").asText()).isEqualTo("friday");
        assertThat(edited.get("at").asText()).isEqualTo("18:05");
        assertThat(edited.get("timezone").asText()).isEqualTo("Europe/Berlin");

        // disable and enable again
        b.click(".schedule-toggle[data-id='" + id + "']");
        b.waitFor(30, d -> "Enable".equals(b.text(".schedule-toggle[data-id='" + id + "']")));
        assertThat(schedule("Morning " + XSS).get("enabled").asBoolean()).isFalse();
        b.click(".schedule-toggle[data-id='" + id + "']");
        b.waitFor(30, d -> "Disable".equals(b.text(".schedule-toggle[data-id='" + id + "']")));
        assertThat(schedule("Morning " + XSS).get("enabled").asBoolean()).isTrue();
        b.screenshot("reports-schedules-1280");

        // run now through the receiver ops: the report is opened, its row names the schedule (as text) and the
        // failed delivery with its reason; the schedule's last run links it
        b.click(".schedule-edit[data-id='" + id + "']");
        b.waitFor(30, d -> ("" + id).equals(b.js("const f = document.getElementById('schedule-form'); return f && f.dataset.id")));
        type("schedule-receiver", "ops");
        b.click("#schedule-save");
        b.waitFor(30, d -> Boolean.TRUE.equals(b.js("const f = document.getElementById('schedule-form'); return !!f && !f.dataset.id")));
        b.waitForView("reports");
        assertThat(schedule("Morning " + XSS).get("receiver").asText()).isEqualTo("ops");
        b.click(".schedule-run[data-id='" + id + "']");
        b.waitFor(180, d -> !d.findElements(By.id("report-open")).isEmpty()
                && !Long.toString(reportId).equals(b.js("return document.getElementById('report-open').dataset.id")));
        b.waitForView("reports");
        long runId = Long.parseLong((String) b.js("return document.getElementById('report-open').dataset.id"));
        JsonNode run = JSON.readTree(collector.get("/api/v1/reports/" + runId)).get("data");
        assertThat(run.get("scheduleName").asText()).isEqualTo("Morning " + XSS);
        assertThat(run.at("/delivery/outcome").asText()).isEqualTo("failed");
        String runRow = b.text("#reports-table tbody tr:first-child");
        assertThat(runRow).contains("Weekly · Morning " + XSS).contains("failed").contains(run.at("/delivery/error").asText());
        assertThat(b.text("#report-open-title")).contains("Morning " + XSS);
        assertThat(b.text("#schedules-table")).contains("#" + runId);
        b.assertNoMarkup();
        b.screenshot("reports-run-failed-delivery-1280");

        // delete: the first click asks, the second deletes
        b.click(".schedule-delete[data-id='" + id + "']");
        b.waitFor(30, d -> b.text(".schedule-delete[data-id='" + id + "']").startsWith("Delete “"));
        assertThat(schedule("Morning " + XSS)).isNotNull();
        b.click(".schedule-delete[data-id='" + id + "']");
        b.waitFor(30, d -> d.findElements(By.cssSelector(".schedule-delete[data-id='" + id + "']")).isEmpty());
        assertThat(b.text("#schedules")).doesNotContain("Morning ");
        assertThat(schedule("Morning " + XSS)).isNull();
        b.assertNoMarkup();
    }

    @Test
    @Order(3)
    void aViewerReadsReportsWithoutAnyControl() throws Exception {
        b.relogin("rita", VIEWER_PASSWORD, "reports/" + reportId);
        b.waitForView("reports");
        b.waitFor(30, d -> !d.findElements(By.id("report-frame")).isEmpty());
        assertThat(b.driver.findElements(By.cssSelector("#reports-table a.report-link[data-id='" + reportId + "']"))).hasSize(1);
        assertThat(b.driver.findElements(By.cssSelector("#generate-form, #generate-submit, #schedules, #schedules-table,"
                + " #schedule-form, .schedule-edit, .schedule-toggle, .schedule-run, .schedule-delete"))).isEmpty();
        b.assertNoMarkup();
        b.screenshot("reports-viewer-1280");
        String csrf = (String) b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/session').then(r => r.json()).then(j => done(j.data.csrfToken));");
        Object status = b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/report-schedules', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': arguments[0]},"
                + " body: JSON.stringify({name: 'x', period: 'daily', at: '07:00', timezone: 'UTC', to: [], enabled: true})})"
                + ".then(r => done(r.status), e => done(String(e)));", csrf);
        assertThat(((Number) status).intValue()).isEqualTo(403);
        b.relogin("admin", CollectorProcess.ADMIN_PASSWORD, "reports");
    }

    @Test
    @Order(4)
    void theReportsFitAPhonesWidthInTheDarkTheme() throws Exception {
        b.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
        try {
            b.driver.get(collector.uri("/#reports/" + reportId).toString());
            b.waitForView("reports");
            b.click("#theme");
            b.waitFor(10, d -> "dark".equals(b.js("return document.documentElement.dataset.theme")));
            b.waitForView("reports");
            b.waitFor(30, d -> !d.findElements(By.id("report-frame")).isEmpty());
            assertThat(((Number) b.js("return window.innerWidth")).longValue()).isEqualTo(390L);
            long scrollWidth = ((Number) b.js("return document.documentElement.scrollWidth")).longValue();
            assertThat(scrollWidth).as("no sideways scrolling at 390 px").isLessThanOrEqualTo(390);
            long height = ((Number) b.js("return document.documentElement.scrollHeight")).longValue();
            b.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", 390, "height", (int) Math.min(6000, height), "deviceScaleFactor", 1, "mobile", true));
            Files.write(b.shots.resolve("reports-390-dark.png"), b.driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            b.driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
            if ("dark".equals(b.js("return document.documentElement.dataset.theme"))) {
                b.click("#theme");
            }
        }
    }

    // ---- helpers ----

    /** Types into the schedule form; a null leaves that field as it is. */
    static void fill(String name, String period, String at, String weekday, String timezone, String to) {
        b.waitFor(30, d -> !d.findElements(By.id("schedule-form")).isEmpty());
        type("schedule-name", name);
        if (period != null) {
            new Select(b.driver.findElement(By.id("schedule-period"))).selectByValue(period);
        }
        type("schedule-at", at);
        if (weekday != null) {
            new Select(b.driver.findElement(By.id("schedule-weekday"))).selectByValue(weekday);
        }
        type("schedule-timezone", timezone);
        type("schedule-to", to);
    }

    static void type(String id, String value) {
        if (value != null) {
            WebElement e = b.driver.findElement(By.id(id));
            e.clear();
            e.sendKeys(value);
        }
    }

    /** A highlight as the view shows it: the number, or "no data" for null. */
    static String shown(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() ? "no data" : v.asText();
    }

    /** The schedule of that name as the API gives it to an admin, or null. */
    static JsonNode schedule(String name) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode s : JSON.readTree(collector.get("/api/v1/report-schedules")).get("data")) {
            if (s.get("name").asText().equals(name)) {
                found.add(s);
            }
        }
        assertThat(found.size()).isLessThanOrEqualTo(1);
        return found.isEmpty() ? null : found.get(0);
    }
}
