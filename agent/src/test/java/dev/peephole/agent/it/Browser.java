package dev.peephole.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The machine's headless Chromium (through /usr/bin/chromedriver) on a real collector's dashboard, with the
 * helpers the browser ITs share: log in, click, wait for a view, read text, screenshots, downloads, the UI's size.
 */
final class Browser implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final ChromeDriver driver;
    final CollectorProcess collector;
    final Path downloads;
    final Path shots;

    /** A 1280x900 window whose downloads go to {@code dir/downloads}; screenshots to agent/target/screenshots. */
    Browser(CollectorProcess collector, Path dir) throws Exception {
        this.collector = collector;
        this.shots = Path.of(System.getProperty("peephole.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        this.downloads = Files.createDirectories(dir.resolve("downloads"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--disable-gpu", "--lang=en-US");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        // the page's console, which a test may save with its screenshots
        org.openqa.selenium.logging.LoggingPreferences logs = new org.openqa.selenium.logging.LoggingPreferences();
        logs.enable(org.openqa.selenium.logging.LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
    }

    @Override
    public void close() {
        driver.quit();
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    void waitFor(int seconds, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(250))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition::apply);
    }

    /** The element's innerText, or "" when there is none. */
    String text(String css) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css);
    }

    /** Clicks the element once it is there (scrolled into view), retrying while the view re-renders. */
    void click(String css) {
        waitFor(30, d -> {
            try {
                WebElement e = d.findElement(By.cssSelector(css));
                js("arguments[0].scrollIntoView({block: 'center'})", e);
                e.click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                return false;
            }
        });
    }

    void login(String user, String password) {
        WebElement u = driver.findElement(By.id("login-user"));
        u.clear();
        u.sendKeys(user);
        WebElement p = driver.findElement(By.id("login-password"));
        p.clear();
        p.sendKeys(password);
        driver.findElement(By.id("login-submit")).click();
    }

    /** Opens {@code /#hash}, logs out whoever is logged in and logs in as {@code user}. */
    void relogin(String user, String password, String hash) {
        driver.get(collector.uri("/#" + hash).toString());
        waitFor(20, d -> d.findElement(By.id("login")).isDisplayed() || d.findElement(By.id("top")).isDisplayed());
        if (driver.findElement(By.id("top")).isDisplayed()) {
            driver.findElement(By.id("logout")).click();
            waitFor(20, d -> d.findElement(By.id("login")).isDisplayed());
        }
        login(user, password);
        waitFor(20, d -> d.findElement(By.id("who")).getText().contains(user + " ("));
    }

    /** No element from markup in the data: no img, no onerror attribute, no alert dialog. */
    void assertNoMarkup() {
        assertThat(driver.findElements(By.tagName("img"))).isEmpty();
        assertThat(js("return document.querySelectorAll('[onerror]').length")).isEqualTo(0L);
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    /** Waits until the view is rendered (not busy), else fails with what the page says. */
    void waitForView(String view) {
        try {
            waitFor(60, d -> view.equals(js("return document.getElementById('view').dataset.view"))
                    && Boolean.FALSE.equals(js("return document.getElementById('view').hasAttribute('aria-busy')"))
                    && d.findElements(By.id("view-" + view)).size() == 1);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("view " + view + " not shown; the page says: "
                    + js("return document.getElementById('view').textContent.slice(0, 500)"), e);
        }
    }

    /** A download of that name, once complete. */
    Path downloaded(String name) {
        Path f = downloads.resolve(name);
        waitFor(30, d -> Files.isRegularFile(f) && !Files.exists(downloads.resolve(name + ".crdownload")));
        return f;
    }

    /** The whole page (the window made as tall as the page, up to 6000 px) as {@code name.png}. */
    void screenshot(String name) throws Exception {
        Dimension before = driver.manage().window().getSize();
        long height = ((Number) js("return Math.max(document.documentElement.scrollHeight, window.innerHeight)")).longValue();
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(6000, height + 120)));
        try {
            Files.write(shots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** Sum of the gzip'd sizes of every static file of the UI (what a browser transfers with compression). */
    static long gzippedUiBytes() throws Exception {
        Path root = Path.of(System.getProperty("peephole.dashboard.dir", "../dashboard-ui/target/classes/META-INF/peephole-dashboard"));
        long sum = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("LICENSE"))
                    .collect(Collectors.toList())) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(Files.readAllBytes(f));
                }
                sum += out.size();
            }
        }
        return sum;
    }

    /** A request with the admin's Basic credentials and a JSON body (may be empty). */
    HttpResponse<String> basic(String method, String path, String json) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + CollectorProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(collector.uri(path)).header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
