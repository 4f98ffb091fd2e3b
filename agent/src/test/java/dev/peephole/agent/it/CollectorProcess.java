package dev.peephole.agent.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** The real collector ({@code collector/target/peephole-collector.jar}) as a child process on its embedded database. */
public final class CollectorProcess implements AutoCloseable {
    public static final String TOKEN = "it-agent-token";
    public static final String ADMIN_PASSWORD = "it-admin-password";

    public final int httpPort;
    public final int grpcPort;
    /** OTLP ingest (gRPC and HTTP), for OpenTelemetry SDKs and agents. */
    public final int otlpGrpcPort;
    public final int otlpHttpPort;
    public final Path dataDir;
    public final Path log;
    private final java.util.Map<String, String> extraEnv;
    private Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public CollectorProcess(Path dir) throws Exception {
        this(dir, freePort(), freePort());
    }

    /** With further environment settings (e.g. a short PEEPHOLE_EVALUATION_INTERVAL). */
    public CollectorProcess(Path dir, java.util.Map<String, String> env) throws Exception {
        this(dir, freePort(), freePort(), env);
    }

    public CollectorProcess(Path dir, int httpPort, int grpcPort) throws Exception {
        this(dir, httpPort, grpcPort, java.util.Map.of());
    }

    public CollectorProcess(Path dir, int httpPort, int grpcPort, java.util.Map<String, String> env) throws Exception {
        this.extraEnv = java.util.Map.copyOf(env);
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.otlpGrpcPort = freePort();
        this.otlpHttpPort = freePort();
        this.dataDir = dir.resolve("collector-data");
        this.log = dir.resolve("collector.log");
        start();
    }

    public void start() throws Exception {
        Path jar = Path.of(System.getProperty("peephole.collector.jar", "../collector/target/peephole-collector.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the collector first (mvn -B verify at the root)");
        }
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx512m", "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(grpcPort));
        pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(otlpGrpcPort));
        pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(otlpHttpPort));
        pb.environment().put("PEEPHOLE_DATA_DIR", dataDir.toString());
        pb.environment().put("PEEPHOLE_AGENT_TOKEN", TOKEN);
        pb.environment().put("PEEPHOLE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        pb.environment().putAll(extraEnv);
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("collector exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("collector not ready within 120 s: " + Files.readString(log));
    }

    /** SIGTERM and wait. */
    public void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGKILL: the collector dies without a goodbye. */
    public void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + httpPort + pathAndQuery);
    }

    /** GET with the admin's Basic credentials; the body, or an exception for a non-200 answer. */
    public String get(String pathAndQuery) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(pathAndQuery))
                .header("Authorization", "Basic " + auth).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    public String query(String promql) throws Exception {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A port nothing listens on now and that this JVM has not handed out before, taken below the
     * kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}). A port from
     * {@code new ServerSocket(0)} lies in that range, where every outgoing connection also gets its
     * port: released before the collector binds it, it can be taken in between ("Address already in
     * use", seen in CI), and the kernel may give the same one to two calls in a row (a collector given
     * one port for HTTP and gRPC, also seen). Below the range only an explicit bind takes a port.
     * The collector module's tests pick theirs the same way ({@code support.FreePorts}); the two
     * modules share no test code.
     */
    public static int freePort() throws IOException {
        synchronized (HANDED_OUT) {
            int ephemeralLow = ephemeralLow();
            if (ephemeralLow - 10_000 < 1_000) { // an unusual range: take the kernel's pick
                while (true) {
                    try (ServerSocket s = new ServerSocket(0)) {
                        if (HANDED_OUT.add(s.getLocalPort())) {
                            return s.getLocalPort();
                        }
                    }
                }
            }
            for (int tries = 0; tries < 1_000; tries++) {
                int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000, ephemeralLow);
                if (!HANDED_OUT.contains(port) && bindable(port)) {
                    HANDED_OUT.add(port);
                    return port;
                }
            }
            throw new IOException("no free port between 10000 and " + ephemeralLow);
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of Linux's ephemeral range; 32768 (its default) when it cannot be read. */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }

    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();
}
