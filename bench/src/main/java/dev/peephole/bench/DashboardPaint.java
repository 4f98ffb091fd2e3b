package dev.peephole.bench;

import java.io.File;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Overview's first paint over a day of data, in headless Chromium: logs in once through the
 * login form, then loads {@code /#/overview?range=24h} afresh (from about:blank) N times and
 * reads, per load, the time from navigation start to the Overview with all its panels' charts
 * attached to the page: the {@code data-rendered-at} the app sets on {@code #view} when a view's
 * render is done ({@code performance.now()}, ms since navigation start; the Overview's render
 * awaits all five panels' queries and builds their charts first). A load counts only when all
 * five cards carry their chart (a {@code data-points} attribute), none an error.
 *
 * <pre>DashboardPaint --http URL --password PW [--loads 10] [--range 24h]</pre>
 */
public final class DashboardPaint {

    private DashboardPaint() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("http", null);
        defaults.put("password", null);
        defaults.put("loads", "10");
        defaults.put("range", "24h");
        Args args;
        int loads;
        try {
            args = new Args(argv, defaults);
            loads = args.positiveInt("loads");
        } catch (Args.BadArgs e) {
            System.err.println(e.getMessage() + "\nusage: DashboardPaint --http URL --password PW [--loads 10] [--range 24h]");
            System.exit(2);
            return;
        }
        String http = args.str("http");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--disable-gpu", "--lang=en-US");
        WebDriver driver = new ChromeDriver(service, options);
        try {
            JavascriptExecutor js = (JavascriptExecutor) driver;
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(120), Duration.ofMillis(20));
            driver.get(http + "/");
            wait.until(d -> d.findElement(By.id("login")).isDisplayed());
            driver.findElement(By.id("login-user")).sendKeys("admin");
            driver.findElement(By.id("login-password")).sendKeys(args.str("password"));
            driver.findElement(By.id("login-submit")).click();
            wait.until(d -> js.executeScript("return document.getElementById('view').dataset.rendered || null") != null);
            String url = http + "/#/overview?range=" + args.str("range");
            double[] ms = new double[loads];
            for (int i = -2; i < loads; i++) { // two warm-up loads
                driver.get("about:blank");
                driver.get(url);
                Object at = wait.until(d -> js.executeScript(
                        "const v = document.getElementById('view');"
                                + "return v && v.dataset.view === 'overview' && v.dataset.renderedAt ? v.dataset.renderedAt : null;"));
                Object charts = js.executeScript("return document.querySelectorAll('#view-overview .card[data-points]').length"
                        + " + ':' + document.querySelectorAll('#view-overview .card .error').length");
                if (!"5:0".equals(String.valueOf(charts))) {
                    throw new IllegalStateException("the Overview drew " + charts + " (charts:errors), not 5 charts");
                }
                if (i >= 0) {
                    ms[i] = Double.parseDouble(String.valueOf(at));
                }
                if (Double.parseDouble(String.valueOf(at)) > 10_000) {
                    // where a slow load waited: its slowest requests (start and end, ms since navigation start)
                    System.out.println("slow load " + (i + 3) + ": " + js.executeScript(
                            "return performance.getEntriesByType('resource').sort((a, b) => b.duration - a.duration).slice(0, 4)"
                                    + ".map((e) => `${e.name.replace(location.origin, '')} start ${e.startTime.toFixed(0)}`"
                                    + " + ` connect ${e.connectStart.toFixed(0)}-${e.connectEnd.toFixed(0)}`"
                                    + " + ` request ${e.requestStart.toFixed(0)} end ${e.responseEnd.toFixed(0)}`).join('; ')"));
                }
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            System.out.printf("Overview (range %s) first paint, navigation start to all 5 charts attached, %d loads (after 2 warm-up): %s%n",
                    args.str("range"), loads, Arrays.toString(ms));
            System.out.printf("RESULT overview_first_paint median_ms=%.0f p95_ms=%.0f max_ms=%.0f%n",
                    median(sorted), DashboardBench.p95(sorted), sorted[sorted.length - 1]);
        } finally {
            driver.quit();
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
