package dev.peephole.bench;

import dev.peephole.collector.storage.PgBinaryCopy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The query target: {@code query_range} over 24 h of 10 s data for 100 series. Seeds the
 * collector's database with that data (COPY, like ingest), waits until the collector's
 * rollups cover it, then times HTTP query_range requests against the running collector
 * and reports p50/p95/max per query and step.
 */
public final class QueryBench {

    private static final Map<String, String> DEFAULTS = new java.util.LinkedHashMap<>();

    static {
        DEFAULTS.put("jdbc", null);
        DEFAULTS.put("http", null);
        DEFAULTS.put("password", null);
        DEFAULTS.put("series", "100");
        DEFAULTS.put("hours", "24");
        DEFAULTS.put("interval-seconds", "10");
        DEFAULTS.put("requests", "40");
        DEFAULTS.put("warmup", "50");
        DEFAULTS.put("collector-pid", "0");
        DEFAULTS.put("postgres-pid", "0");
        // which of the six queries to time, 1-based, comma-separated ("all": every one); a profile
        // taken during one query's requests then holds that query alone
        DEFAULTS.put("cases", "all");
        // also time each request with curl (interleaved with the Java client's, same conditions):
        // "auto" when curl is on the PATH, "none" to skip, or curl's path. The JDK's HttpClient
        // spends about a third of a 4.8 MB answer's time receiving it on this machine; curl's
        // time_total is closer to what a Go client such as Grafana's sees.
        DEFAULTS.put("curl", "auto");
    }

