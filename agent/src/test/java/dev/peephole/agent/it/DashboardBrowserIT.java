package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against the packaged collector, fed by the
 * packaged demo with the agent attached (and by a probe agent that sends markup as data).
 * Screenshots of every view land in agent/target/screenshots/, with the measurements.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {
    static final String XSS = "<img src=x onerror=alert(1)>";
    static final String VIEWER_PASSWORD = "viewer-password-1";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static Path dir;
    static Path shots;
    static CollectorProcess collector;
    static AppProcess demo;
    static ManagedChannel probeChannel;
    static StreamObserver<AgentMessage> probe;
    static Browser browser;
    static WebDriver driver;
    static final List<String> measurements = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("peephole-dashboard-it");
        shots = Path.of(System.getProperty("peephole.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        // rules saved through the API evaluate every 2 s (the shipped rules keep their own intervals)
        collector = new CollectorProcess(dir, Map.of("PEEPHOLE_EVALUATION_INTERVAL", "2s"));
        demo = AppProcess.start(dir.resolve("demo.log"), "collector=127.0.0.1:" + collector.grpcPort
                        + ",service=doorbell,token=" + CollectorProcess.TOKEN
                        + ",batch.interval=500ms,metrics.interval=2s,heartbeat.interval=1s",
                List.of(), "-jar", AppProcess.demoJar().toString(), "--http-port", Integer.toString(CollectorProcess.freePort()),
                "--fps", "10");
        sendProbe();
        assertThat(basic("POST", "/api/v1/users", "{\"username\":\"vera\",\"password\":\"" + VIEWER_PASSWORD
                + "\",\"role\":\"viewer\"}").statusCode()).isEqualTo(201);
        // data every view needs: span metrics with recognitions (two samples for a rate), a doorbell trace with recognition
        eventually(180, () -> collector.query("count_over_time(traces_span_metrics_calls_total{span_name=\"FaceRecognizer.recognize\"}[1m]) > 2")
                .contains("\"value\"") ? "ok" : null);
        eventually(120, () -> collector.get("/api/traces?service=doorbell&operation=FaceRecognizer.recognize&limit=1")
                .contains("FaceRecognizer.recognize") ? "ok" : null);
        eventually(60, () -> collector.query("count_over_time(system_network_io_bytes_total[1m]) > 2").contains("\"value\"") ? "ok" : null);

        browser = new Browser(collector, dir);
        driver = browser.driver;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (!measurements.isEmpty() && shots != null) {
                Files.write(shots.resolve("measurements.txt"), measurements);
            }
            if (driver != null) {
                List<String> console = new ArrayList<>();
                for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                    console.add(e.getLevel() + " " + e.getMessage());
                }
                Files.write(shots.resolve("browser-console.txt"), console);
                browser.close();
            }
            if (probe != null) {
                probe.onCompleted();
            }
            if (probeChannel != null) {
                probeChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            if (demo != null) {
                demo.close();
            }
            if (collector != null) {
                collector.stop();
            }
        }
    }

    /** A probe agent over the agent protocol whose host name, span name, attribute and label value are markup. */
    static void sendProbe() throws Exception {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + CollectorProcess.TOKEN);
        probeChannel = NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcPort).usePlaintext().build();
        LinkedBlockingQueue<CollectorMessage> in = new LinkedBlockingQueue<>();
        probe = AgentServiceGrpc.newStub(probeChannel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .connect(new StreamObserver<>() {
                    @Override public void onNext(CollectorMessage m) { in.add(m); }
                    @Override public void onError(Throwable t) { }
                    @Override public void onCompleted() { }
                });
        probe.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentId("xss-probe@" + XSS)
                .setSessionId("s1").setServiceName("xss-probe").setHostName(XSS).setPid(1).setJvmVersion("17")
                .setJvmVendor(XSS).setAgentVersion("test")).build());
        long now = System.currentTimeMillis() * 1_000_000L;
        byte[] trace = new byte[16];
        trace[15] = 7;
        byte[] root = {0, 0, 0, 0, 0, 0, 0, 1};
        byte[] child = {0, 0, 0, 0, 0, 0, 0, 2};
        KeyValue attr = KeyValue.newBuilder().setKey("person.name").setValue(AnyValue.newBuilder().setStringValue(XSS)).build();
        // the root span is a recognition: a blacklisted visitor whose name is markup (a security event)
        KeyValue result = KeyValue.newBuilder().setKey("recognition.result").setValue(AnyValue.newBuilder().setStringValue("BLACKLISTED")).build();
        Batch.Builder batch = Batch.newBuilder().setSequence(1)
                .addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(root))
                        .setName(XSS).setStartTimeUnixNano(now - 5_000_000).setEndTimeUnixNano(now).addAttributes(attr).addAttributes(result))
                .addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(child))
                        .setParentSpanId(ByteString.copyFrom(root)).setName("probe.child")
                        .setStartTimeUnixNano(now - 4_000_000).setEndTimeUnixNano(now - 1_000_000).addAttributes(attr));
        MetricSeries.Builder calls = MetricSeries.newBuilder().setName("traces.span.metrics.calls").setUnit("{call}")
                .setType(MetricType.METRIC_TYPE_COUNTER)
                .addLabels(Label.newBuilder().setName("span_name").setValue(XSS))
                .addLabels(Label.newBuilder().setName("status_code").setValue("STATUS_CODE_UNSET"));
        for (int i = 0; i < 3; i++) {
            calls.addPoints(NumberPoint.newBuilder().setTimeUnixNano(now - (2 - i) * 20_000_000_000L).setValue(10 * (i + 1)));
        }
        batch.addMetrics(calls);
        probe.onNext(AgentMessage.newBuilder().setBatch(batch).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            CollectorMessage m = in.poll(1, TimeUnit.SECONDS);
            if (m != null && m.hasAck()) {
                assertThat(m.getAck().getAcceptedSpans()).isEqualTo(2);
                return;
            }
        }
        throw new AssertionError("the probe's batch was not acknowledged");
    }

    // ---- the tests, in order: login, the views, editing, safety, live updates, the viewer ----

    @Test
    @Order(1)
    void wrongPasswordShowsAnErrorAndTheRightOneLogsIn() throws Exception {
        HttpResponse<String> shell = HTTP.send(HttpRequest.newBuilder(collector.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
        String csp = shell.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(shell.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        driver.get(collector.uri("/").toString());
        waitFor(20, d -> d.findElement(By.id("login")).isDisplayed());
        // the first load with an empty cache fetches the whole UI (every module is imported at start)
        Object transfer = js("return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
                + ".filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)");
        Object files = js("return performance.getEntriesByType('resource').filter(e => !e.name.includes('/api/')).length + 1");
        measurements.add("UI transferred by Chromium on the first load (empty cache, gzip by the collector): " + transfer
                + " bytes in " + files + " files");
        login("admin", "not-the-password");
        waitFor(20, d -> d.findElement(By.id("login-error")).getText().contains("Wrong user name or password"));
        assertThat(driver.findElement(By.id("top")).isDisplayed()).isFalse();
        login("admin", CollectorProcess.ADMIN_PASSWORD);
        waitFor(20, d -> d.findElement(By.id("who")).getText().contains("admin (admin)"));
        assertThat(driver.findElement(By.id("login")).isDisplayed()).isFalse();
    }

    @Test
    @Order(2)
    void overviewShowsEveryPanelWithPointsAndIsMeasured() throws Exception {
        // a fresh page load with the session cookie: paint timing and panel query times of the overview
        driver.get("about:blank");
        driver.get(collector.uri("/#/overview?range=15m").toString());
        waitForView("overview");
        for (String card : List.of("agents", "frames", "recognitions", "detect-p95", "recognize-p95")) {
            waitFor(60, d -> points("#card-" + card) > 0);
            assertThat(rows("#card-" + card + " table.data-table")).as(card).isPositive();
        }
        assertThat(driver.findElement(By.cssSelector("#card-recognitions")).getText()).contains("KNOWN");
        List<?> paint = (List<?>) js("return performance.getEntriesByType('paint').map(e => e.name + '=' + Math.round(e.startTime))");
        Object renderedAt = js("return document.getElementById('view').dataset.renderedAt");
        List<?> queryMs = (List<?>) js("return [...document.querySelectorAll('.card')].map(c => c.id + '=' + c.dataset.queryMs)");
        measurements.add("overview (15 min range) paint: " + paint + ", overview with data rendered at " + renderedAt
                + " ms after navigation start");
        measurements.add("overview panel query times (ms, query_range from the browser): " + queryMs);
        measurements.add("UI size gzipped (sum of each static file gzip'd): " + gzippedUiBytes() + " bytes");

        measurements.add("overview panel query_range times over HTTP, 20 runs each (15 min range): " + panelQueryTimes());

        // the same at a 24 h range (the demo has only minutes of data, but the steps and rollups of 24 h)
        driver.get("about:blank");
        driver.get(collector.uri("/#/overview?range=24h").toString());
        waitForView("overview");
        waitFor(60, d -> points("#card-frames") > 0);
        measurements.add("overview (24 h range) rendered at " + js("return document.getElementById('view').dataset.renderedAt")
                + " ms after navigation start; panel query ms "
                + js("return [...document.querySelectorAll('.card')].map(c => c.id + '=' + c.dataset.queryMs)"));
        measurements.add("overview panel query_range times over HTTP, 20 runs each (24 h range): " + panelQueryTimes());
        driver.get(collector.uri("/#/overview?range=15m").toString());
        waitForView("overview");
        waitFor(60, d -> points("#card-frames") > 0);
        screenshot("overview-1280");
    }

    @Test
    @Order(3)
    void hostsAndJvmsShowTheAgentsSeries() throws Exception {
        driver.get(collector.uri("/#/hosts?range=15m").toString());
        waitForView("hosts");
        Select agent = new Select(driver.findElement(By.id("host-agent")));
        assertThat(agent.getFirstSelectedOption().getText()).startsWith("doorbell on ");
        for (String title : List.of("CPU utilization (host)", "Load average", "Memory", "Swap", "Network I/O", "Heap used by pool",
                "Threads")) {
            waitFor(60, d -> points("figure.chart[data-title='" + title + "']") > 0);
            assertThat(rows("figure.chart[data-title='" + title + "'] table.data-table")).as(title).isPositive();
        }
        // the series named by what they are, not by metric names or a label's true / false
        assertThat(headerRow("Load average")).contains("1m").contains("5m").contains("15m").doesNotContain("system_cpu");
        assertThat(headerRow("Threads")).contains("non-daemon").contains("daemon").doesNotContain("true");
        // temperatures where the host has a sensor OSHI reads; else the panel says so (most virtual machines)
        waitFor(30, d -> !d.findElements(By.cssSelector("figure.chart[data-title='Temperature']")).isEmpty());
        if (points("figure.chart[data-title='Temperature']") == 0) {
            assertThat(text("figure.chart[data-title='Temperature'] p.empty")).contains("no temperature sensor");
        }
        screenshot("hosts-1280");
    }

    @Test
    @Order(4)
    void performanceShowsOperationsLatenciesAndAHeatmap() throws Exception {
        driver.get(collector.uri("/#/performance?range=15m").toString());
        waitForView("performance");
        String ops = driver.findElement(By.id("ops-table")).getText();
        assertThat(ops).contains("FaceDetector.detect").contains("FaceRecognizer.recognize").contains("Camera.capture");
        List<WebElement> opRows = driver.findElements(By.cssSelector("#ops-table tbody tr"));
        assertThat(opRows.get(0).getText()).startsWith("FaceDetector.detect");
        waitFor(60, d -> points("figure.chart[data-title='FaceDetector.detect: latency p50 / p95 / p99']") > 0);
        waitFor(60, d -> points("figure.chart[data-title='FaceDetector.detect: calls/s']") > 0);
        waitFor(60, d -> points("figure.heatmap[data-title^='FaceRecognizer.recognize']") > 0);
        screenshot("performance-1280");
    }

    @Test
    @Order(5)
    void aDoorbellTraceOpensAsAWaterfallOfNestedSpans() throws Exception {
        driver.get(collector.uri("/#/traces?range=15m&service=doorbell&operation=FaceRecognizer.recognize&limit=5").toString());
        waitForView("traces");
        waitFor(30, d -> !d.findElements(By.cssSelector(".trace-link")).isEmpty());
        screenshot("traces-search-1280");
        driver.findElements(By.cssSelector(".trace-link")).get(0).click();
        waitFor(30, d -> d.findElements(By.cssSelector(".wf-row")).size() >= 4);
        List<WebElement> spans = driver.findElements(By.cssSelector(".wf-row"));
        int maxDepth = spans.stream().mapToInt(e -> Integer.parseInt(e.getAttribute("data-depth"))).max().orElse(0);
        assertThat(maxDepth).as("nesting of the frame's spans").isGreaterThanOrEqualTo(2);
        assertThat(spans.get(0).getText()).startsWith("Camera.capture");
        assertThat(spans.get(0).getAttribute("data-depth")).isEqualTo("0");
        WebElement recognize = spans.stream().filter(e -> e.getText().startsWith("FaceRecognizer.recognize")).findFirst().orElseThrow();
        recognize.click();
        waitFor(10, d -> d.findElement(By.id("span-attributes")).getText().contains("recognition.result"));
        assertThat(driver.findElement(By.id("span-attributes")).getText()).contains("frame.id");
        // bars are to scale: the root starts at 0, every bar lies within the trace, the last one ends at its end
        assertThat(spans.get(0).findElement(By.cssSelector(".bar")).getAttribute("style")).contains("left: 0%");
        List<?> ends = (List<?>) js("return [...document.querySelectorAll('.wf-row .bar')]"
                + ".map(b => parseFloat(b.style.left) + parseFloat(b.style.width))");
        double maxEnd = ends.stream().mapToDouble(e -> ((Number) e).doubleValue()).max().orElse(0);
        assertThat(maxEnd).isBetween(99.0, 100.5);
        screenshot("trace-waterfall-1280");

        // a frame whose face detection failed: the span's exception event is shown with type and message
        eventually(120, () -> collector.get("/api/traces?service=doorbell&operation=FaceDetector.detect&limit=1&tags="
                + java.net.URLEncoder.encode("{\"error\":\"true\"}", StandardCharsets.UTF_8)).contains("\"exception\"") ? "ok" : null);
        driver.get(collector.uri("/#/traces?range=15m&service=doorbell&operation=FaceDetector.detect&tags=error%3Dtrue&limit=5").toString());
        waitForView("traces");
        waitFor(30, d -> !d.findElements(By.cssSelector(".trace-link")).isEmpty());
        driver.findElements(By.cssSelector(".trace-link")).get(0).click();
        waitFor(30, d -> !d.findElements(By.cssSelector(".wf-row .bar.err")).isEmpty());
        driver.findElements(By.cssSelector(".wf-row")).stream()
                .filter(r -> !r.findElements(By.cssSelector(".bar.err")).isEmpty()).findFirst().orElseThrow().click();
        waitFor(10, d -> !d.findElements(By.cssSelector("#span-detail .exception")).isEmpty());
        assertThat(driver.findElement(By.cssSelector("#span-detail .exception")).getText()).contains("Exception: ");
        screenshot("trace-exception-1280");
    }

    @Test
    @Order(6)
    void anAdminChangesTheSamplingRatioAndItReachesTheAgent() throws Exception {
        driver.get(collector.uri("/#/agents?range=15m").toString());
        waitForView("agents");
        String agentId = agentField("doorbell", "agentId");
        WebElement input = driver.findElement(By.cssSelector("input.ratio[data-agent='" + agentId + "']"));
        input.clear();
        input.sendKeys("0.35");
        driver.findElement(By.cssSelector("form.ratio-form[data-agent='" + agentId + "'] button")).click();
        waitFor(20, d -> d.findElement(By.cssSelector("form.ratio-form[data-agent='" + agentId + "'] .msg")).getText().contains("saved"));
        eventually(20, () -> "0.35".equals(agentField("doorbell", "samplingRatio")) ? "ok" : null);
        assertThat(collector.get("/api/v1/audit")).contains("\"action\":\"agent.settings\"");
        screenshot("agents-1280");
    }

    @Test
    @Order(7)
    void markupFromApplicationsIsShownAsText() throws Exception {
        driver.get(collector.uri("/#/traces?range=15m&service=xss-probe").toString());
        waitForView("traces");
        waitFor(30, d -> !d.findElements(By.cssSelector(".trace-link")).isEmpty());
        assertThat(driver.findElement(By.cssSelector(".trace-link")).getText()).isEqualTo(XSS);
        driver.findElement(By.cssSelector(".trace-link")).click();
        waitFor(30, d -> d.findElements(By.cssSelector(".wf-row")).size() == 2);
        assertThat(driver.findElements(By.cssSelector(".wf-row")).get(1).getAttribute("data-depth")).isEqualTo("1");
        driver.findElements(By.cssSelector(".wf-row")).get(0).click();
        waitFor(10, d -> d.findElement(By.id("span-attributes")).getText().contains("person.name"));
        assertThat(driver.findElement(By.id("span-attributes")).getText()).contains(XSS);
        assertNoMarkup();
        screenshot("xss-as-text-1280");

        driver.get(collector.uri("/#/agents?range=15m").toString());
        waitForView("agents");
        assertThat(driver.findElement(By.id("agents-table")).getText()).contains(XSS);
        assertNoMarkup();

        driver.get(collector.uri("/#/performance?range=15m").toString());
        waitForView("performance");
        assertThat(driver.findElement(By.id("ops-table")).getText()).contains(XSS);
        assertNoMarkup();
    }

    @Test
    @Order(8)
    void theOpenViewRefreshesLiveWithoutAReload() throws Exception {
        driver.get(collector.uri("/#/overview?range=15m").toString());
        waitForView("overview");
        js("window.__peepholeNoReload = 'still here'");
        String rendered = (String) js("return document.getElementById('view').dataset.rendered");
        waitFor(60, d -> !rendered.equals(js("return document.getElementById('view').dataset.rendered")));
        assertThat(js("return window.__peepholeNoReload")).isEqualTo("still here");
        assertThat(Integer.parseInt((String) js("return document.getElementById('live').dataset.ticks"))).isGreaterThan(1);
        assertThat(driver.findElement(By.id("live")).getText()).containsPattern("agent streams? open");
    }

    @Test
    @Order(9)
    void zoomingByDraggingOnAChartNarrowsTheRangeInTheUrl() throws Exception {
        driver.get(collector.uri("/#/hosts?range=15m").toString());
        waitForView("hosts");
        waitFor(60, d -> points("figure.chart[data-title='Threads']") > 0);
        WebElement over = driver.findElement(By.cssSelector("figure.chart[data-title='Threads'] .u-over"));
        new org.openqa.selenium.interactions.Actions(driver).moveToElement(over, -over.getSize().width / 4, 0)
                .clickAndHold().moveByOffset(over.getSize().width / 3, 0).release().perform();
        waitFor(20, d -> d.getCurrentUrl().contains("from=") && d.getCurrentUrl().contains("to="));
        assertThat(new Select(driver.findElement(By.id("range-select"))).getFirstSelectedOption().getText()).startsWith("Absolute");
        waitForView("hosts");
    }

    @Test
    @Order(10)
    void aViewerSeesNoEditingControlsAndAForgedChangeIsRefused() throws Exception {
        driver.get(collector.uri("/#/overview?range=15m").toString());
        waitForView("overview");
        driver.findElement(By.id("logout")).click();
        waitFor(20, d -> d.findElement(By.id("login")).isDisplayed());
        login("vera", VIEWER_PASSWORD);
        waitFor(20, d -> d.findElement(By.id("who")).getText().contains("vera (viewer)"));
        driver.get(collector.uri("/#/agents?range=15m").toString());
        waitForView("agents");
        assertThat(driver.findElement(By.id("agents-table")).getText()).contains("doorbell");
        assertThat(driver.findElements(By.cssSelector("form.ratio-form, input.ratio"))).isEmpty();
        screenshot("agents-viewer-1280");

        String agentId = agentField("doorbell", "agentId");
        String put = "const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/agents/' + encodeURIComponent(arguments[0]) + '/settings', {method: 'PUT',"
                + " headers: Object.assign({'Content-Type': 'application/json'}, arguments[1]), body: '{\"samplingRatio\":0.01}'})"
                + ".then(r => done(r.status), e => done(String(e)));";
        JavascriptExecutor jsx = (JavascriptExecutor) driver;
        // forged: the session cookie alone, no CSRF header
        assertThat(((Number) jsx.executeAsyncScript(put, agentId, Map.of())).intValue()).isEqualTo(403);
        // with the viewer's own CSRF token: still no, a viewer does not change settings
        String csrf = (String) jsx.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/session').then(r => r.json()).then(j => done(j.data.csrfToken));");
        assertThat(((Number) jsx.executeAsyncScript(put, agentId, Map.of("X-CSRF-Token", csrf))).intValue()).isEqualTo(403);
        assertThat(agentField("doorbell", "samplingRatio")).isEqualTo("0.35");
    }

    @Test
    @Order(11)
    void thePhoneWidthAndTheDarkThemeWork() throws Exception {
        // headless Chromium's windows are at least 500 px wide: a phone's 390 px through device emulation
        ChromeDriver chrome = (ChromeDriver) driver;
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
        try {
            driver.get(collector.uri("/#/overview?range=15m").toString());
            waitForView("overview");
            waitFor(60, d -> points("#card-frames") > 0);
            assertThat(((Number) js("return window.innerWidth")).longValue()).isEqualTo(390L);
            long scrollWidth = ((Number) js("return document.documentElement.scrollWidth")).longValue();
            assertThat(scrollWidth).as("no sideways scrolling at 390 px").isLessThanOrEqualTo(390);
            phoneScreenshot(chrome, "overview-390");
            driver.findElement(By.id("theme")).click();
            waitFor(10, d -> "dark".equals(js("return document.documentElement.dataset.theme")));
            waitForView("overview");
            waitFor(60, d -> points("#card-frames") > 0);
            phoneScreenshot(chrome, "overview-390-dark");
        } finally {
            chrome.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
        driver.get(collector.uri("/#/performance?range=15m").toString());
        waitForView("performance");
        waitFor(60, d -> points("figure.heatmap[data-title^='FaceDetector.detect']") > 0);
        screenshot("performance-1280-dark");
        driver.findElement(By.id("theme")).click();
        waitFor(10, d -> "light".equals(js("return document.documentElement.dataset.theme")));
    }

    @Test
    @Order(12)
    void theSecurityViewShowsTheDemosRecognitionsAndOpensAVisitorsTrace() throws Exception {
        relogin("admin", CollectorProcess.ADMIN_PASSWORD);
        // the demo's unknown visitors as events, and the counter series the chart reads
        eventually(180, () -> JSON.readTree(collector.get("/api/v1/security/events?kind=unknown&limit=1")).get("data").size() > 0 ? "ok" : null);
        eventually(120, () -> collector.query("count_over_time(peephole_security_events_total{service_name=\"doorbell\"}[5m]) > 1")
                .contains("\"value\"") ? "ok" : null);
        driver.get(collector.uri("/#/security?range=1h").toString());
        waitForView("security");
        waitFor(60, d -> points("#security-kinds figure.chart") > 0);
        String legend = text("#security-kinds");
        assertThat(legend).contains("known").contains("unknown");
        assertThat(rows("#visitors-table")).isPositive();
        assertThat(rows("#top-visitors")).isPositive();
        assertThat(rows("#hour-table")).isEqualTo(24);
        long total = Long.parseLong((String) js("return document.getElementById('hour-table').dataset.total"));
        long hourSum = ((Number) js("return [...document.querySelectorAll('#hour-table tbody tr')]"
                + ".reduce((n, r) => n + Number(r.cells[1].textContent), 0)")).longValue();
        assertThat(total).isPositive();
        assertThat(hourSum).isEqualTo(total);
        String visitors = text("#visitors-table");
        assertThat(visitors).contains("unknown");
        // the probe's blacklisted visitor, whose name is markup, is text
        assertThat(visitors).contains(XSS).contains("blacklisted");
        assertThat(text("#top-visitors")).contains(XSS);
        assertNoMarkup();
        screenshot("security-1280");

        String traceId = (String) js("return document.querySelector(\"#visitors-table a.visitor-trace[data-service='doorbell']\").dataset.trace");
        click("#visitors-table a.visitor-trace[data-trace='" + traceId + "']");
        waitForView("traces");
        assertThat(driver.getCurrentUrl()).contains("trace=" + traceId);
        waitFor(30, d -> !d.findElements(By.cssSelector("#waterfall .wf-row")).isEmpty());
        assertThat(text("#waterfall")).contains("FaceRecognizer.recognize");
        screenshot("security-visitor-trace-1280");
    }

    @Test
    @Order(13)
    void anAdminAcknowledgesAndSilencesAFiringAlert() throws Exception {
        HttpResponse<String> created = basic("POST", "/api/v1/rules", JSON.writeValueAsString(Map.of("group", "ui-test",
                "alert", "UiTestAlert", "expr", "vector(1)", "labels", Map.of("severity", "warning", "visitor", XSS),
                "annotations", Map.of("summary", "a test alert for " + XSS))));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = eventually(120, () -> {
            for (JsonNode a : JSON.readTree(collector.get("/api/v1/alerts")).get("data").get("alerts")) {
                // with its id: an alert met between its evaluation and its store has none yet
                if ("UiTestAlert".equals(a.get("labels").get("alertname").asText()) && "firing".equals(a.get("state").asText())
                        && a.hasNonNull("id")) {
                    return a.get("id").asText();
                }
            }
            return null;
        });
        driver.get(collector.uri("/#/overview?range=1h").toString());
        waitForView("overview");
        assertThat(Integer.parseInt((String) js("return document.getElementById('firing-alerts').dataset.firing"))).isPositive();
        assertThat(text("#firing-alerts")).startsWith("Firing alerts: ");
        // the overall status with its reasons: the firing alert is one (warning: degraded at least)
        assertThat(text("#overall-status")).isIn("Status: degraded", "Status: unhealthy");
        String alertsReason = text("#status-reasons li[data-component='alerts']");
        assertThat(alertsReason).containsPattern("^alerts: (degraded|unhealthy) · .*UiTestAlert");
        assertNoMarkup();

        driver.get(collector.uri("/#/alerts?range=1h").toString());
        waitForView("alerts");
        String row = "#alerts-table tr[data-id='" + id + "']";
        waitFor(30, d -> !d.findElements(By.cssSelector(row)).isEmpty());
        assertThat(text(row)).contains("firing").contains("visitor=\"" + XSS + "\"")
                .contains("a test alert for " + XSS);
        // the value (vector(1), which the API gives as "1e+00") shown short, exactly in its tooltip
        assertThat(js("const c = document.querySelector(arguments[0]).cells[5]; return c.innerText + '|' + c.firstChild.title", row))
                .isEqualTo("1|1e+00");
        assertThat(text("#rules-table")).contains("UiTestAlert").contains("ui-test");
        assertNoMarkup();

        click(row + " button.ack");
        waitFor(30, d -> {
            List<WebElement> r = d.findElements(By.cssSelector(row));
            return !r.isEmpty() && r.get(0).getText().contains("admin") && r.get(0).findElements(By.cssSelector("button.ack")).isEmpty();
        });
        JsonNode acked = null;
        for (JsonNode a : JSON.readTree(collector.get("/api/v1/alerts")).get("data").get("alerts")) {
            if (id.equals(a.get("id").asText())) {
                acked = a;
            }
        }
        assertThat(acked).isNotNull();
        assertThat(acked.path("acknowledgedBy").asText()).isEqualTo("admin");

        waitForView("alerts");
        click(row + " button.silence");
        waitFor(10, d -> !d.findElements(By.id("silence-form")).isEmpty());
        String prefilled = driver.findElement(By.id("silence-matchers")).getAttribute("value");
        assertThat(prefilled).contains("alertname=\"UiTestAlert\"").contains("severity=\"warning\"")
                .contains("visitor=\"" + XSS + "\"");
        WebElement duration = driver.findElement(By.id("silence-duration"));
        duration.clear();
        duration.sendKeys("1h");
        driver.findElement(By.id("silence-comment")).sendKeys("silenced from the browser test");
        driver.findElement(By.id("silence-submit")).click();
        waitFor(30, d -> d.findElements(By.id("silence-form")).isEmpty()
                && d.findElement(By.id("silences-table")).getText().contains("alertname=\"UiTestAlert\""));
        JsonNode silence = null;
        for (JsonNode s : JSON.readTree(collector.get("/api/v1/silences")).get("data")) {
            for (JsonNode m : s.get("matchers")) {
                if ("alertname".equals(m.get("name").asText()) && "UiTestAlert".equals(m.get("value").asText())) {
                    silence = s;
                }
            }
        }
        assertThat(silence).as("a silence with alertname=\"UiTestAlert\"").isNotNull();
        assertThat(silence.get("comment").asText()).isEqualTo("silenced from the browser test");
        assertThat(silence.get("createdBy").asText()).isEqualTo("admin");
        assertThat(silence.get("matchers").toString()).contains("visitor");
        assertThat(silence.at("/status/state").asText()).isEqualTo("active");
        // the history of the range holds the episode with its transitions, the acknowledgement among them
        waitFor(30, d -> {
            d.navigate().refresh();
            waitForView("alerts");
            String h = d.findElement(By.id("history-table")).getText();
            return h.contains("UiTestAlert") && h.contains("firing") && h.contains("by admin");
        });
        assertNoMarkup();
        screenshot("alerts-1280");

        // an admin expires the silence
        String silenceId = silence.get("id").asText();
        click("#silences-table button.expire[data-id='" + silenceId + "']");
        waitFor(30, d -> d.findElements(By.cssSelector("#silences-table button.expire[data-id='" + silenceId + "']")).isEmpty());
        eventually(30, () -> JSON.readTree(collector.get("/api/v1/silences/" + silenceId)).at("/data/status/state").asText()
                .equals("expired") ? "ok" : null);
    }

    @Test
    @Order(14)
    void aViewerSeesAlertsWithoutAcknowledgeOrSilenceButtons() throws Exception {
        relogin("vera", VIEWER_PASSWORD);
        driver.get(collector.uri("/#/alerts?range=1h").toString());
        waitForView("alerts");
        waitFor(30, d -> d.findElement(By.id("alerts-table")).getText().contains("UiTestAlert"));
        assertThat(text("#silences-table")).contains("UiTestAlert");
        assertThat(driver.findElements(By.cssSelector("button.ack, button.silence, button.expire, #silence-form"))).isEmpty();
        assertNoMarkup();
        screenshot("alerts-viewer-1280");
        driver.get(collector.uri("/#/security?range=1h").toString());
        waitForView("security");
        assertThat(rows("#visitors-table")).isPositive();
    }

    @Test
    @Order(15)
    void theStorageViewShowsSizesAndCardinalityAndAnAdminChangesRetention() throws Exception {
        relogin("admin", CollectorProcess.ADMIN_PASSWORD);
        driver.get(collector.uri("/#/storage?range=15m").toString());
        waitForView("storage");
        assertThat(text("#storage-sizes")).contains("Metric points").contains("Spans");
        assertThat(text("#storage-cardinality")).contains("jvm_");
        assertThat(text("#storage-compression")).contains("not applicable");
        assertThat(text("#storage-ranges")).contains("Metric points");
        WebElement spans = driver.findElement(By.cssSelector("#retention-form input[name='spans']"));
        spans.clear();
        spans.sendKeys("5d");
        click("#retention-save");
        waitFor(20, d -> text("#retention-msg").contains("saved"));
        assertThat(text("#retention-table")).contains("database");
        assertThat(collector.get("/api/v1/status/storage")).contains("\"kind\":\"spans\",\"keep\":\"5d\"");
        assertThat(collector.get("/api/v1/audit")).contains("\"action\":\"storage.retention\"");
        screenshot("storage-1280");
        click("button.retention-reset[data-kind='spans']");
        eventually(20, () -> collector.get("/api/v1/status/storage").contains("\"kind\":\"spans\",\"keep\":\"7d\"")
                ? "back to the setting" : null);
        assertNoMarkup();
    }

    /** The rendered text of what the selector finds, read in one step (a live update cannot get in between). */
    static String text(String css) {
        return browser.text(css);
    }

    /** Clicks what the selector finds, again if a live update replaced it in between. */
    static void click(String css) {
        browser.click(css);
    }

    static void relogin(String user, String password) {
        browser.relogin(user, password, "/overview?range=15m");
    }

    static void phoneScreenshot(ChromeDriver chrome, String name) throws Exception {
        long height = ((Number) js("return document.documentElement.scrollHeight")).longValue();
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", (int) Math.min(6000, height), "deviceScaleFactor", 1, "mobile", true));
        Files.write(shots.resolve(name + ".png"), chrome.getScreenshotAs(OutputType.BYTES));
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
    }

    // ---- helpers ----

    /** Each overview card's own query_range (query, start, end, step as the page sent it), 20 times: p50 and p95 in ms. */
    static List<String> panelQueryTimes() throws Exception {
        List<?> cards = (List<?>) js("return [...document.querySelectorAll('.card[data-query]')]"
                + ".map(c => [c.id, c.dataset.query, c.dataset.start, c.dataset.end, c.dataset.step])");
        String auth = Base64.getEncoder().encodeToString(("admin:" + CollectorProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<String> out = new ArrayList<>();
        for (Object o : cards) {
            List<?> c = (List<?>) o;
            String form = "query=" + java.net.URLEncoder.encode((String) c.get(1), StandardCharsets.UTF_8)
                    + "&start=" + c.get(2) + "&end=" + c.get(3) + "&step=" + c.get(4);
            long[] ms = new long[20];
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(collector.uri("/api/v1/query_range"))
                        .header("Authorization", "Basic " + auth).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            java.util.Arrays.sort(ms);
            out.add(c.get(0) + " p50=" + ms[9] + " p95=" + ms[18] + " (step " + c.get(4) + "s)");
        }
        assertThat(out).hasSize(5);
        return out;
    }

    static void assertNoMarkup() {
        browser.assertNoMarkup();
    }

    static void login(String user, String password) {
        browser.login(user, password);
    }

    static void waitForView(String view) {
        browser.waitForView(view);
    }

    static long points(String css) {
        Object n = js("const e = document.querySelector(arguments[0]); return e ? Number(e.dataset.points || 0) : 0", css);
        return ((Number) n).longValue();
    }

    static long rows(String css) {
        return ((Number) js("const t = document.querySelector(arguments[0]); return t ? t.tBodies[0].rows.length : 0", css)).longValue();
    }

    /** The column headers of a chart's data table (the series' names; the table may be folded away, so its textContent). */
    static String headerRow(String chartTitle) {
        return (String) js("const r = document.querySelector(arguments[0]); return r ? r.textContent : ''",
                "figure.chart[data-title='" + chartTitle + "'] table.data-table tr");
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

    /** A field of the first agent of a service in /api/v1/agents. */
    static String agentField(String service, String field) throws Exception {
        for (JsonNode a : JSON.readTree(collector.get("/api/v1/agents")).get("data")) {
            if (service.equals(a.get("serviceName").asText())) {
                return a.get(field).asText();
            }
        }
        throw new AssertionError("no agent of " + service);
    }

    /** Sum of the gzip'd sizes of every static file of the UI (what a browser transfers with compression). */
    static long gzippedUiBytes() throws Exception {
        return Browser.gzippedUiBytes();
    }

    static HttpResponse<String> basic(String method, String path, String json) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + CollectorProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(collector.uri(path)).header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String eventually(int seconds, java.util.concurrent.Callable<String> check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                String r = check.call();
                if (r != null) {
                    return r;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + seconds + " s", last);
    }
}
