package dev.peephole.bench.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Start-up time of {@code java [variant args] -jar doorbell-demo.jar --http-port P}: from
 * starting the process to (1) the demo's first log line, {@code starting doorbell camera},
 * which its {@code main} writes before any work of its own (agents print their own lines
 * before it; those are not counted), and (2) its {@code GET /api/health} answering 200
 * (face model trained, cast enrolled, pipeline and HTTP API started). Variants run in turn,
 * {@code --runs} rounds; medians per variant and what each adds to the first.
 */
public final class StartupTimer {
    static final String USAGE = """
            usage: StartupTimer --jar doorbell-demo.jar --variant NAME=JVM ARGS [--variant ...] [--runs 5]
                   [--timeout-seconds 120]""";
    static final String MAIN_LINE = "starting doorbell camera";

    private StartupTimer() {
    }

    record Timing(double mainMs, double healthMs) {
    }

    public static void main(String[] argv) throws Exception {
        Variants args;
        int runs;
        int timeout;
        try {
            args = new Variants(argv, Map.of("jar", "doorbell-demo/target/doorbell-demo.jar", "runs", "5",
                    "timeout-seconds", "120"));
            runs = args.positiveInt("runs");
            timeout = args.positiveInt("timeout-seconds");
        } catch (Variants.BadArgs e) {
            System.err.println("StartupTimer: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Map<String, List<Timing>> timings = new LinkedHashMap<>();
        for (Variants.Variant v : args.variants) {
            timings.put(v.name(), new ArrayList<>());
        }
        for (int round = 1; round <= runs; round++) {
            for (Variants.Variant v : args.variants) {
                Timing t = once(java, v.jvmArgs(), args.options.get("jar"), http, timeout);
                timings.get(v.name()).add(t);
                System.err.printf("StartupTimer: round %d %s: main %.0f ms, /api/health %.0f ms%n", round, v.name(),
                        t.mainMs(), t.healthMs());
            }
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format("| variant | to main's first log line (median ms) | added | to /api/health 200 (median ms) | added |%n"));
        table.append(String.format("| --- | ---: | ---: | ---: | ---: |%n"));
        StringBuilder line = new StringBuilder("RESULT");
        double baseMain = 0;
        double baseHealth = 0;
        boolean first = true;
        for (Map.Entry<String, List<Timing>> e : timings.entrySet()) {
            double main = Variants.quantile(e.getValue().stream().mapToDouble(Timing::mainMs).toArray(), 0.5);
            double health = Variants.quantile(e.getValue().stream().mapToDouble(Timing::healthMs).toArray(), 0.5);
            if (first) {
                baseMain = main;
                baseHealth = health;
            }
            table.append(String.format("| %s | %.0f | %s | %.0f | %s |%n", e.getKey(), main,
                    first ? "(baseline)" : String.format("%+.0f", main - baseMain), health,
                    first ? "(baseline)" : String.format("%+.0f", health - baseHealth)));
            line.append(String.format(" %s_main_ms=%.0f %s_health_ms=%.0f", e.getKey(), main, e.getKey(), health));
            first = false;
        }
        System.out.print(table);
        System.out.println(line);
    }

    private static Timing once(String java, List<String> jvmArgs, String jar, HttpClient http, int timeoutSeconds)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar, "--http-port", String.valueOf(port), "--bind", "127.0.0.1"));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Long> mainSeen = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (!mainSeen.isDone() && l.contains(MAIN_LINE)) {
                        mainSeen.complete(System.nanoTime());
                    }
                    synchronized (output) {
                        if (output.length() < 20_000) {
                            output.append(l).append('\n');
                        }
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
        }, "demo-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                .timeout(Duration.ofSeconds(2)).build();
        long healthAt = -1;
        try {
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        healthAt = System.nanoTime();
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(20);
            }
            if (healthAt < 0 || !mainSeen.isDone()) {
                synchronized (output) {
                    throw new IllegalStateException("the demo did not start (" + command + "):\n" + output);
                }
            }
            return new Timing((mainSeen.get() - t0) / 1e6, (healthAt - t0) / 1e6);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }
}