    private QueryBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = new Args(argv, DEFAULTS);
        } catch (Args.BadArgs e) {
            System.err.println((e.getMessage().isEmpty() ? "" : e.getMessage() + "\n")
                    + "usage: QueryBench --jdbc URL --http http://127.0.0.1:PORT --password ADMIN_PASSWORD "
                    + "[--series 100] [--hours 24] [--interval-seconds 10] [--requests 40] [--warmup 50] [--cases 1,4] [--curl auto|none|PATH]");
            System.exit(2);
            return;
        }
        int series;
        int hours;
        int interval;
        int requests;
        try {
            series = args.positiveInt("series");
            hours = args.positiveInt("hours");
            interval = args.positiveInt("interval-seconds");
            requests = args.positiveInt("requests");
        } catch (Args.BadArgs e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        long end = System.currentTimeMillis() / 1000 * 1000;
        long start = end - hours * 3_600_000L;

        try (Connection c = DriverManager.getConnection(args.str("jdbc"), "postgres", null)) {
            seed(c, series, start, end, interval * 1000L);
            waitForRollups(c, series, hours);
        }
        String auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + args.str("password"))
                .getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        String[][] cases = {
                {"bench_query_gauge", "60"},
                {"rate(bench_query_counter_total[5m])", "60"},
                {"sum by (zone) (rate(bench_query_counter_total[5m]))", "60"},
                {"bench_query_gauge", "300"},
                {"avg_over_time(bench_query_gauge[5m])", "60"},
                {"bench_query_gauge", "15"},
        };
        java.util.Set<Integer> chosen = new java.util.HashSet<>();
        if (!args.str("cases").equals("all")) {
            for (String n : args.str("cases").split(",")) {
                int k;
                try {
                    k = Integer.parseInt(n.trim());
                } catch (NumberFormatException e) {
                    k = 0;
                }
                if (k < 1 || k > cases.length) {
                    System.err.println("--cases: " + n + " is not a query number from 1 to " + cases.length);
                    System.exit(2);
                }
                chosen.add(k);
            }
        }
        int warmup = Math.max(1, args.positiveInt("warmup"));
        System.out.printf("query_range over %d h of %d s data for %d series, %d requests each (after %d warm-up; "
                + "timed until the answer's last byte arrived)%n", hours, interval, series, requests, warmup);
        long pid = Long.parseLong(args.str("collector-pid"));
        long pgPid = Long.parseLong(args.str("postgres-pid"));
        String curl = curlPath(args.str("curl"));
        System.out.printf("%-55s %6s %9s %9s %9s %9s %9s %s%s%s%n", "query", "step", "first ms", "p50 ms", "p95 ms", "max ms",
                "points", "source", pid > 0 ? "  (cpu ms/request: collector + its PostgreSQL)" : "",
                curl != null ? "  curl p50 / p95 / max ms" : "");
        for (int ci = 0; ci < cases.length; ci++) {
            String[] cs = cases[ci];
            if (!chosen.isEmpty() && !chosen.contains(ci + 1)) {
                continue;
            }
            String url = args.str("http") + "/api/v1/query_range?query=" + URLEncoder.encode(cs[0], StandardCharsets.UTF_8)
                    + "&start=" + start / 1000 + "&end=" + end / 1000 + "&step=" + cs[1];
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build();
            int points = 0;
            double firstMs = 0;
            for (int i = 0; i < warmup; i++) {
                long w0 = System.nanoTime();
                if (i == 0) {
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    // the first time this range is asked for: nothing of it in the collector's rollup block cache
                    firstMs = (System.nanoTime() - w0) / 1e6;
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(cs[0] + " -> " + r.statusCode() + " " + r.body());
                    }
                    points = countPoints(r.body());
                } else {
                    // the rest as the timed requests are made (body read and dropped), so that the client's
                    // own code for that is compiled before the timing starts: with the warm-ups decoding
                    // strings, the first 20 timed requests took 55-75 ms where the rest took 30
                    HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(cs[0] + " -> " + r.statusCode());
                    }
                }
            }
            double[] ms = new double[requests];
            double[] curlMs = new double[curl != null ? requests : 0];
            long cpuBefore = pid > 0 ? treeCpuTicks(pid) + treeCpuTicks(pgPid) : 0;
            for (int i = 0; i < requests; i++) {
                long t0 = System.nanoTime();
                // the body read to its end and dropped: the client's own decoding stays out of the figure
                HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                ms[i] = (System.nanoTime() - t0) / 1e6;
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(cs[0] + " -> " + r.statusCode());
                }
                if (curl != null) {
                    curlMs[i] = curlTotalMs(curl, url, "admin:" + args.str("password"));
                }
            }
            double cpuMs = pid > 0 ? (treeCpuTicks(pid) + treeCpuTicks(pgPid) - cpuBefore) * 10.0 / requests
                    / (curl != null ? 2 : 1) : 0;
            Arrays.sort(ms);
            Arrays.sort(curlMs);
            String curlCols = curl == null ? "" : String.format("  curl %.1f / %.1f / %.1f", curlMs[curlMs.length / 2],
                    p95(curlMs), curlMs[curlMs.length - 1]);
            String curlResult = curl == null ? "" : String.format(" curl_p50_ms=%.1f curl_p95_ms=%.1f",
                    curlMs[curlMs.length / 2], p95(curlMs));
            String source = Integer.parseInt(cs[1]) >= 60 && !cs[0].startsWith("avg_over_time")
                    ? "1m rollups" : "raw points";
            System.out.printf("%-55s %6s %9.1f %9.1f %9.1f %9.1f %9d %s%s%s%n", cs[0], cs[1] + "s", firstMs, ms[ms.length / 2],
                    p95(ms), ms[ms.length - 1], points, source,
                    pid > 0 ? String.format("  cpu %.1f", cpuMs) : "", curlCols);
            System.out.printf("RESULT query=%s step=%s first_ms=%.1f p50_ms=%.1f p95_ms=%.1f points=%d%s%n",
                    cs[0].replace(' ', '_'), cs[1], firstMs, ms[ms.length / 2], p95(ms), points,
                    curlResult);
        }
    }

    /** The 95th percentile of sorted values (the value 95 % of them are at or under). */
    static double p95(double[] sorted) {
        return sorted[(int) Math.ceil(sorted.length * 0.95) - 1];
    }

    /** A string in curl's config-file quoting. */
    static String curlQuoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The curl to time requests with: null for "none", or "auto" without curl on the PATH. */
    static String curlPath(String setting) {
        if (setting.equals("none")) {
            return null;
        }
        if (!setting.equals("auto")) {
            return setting;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            java.nio.file.Path p = java.nio.file.Path.of(dir, "curl");
            if (java.nio.file.Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /**
     * One request timed by curl itself (its time_total: from the start of the connection until the
     * last byte, the process start-up left out), body dropped. The credentials go in on standard
     * input (curl's config), not on the command line where other users' ps would show them.
     */
    static double curlTotalMs(String curl, String url, String userColonPassword) throws Exception {
        Process p = new ProcessBuilder(curl, "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-K", "-")
                .redirectErrorStream(true).start();
        try (java.io.Writer w = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            w.write("url = " + curlQuoted(url) + "\n");
            w.write("user = " + curlQuoted(userColonPassword) + "\n");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || !out.startsWith("200 ")) {
            throw new IllegalStateException("curl " + url + " -> " + out);
        }
        return Double.parseDouble(out.substring(4)) * 1000;
    }

    /**
     * CPU time (user + system, in clock ticks of 10 ms) of a process and all its descendants (the
     * collector; its embedded PostgreSQL's postmaster, whose children are the backends): what a
     * request costs, whatever else the shared machine runs at the time.
     */
    static long treeCpuTicks(long root) throws java.io.IOException {
        if (root <= 0) {
            return 0;
        }
        Map<Long, List<Long>> children = new java.util.HashMap<>();
        Map<Long, Long> ticks = new java.util.HashMap<>();
        try (java.nio.file.DirectoryStream<java.nio.file.Path> procs = java.nio.file.Files.newDirectoryStream(
                java.nio.file.Path.of("/proc"), "[0-9]*")) {
            for (java.nio.file.Path p : procs) {
                String stat;
                try {
                    stat = java.nio.file.Files.readString(p.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long pid = Long.parseLong(p.getFileName().toString());
                children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(pid);
                ticks.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        }
        long sum = 0;
        java.util.ArrayDeque<Long> unvisited = new java.util.ArrayDeque<>(List.of(root));
        while (!unvisited.isEmpty()) {
            long pid = unvisited.pop();
            sum += ticks.getOrDefault(pid, 0L);
            unvisited.addAll(children.getOrDefault(pid, List.of()));
        }
        return sum;
    }

    /** Returned [t, "v"] pairs: one per series plus one per "],[" between pairs. */
    private static int countPoints(String body) {
        return occurrences(body, "\"values\":[[") + occurrences(body, "],[");
    }

    private static int occurrences(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    /** 100 gauges and 100 counters, one point every interval over the range, COPYed in. */
    private static void seed(Connection c, int series, long start, long end, long intervalMs) throws Exception {
        long t0 = System.nanoTime();
        List<Long> gauges = new ArrayList<>();
        List<Long> counters = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_series (metric_name, labels) VALUES (?, ?::jsonb) "
                        + "ON CONFLICT (metric_name, labels) DO UPDATE SET metric_name = excluded.metric_name RETURNING id")) {
            for (int i = 0; i < series; i++) {
                String labels = "{\"instance\":\"bench-" + i + "\",\"zone\":\"z" + (i % 5)
                        + "\",\"service_name\":\"bench\",\"host_name\":\"bench-host\"}";
                for (String name : new String[] {"bench_query_gauge", "bench_query_counter_total"}) {
                    ps.setString(1, name);
                    ps.setString(2, labels);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        (name.endsWith("_total") ? counters : gauges).add(rs.getLong(1));
                    }
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE metric_name LIKE 'bench_query_%')");
        }
        c.setAutoCommit(false);
        long rows = 0;
        for (int i = 0; i < series; i++) {
            PgBinaryCopy copy = new PgBinaryCopy(1 << 20);
            double counter = 0;
            for (long t = start; t <= end; t += intervalMs) {
                copy.startRow(3).int8(gauges.get(i)).timestampFromUnixMillis(t).float8(20 + 5 * Math.sin(t / 3.6e6 + i));
                counter += 1 + (i % 7);
                copy.startRow(3).int8(counters.get(i)).timestampFromUnixMillis(t).float8(counter);
            }
            rows += copy.copyInto(c, "metric_points (series_id, t, v)");
            c.commit();
        }
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE metric_points");
        }
        System.out.printf("seeded %,d points in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Waits until the collector's rollup job has aggregated the seeded day. Its watermarks are
     * reset so its next run starts a day back; a run that was already under way when they
     * were reset may put them forward again, so the check is on the rollup rows themselves.
     */
    private static void waitForRollups(Connection c, int series, int hours) throws Exception {
        long expected = (long) series * 2 * hours * 60 * 99 / 100;
        long deadline = System.currentTimeMillis() + 300_000;
        long lastReset = 0;
        while (System.currentTimeMillis() < deadline) {
            if (System.currentTimeMillis() - lastReset > 30_000) {
                try (Statement s = c.createStatement()) {
                    s.execute("DELETE FROM collector_state WHERE key IN ('rollup_1m_complete_through', 'rollup_1h_complete_through')");
                }
                lastReset = System.currentTimeMillis();
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM metric_rollup_1m r JOIN metric_series s ON s.id = r.series_id "
                         + "WHERE s.metric_name LIKE 'bench_query_%'")) {
                rs.next();
                if (rs.getLong(1) >= expected) {
                    System.out.printf("rollups hold %,d minute rows of the seeded data%n", rs.getLong(1));
                    return;
                }
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the collector's rollups did not cover the seeded day within 5 minutes");
    }
}
