package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * Custom dashboards in a real headless Chromium against the packaged collector: add panels, save,
 * reload, open the shared link, CSV and JSON downloads, import (refused and accepted), a viewer who
 * cannot edit, and a chart of 100,000 points zoomed (timed in the page). The panels query PromQL
 * that generates its data (sin of time()), so no agent is needed. Screenshots and measurements in
 * agent/target/screenshots/ (dashboards-*.png, dashboards-measurements.txt).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CustomDashboardsBrowserIT {
    static final String XSS = "<img src=x onerror=alert(1)>";
    static final String VIEWER_PASSWORD = "viewer-password-2";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** A colour no series is drawn in: its pixels on the canvas are the threshold line's. */
    static final String THRESHOLD_COLOR = "#ff00ff";

    static Path dir;
    static Path shots;
    static Path downloads;
    static CollectorProcess collector;
    static Browser browser;
    static ChromeDriver driver;
    static final List<String> measurements = new ArrayList<>();
    static long dashboardId;
    static Path exportedJson;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("peephole-dashboards-it");
        collector = new CollectorProcess(dir);
        assertThat(basic("POST", "/api/v1/users", "{\"username\":\"vera\",\"password\":\"" + VIEWER_PASSWORD
                + "\",\"role\":\"viewer\"}").statusCode()).isEqualTo(201);
        browser = new Browser(collector, dir);
        driver = browser.driver;
        shots = browser.shots;
        downloads = browser.downloads;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (!measurements.isEmpty() && shots != null) {
                Files.write(shots.resolve("dashboards-measurements.txt"), measurements);
            }
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (collector != null) {
                collector.stop();
            }
        }
    }

    @Test
    @Order(1)
    void anAdminAddsPanelsSavesReloadsAndTheSharedLinkOpensTheDashboard() throws Exception {
        driver.get(collector.uri("/").toString());
        waitFor(20, d -> d.findElement(By.id("login")).isDisplayed());
        Object transfer = js("return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
                + ".filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)");
        measurements.add("UI transferred by Chromium on the first load (empty cache, gzip by the collector): " + transfer + " bytes");
        measurements.add("UI size gzipped (sum of each static file gzip'd): " + gzippedUiBytes() + " bytes");
        login("admin", CollectorProcess.ADMIN_PASSWORD);
        waitFor(20, d -> d.findElement(By.id("who")).getText().contains("admin (admin)"));

        click("#nav-dashboards");
        waitForView("dashboards");
        driver.findElement(By.id("new-title")).sendKeys("Ops " + XSS);
        click("#new-submit");
        waitFor(30, d -> d.getCurrentUrl().contains("id=") && !d.findElements(By.id("dash-add")).isEmpty());
        waitForView("dashboards");
        dashboardId = Long.parseLong((String) js("return document.querySelector('section.dashboard').dataset.dashboard"));
        assertThat(text("#dash-title")).isEqualTo("Ops " + XSS);

        addPanel("Wave " + XSS, "sin(vector(time()) / 60) * 10", "line", "", "5");
        addPanel("Bars", "vector(3)", "bar", "", null);
        addPanel("Stat", "vector(42)", "stat", "bytes", "40");
        addPanel("Table", "label_replace(vector(0.25), \"kind\", \"" + XSS + "\", \"\", \"\")", "table", "ratio", null);
        assertThat(text("#dash-status")).contains("Unsaved changes");
        // arrange: Bars is dragged to the first place (its handle dropped on the first panel) ...
        js("const t = new DataTransfer();"
                + "document.querySelector(\".dash-panel[data-index='1'] .drag\").dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: t}));"
                + "const to = document.querySelector(\".dash-panel[data-index='0']\");"
                + "to.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: t}));"
                + "to.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: t}));");
        waitFor(20, d -> panelTitles().equals(List.of("Bars", "Wave " + XSS, "Stat", "Table")));
        waitForView("dashboards");
        // ... and Stat moves down and up again by its buttons
        click(".dash-panel[data-index='2'] button.down");
        waitFor(20, d -> panelTitles().equals(List.of("Bars", "Wave " + XSS, "Table", "Stat")));
        waitForView("dashboards");
        click(".dash-panel[data-index='3'] button.up");
        waitFor(20, d -> panelTitles().equals(List.of("Bars", "Wave " + XSS, "Stat", "Table")));
        waitForView("dashboards");
        click("#dash-save");
        waitFor(30, d -> "false".equals(js("const e = document.querySelector('section.dashboard'); return e && e.dataset.dirty")));
        assertNoMarkup();

        // saved server-side, in the grid's order
        JsonNode saved = JSON.readTree(collector.get("/api/v1/dashboards/" + dashboardId)).get("data");
        assertThat(saved.get("panels")).hasSize(4);
        assertThat(saved.at("/panels/0/title").asText()).isEqualTo("Bars");
        assertThat(saved.at("/panels/1/title").asText()).isEqualTo("Wave " + XSS);
        assertThat(saved.at("/panels/1/thresholds/0/value").asDouble()).isEqualTo(5.0);
        assertThat(saved.at("/panels/1/thresholds/0/color").asText()).isEqualTo(THRESHOLD_COLOR);
        assertThat(saved.at("/panels/2/type").asText()).isEqualTo("stat");
        assertThat(collector.get("/api/v1/audit")).contains("\"action\":\"dashboard.update\"");

        // a reload shows the saved dashboard
        driver.navigate().refresh();
        waitForView("dashboards");
        waitFor(60, d -> panelTitles().size() == 4 && points(".dash-panel[data-index='1']") > 0);
        assertThat(panelTitles()).containsExactly("Bars", "Wave " + XSS, "Stat", "Table");
        assertThat(text("#dash-status")).doesNotContain("Unsaved");
        // the threshold is drawn: its colour's pixels along the line at its value
        long thresholdPixels = ((Number) js("const f = document.querySelector(\".dash-panel[data-index='1'] figure.chart\");"
                + "const u = f.uplot; const y = Math.round(u.valToPos(5, 'y', true));"
                + "const g = u.ctx.getImageData(0, Math.max(0, y - 1), u.ctx.canvas.width, 3).data; let n = 0;"
                + "for (let i = 0; i < g.length; i += 4) if (g[i] > 200 && g[i + 1] < 80 && g[i + 2] > 200) n++; return n;")).longValue();
        assertThat(thresholdPixels).as("threshold line pixels").isGreaterThan(50);
        // the stat is coloured by the threshold it reaches; the table holds the label as text
        assertThat(js("return document.querySelector(\".dash-panel[data-index='2'] .stat\").dataset.threshold")).isEqualTo("40");
        assertThat(text(".dash-panel[data-index='2'] .stat")).isEqualTo("42.0 B");
        assertThat(text(".dash-panel[data-index='3'] table.value-table")).contains(XSS).contains("25.0 %");
        assertNoMarkup();
        assertThat(driver.findElement(By.id("share-link")).getAttribute("value")).contains("id=" + dashboardId).contains("range=1h");
        screenshot("dashboards-custom-1280");

        // the shared link holds the id and the range; it opens the dashboard in a fresh page
        driver.get(collector.uri("/#/dashboards?id=" + dashboardId + "&from=" + (System.currentTimeMillis() - 1_800_000L)
                + "&to=" + System.currentTimeMillis()).toString());
        waitForView("dashboards");
        String link = driver.findElement(By.id("share-link")).getAttribute("value");
        assertThat(link).startsWith(collector.uri("/").toString()).contains("id=" + dashboardId).contains("from=").contains("to=");
        assertThat(driver.getCurrentUrl()).contains("from=").contains("to=");
        driver.get("about:blank");
        driver.get(link);
        waitForView("dashboards");
        waitFor(60, d -> panelTitles().size() == 4 && points(".dash-panel[data-index='1']") > 0);
        assertThat(text("#dash-title")).isEqualTo("Ops " + XSS);
        assertThat(new Select(driver.findElement(By.id("range-select"))).getFirstSelectedOption().getText()).startsWith("Absolute");
    }

    @Test
    @Order(2)
    void aPanelDownloadsAsCsvAndTheDashboardAsJson() throws Exception {
        driver.get(collector.uri("/#/dashboards?id=" + dashboardId + "&range=15m").toString());
        waitForView("dashboards");
        waitFor(60, d -> points(".dash-panel[data-index='1']") > 0);
        long points = points(".dash-panel[data-index='1']");
        click(".dash-panel[data-index='1'] button.csv");
        Path csv = downloaded("Wave_img_src_x_onerror_alert_1.csv");
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("series,timestamp,time,value");
        assertThat(lines).hasSize((int) points + 1);
        String[] row = lines.get(1).split(",");
        assertThat(row[0]).isEqualTo("{}");
        long t = Long.parseLong(row[1]);
        assertThat(Double.parseDouble(row[3])).isCloseTo(Math.sin(t / 60.0) * 10, org.assertj.core.data.Offset.offset(1e-9));

        click("#dash-export");
        exportedJson = downloaded("dashboard-" + dashboardId + ".json");
        JsonNode exported = JSON.readTree(exportedJson.toFile());
        assertThat(exported.get("title").asText()).isEqualTo("Ops " + XSS);
        assertThat(exported.get("panels")).hasSize(4);
        assertThat(exported.at("/panels/0/title").asText()).isEqualTo("Bars");
        assertThat(exported.has("id")).isFalse();
    }

    @Test
    @Order(3)
    void aBadFileIsRefusedWithTheReasonAndTheExportImportsBack() throws Exception {
        driver.get(collector.uri("/#/dashboards?range=15m").toString());
        waitForView("dashboards");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"title\": \"bad\", \"panels\": [{\"title\": \"p\", \"query\": \"up\", \"colour\": \"red\"}]}");
        driver.findElement(By.id("import-file")).sendKeys(bad.toString());
        waitFor(30, d -> text("#import-error").contains("unknown field \"colour\" at panels[0]"));
        Path tooMany = dir.resolve("too-many.json");
        List<Map<String, Object>> panels = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            panels.add(Map.of("title", "p" + i, "query", "vector(" + i + ")"));
        }
        Files.writeString(tooMany, JSON.writeValueAsString(Map.of("title", "many", "panels", panels)));
        driver.findElement(By.id("import-file")).sendKeys(tooMany.toString());
        waitFor(30, d -> text("#import-error").contains("too many panels"));
        screenshot("dashboards-import-refused-1280");

        driver.findElement(By.id("import-file")).sendKeys(exportedJson.toString());
        waitFor(30, d -> {
            Object shown = js("const e = document.querySelector('section.dashboard'); return e ? e.dataset.dashboard : null");
            return shown != null && !shown.equals(Long.toString(dashboardId));
        });
        waitForView("dashboards");
        waitFor(60, d -> panelTitles().size() == 4);
        long imported = Long.parseLong((String) js("return document.querySelector('section.dashboard').dataset.dashboard"));
        assertThat(imported).isNotEqualTo(dashboardId);
        assertThat(panelTitles()).containsExactly("Bars", "Wave " + XSS, "Stat", "Table");
        driver.get(collector.uri("/#/dashboards?range=15m").toString());
        waitForView("dashboards");
        assertThat(driver.findElements(By.cssSelector("#dashboards-table a.dash-link"))).hasSizeGreaterThanOrEqualTo(2);
        assertNoMarkup();
        screenshot("dashboards-list-1280");
    }

    @Test
    @Order(4)
    void aViewerReadsTheDashboardButCannotChangeIt() throws Exception {
        relogin("vera", VIEWER_PASSWORD);
        driver.get(collector.uri("/#/dashboards?id=" + dashboardId + "&range=15m").toString());
        waitForView("dashboards");
        waitFor(60, d -> panelTitles().size() == 4 && points(".dash-panel[data-index='1']") > 0);
        assertThat(text("#dash-meta")).contains("read only");
        assertThat(driver.findElements(By.cssSelector("#dash-add, #dash-save, #dash-delete, #dash-rename, button.edit, "
                + "button.up, button.down, button.remove, .drag, #panel-editor"))).isEmpty();
        // CSV and JSON export stay available to a reader
        assertThat(driver.findElements(By.cssSelector("button.csv, #dash-export"))).hasSize(5);
        screenshot("dashboards-viewer-1280");

        String put = "const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/dashboards/' + arguments[0], {method: 'PUT', headers: Object.assign({'Content-Type': 'application/json'},"
                + " arguments[1]), body: JSON.stringify({title: 'taken', panels: []})}).then(r => done(r.status), e => done(String(e)));";
        JavascriptExecutor jsx = driver;
        assertThat(((Number) jsx.executeAsyncScript(put, dashboardId, Map.of())).intValue()).isEqualTo(403);
        String csrf = (String) jsx.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/session').then(r => r.json()).then(j => done(j.data.csrfToken));");
        assertThat(((Number) jsx.executeAsyncScript(put, dashboardId, Map.of("X-CSRF-Token", csrf))).intValue()).isEqualTo(403);
        assertThat(JSON.readTree(collector.get("/api/v1/dashboards/" + dashboardId)).at("/data/panels")).hasSize(4);
        relogin("admin", CollectorProcess.ADMIN_PASSWORD);
    }

    @Test
    @Order(5)
    void aChartOf100000PointsStaysResponsiveWhenZoomed() throws Exception {
        // ten generated series, one point a second over 10,000 s: 100,010 points through query_range
        StringBuilder q = new StringBuilder();
        for (int k = 1; k <= 10; k++) {
            if (k > 1) {
                q.append(" or ");
            }
            q.append("label_replace(sin(vector(time()) / ").append(37 * k).append(") * ").append(k)
                    .append(", \"wave\", \"").append(k).append("\", \"\", \"\")");
        }
        HttpResponse<String> created = basic("POST", "/api/v1/dashboards", JSON.writeValueAsString(Map.of("title", "100k points",
                "panels", List.of(Map.of("title", "Ten waves", "query", q.toString(), "type", "line", "step", 1,
                        "thresholds", List.of(Map.of("value", 5, "color", THRESHOLD_COLOR)))))));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = JSON.readTree(created.body()).at("/data/id").asLong();
        long to = System.currentTimeMillis() / 1000 * 1000;
        long from = to - 10_000_000L;
        driver.get("about:blank");
        driver.get(collector.uri("/#/dashboards?id=" + id + "&from=" + from + "&to=" + to).toString());
        waitForView("dashboards");
        waitFor(120, d -> points(".dash-panel[data-index='0']") > 0);
        long points = points(".dash-panel[data-index='0']");
        assertThat(points).isGreaterThanOrEqualTo(100_000L);
        String queryMs = (String) js("return document.querySelector(\".dash-panel[data-index='0']\").dataset.queryMs");
        String renderMs = (String) js("return document.querySelector(\".dash-panel[data-index='0']\").dataset.renderMs");

        // zoom in step by step and out again, each timed from setScale to uPlot's draw hook
        @SuppressWarnings("unchecked")
        List<Number> ms = (List<Number>) driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "const u = document.querySelector(\".dash-panel[data-index='0'] figure.chart\").uplot;"
                + "const xs = u.data[0]; const lo = xs[0], hi = xs[xs.length - 1], mid = (lo + hi) / 2;"
                + "const spans = [0.5, 0.1, 0.01, 0.001, 0.5, 1, 0.25, 1];"
                + "const times = []; let t0 = 0; let resolve = null;"
                + "u.hooks.draw = u.hooks.draw || []; u.hooks.draw.push(() => { if (resolve) { times.push(performance.now() - t0); const r = resolve; resolve = null; r(); } });"
                + "(async () => { for (const s of spans) { const half = (hi - lo) * s / 2;"
                + "  await new Promise((r) => { resolve = r; t0 = performance.now(); u.setScale('x', {min: mid - half, max: mid + half}); });"
                + "  await new Promise((r) => requestAnimationFrame(() => r())); }"
                + "  done(times); })().catch((e) => done(String(e)));");
        assertThat(ms).hasSize(8);
        double max = ms.stream().mapToDouble(Number::doubleValue).max().orElseThrow();
        List<String> rounded = ms.stream().map(n -> String.format("%.1f", n.doubleValue()))
                .collect(java.util.stream.Collectors.toList());
        measurements.add("100k-point panel: " + points + " points (10 series x 10,001), query_range " + queryMs
                + " ms in the browser, chart built in " + renderMs + " ms; zoom redraws (setScale to draw hook, ms) at 50%, 10%, 1%,"
                + " 0.1%, 50%, 100%, 25%, 100% of the range: " + rounded + "; max " + String.format("%.1f", max) + " ms");
        // generous: this machine is shared with other builds; a responsive chart redraws in well under this
        assertThat(max).as("slowest zoom redraw of 100,000 points, ms").isLessThan(2000);

        // the cursor follows the mouse on the full chart: hover across it and it still answers
        WebElement over = driver.findElement(By.cssSelector(".dash-panel[data-index='0'] .u-over"));
        long t0 = System.nanoTime();
        new org.openqa.selenium.interactions.Actions(driver).moveToElement(over, -over.getSize().width / 3, 0)
                .moveByOffset(over.getSize().width / 2, 0).perform();
        measurements.add("100k-point panel: hover across the chart through WebDriver: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        screenshot("dashboards-100k-points-1280");
    }

    @Test
    @Order(6)
    void theDashboardFitsAPhonesWidthInTheDarkTheme() throws Exception {
        // headless Chromium's windows are at least 500 px wide: a phone's 390 px through device emulation
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
        try {
            driver.get(collector.uri("/#/dashboards?id=" + dashboardId + "&range=15m").toString());
            waitForView("dashboards");
            waitFor(60, d -> panelTitles().size() == 4 && points(".dash-panel[data-index='1']") > 0);
            click("#theme");
            waitFor(10, d -> "dark".equals(js("return document.documentElement.dataset.theme")));
            waitForView("dashboards");
            waitFor(60, d -> points(".dash-panel[data-index='1']") > 0);
            assertThat(((Number) js("return window.innerWidth")).longValue()).isEqualTo(390L);
            long scrollWidth = ((Number) js("return document.documentElement.scrollWidth")).longValue();
            assertThat(scrollWidth).as("no sideways scrolling at 390 px").isLessThanOrEqualTo(390);
            long height = ((Number) js("return document.documentElement.scrollHeight")).longValue();
            driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", 390, "height", (int) Math.min(6000, height), "deviceScaleFactor", 1, "mobile", true));
            Files.write(shots.resolve("dashboards-custom-390-dark.png"), driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
            if ("dark".equals(js("return document.documentElement.dataset.theme"))) {
                click("#theme");
            }
        }
    }

    // ---- helpers ----

    static void addPanel(String title, String query, String type, String unit, String threshold) {
        click("#dash-add");
        waitFor(20, d -> !d.findElements(By.id("panel-editor")).isEmpty());
        driver.findElement(By.id("panel-title")).sendKeys(title);
        driver.findElement(By.id("panel-query")).sendKeys(query);
        new Select(driver.findElement(By.id("panel-type"))).selectByValue(type);
        new Select(driver.findElement(By.id("panel-unit"))).selectByValue(unit);
        if (threshold != null) {
            click("#threshold-add");
            driver.findElement(By.cssSelector("#thresholds li:last-child .threshold-value")).sendKeys(threshold);
            // a colour input takes its value by script (no picker dialog in headless Chromium)
            js("const c = document.querySelector('#thresholds li:last-child .threshold-color'); c.value = arguments[0];"
                    + "c.dispatchEvent(new Event('input', {bubbles: true}));", THRESHOLD_COLOR);
        }
        int before = panelTitles().size();
        click("#panel-apply");
        waitFor(30, d -> d.findElements(By.id("panel-editor")).isEmpty() && panelTitles().size() == before + 1);
        waitForView("dashboards");
    }

    @SuppressWarnings("unchecked")
    static List<String> panelTitles() {
        return (List<String>) js("return [...document.querySelectorAll('#dash-panels .dash-panel h2')].map(e => e.textContent)");
    }

    static Path downloaded(String name) {
        return browser.downloaded(name);
    }

    static String text(String css) {
        return browser.text(css);
    }

    static void click(String css) {
        browser.click(css);
    }

    static void login(String user, String password) {
        browser.login(user, password);
    }

    static void relogin(String user, String password) {
        browser.relogin(user, password, "/dashboards?range=15m");
    }

    static void assertNoMarkup() {
        browser.assertNoMarkup();
    }

    static void waitForView(String view) {
        browser.waitForView(view);
    }

    static long points(String css) {
        Object n = js("const e = document.querySelector(arguments[0]); return e ? Number(e.dataset.points || 0) : 0", css);
        return ((Number) n).longValue();
    }

    static Object js(String script, Object... args) {
        return browser.js(script, args);
    }

    static void waitFor(int seconds, Function<WebDriver, Boolean> condition) {
        browser.waitFor(seconds, condition);
    }

    static void screenshot(String name) throws Exception {
        browser.screenshot(name);
    }

    static long gzippedUiBytes() throws Exception {
        return Browser.gzippedUiBytes();
    }

    static HttpResponse<String> basic(String method, String path, String json) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + CollectorProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(collector.uri(path)).header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
