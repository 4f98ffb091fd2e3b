package dev.peephole.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.storage.PgBinaryCopy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alerting target: 1,000 rules over 10,000 series evaluated in under 1 s per round.
 * {@code write-rules DIR} writes the rule file the collector is started with (10 groups of
 * 100 rules, every 10 s: half aggregate one job's 100 series, half look at one instance's
 * series, a tenth of them firing); {@code measure} seeds 10,000 counter series with 15 minutes
 * of 15 s data (COPY, as ingest writes), lets the collector evaluate, and reads each group's
 * evaluation time from {@code /api/v1/rules}: a round's cost is the sum over the groups.
 */
public final class RuleBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("jdbc", "");
        DEFAULTS.put("http", "");
        DEFAULTS.put("password", "");
        DEFAULTS.put("rules", "1000");
        DEFAULTS.put("series", "10000");
        DEFAULTS.put("groups", "10");
        DEFAULTS.put("rounds", "10");
    }

    private RuleBench() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1 || !(argv[0].equals("write-rules") || argv[0].equals("measure"))) {
            System.err.println("usage: RuleBench write-rules DIR [--rules 1000] [--series 10000] [--groups 10]\n"
                    + "       RuleBench measure --jdbc URL --http URL --password P [--series 10000] [--rounds 10]");
            System.exit(2);
        }
        if (argv[0].equals("write-rules")) {
            Args args = new Args(java.util.Arrays.copyOfRange(argv, 2, argv.length), DEFAULTS);
            writeRules(Path.of(argv[1]), args.positiveInt("rules"), args.positiveInt("series"), args.positiveInt("groups"));
            return;
        }
        Args args = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length), DEFAULTS);
        int series = args.positiveInt("series");
        long end = System.currentTimeMillis() / 1000 * 1000;
        try (Connection c = DriverManager.getConnection(args.str("jdbc"), "postgres", null)) {
            seed(c, series, end - 15 * 60_000L, end + 10 * 60_000L, 15_000);
        }
        measure(args.str("http"), args.str("password"), args.positiveInt("rounds"));
    }

    static void writeRules(Path dir, int rules, int series, int groups) throws Exception {
        StringBuilder y = new StringBuilder("groups:\n");
        int perGroup = rules / groups;
        int k = 0;
        for (int g = 0; g < groups; g++) {
            y.append("  - name: bench-").append(g).append("\n    interval: 10s\n    rules:\n");
            for (int i = 0; i < perGroup; i++, k++) {
                // A tenth of the rules fire: their threshold is below the series' rate.
                String threshold = k % 10 == 0 ? "0.1" : "1000";
                String expr = k % 2 == 0
                        ? "sum by (job) (rate(bench_rule_requests_total{job=\"j" + (k / 2 % 100) + "\"}[5m])) > " + threshold
                        : "rate(bench_rule_requests_total{instance=\"i" + (k * 7919 % series) + "\"}[5m]) > " + threshold;
                y.append("      - alert: Bench").append(k).append("\n        expr: '").append(expr)
                        .append("'\n        labels: {severity: warning}\n        annotations: {summary: '{{ $value }}'}\n");
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("bench.rules.yml"), y.toString());
        System.out.printf("wrote %d rules in %d groups to %s%n", k, groups, dir);
    }

    /** Counter series bench_rule_requests_total{job="j<i%100>",instance="i<i>"}, one point every 15 s. */
    private static void seed(Connection c, int series, long start, long end, long intervalMs) throws Exception {
        long t0 = System.nanoTime();
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_series (metric_name, labels) VALUES ('bench_rule_requests_total', ?::jsonb) "
                        + "ON CONFLICT (metric_name, labels) DO UPDATE SET metric_name = excluded.metric_name RETURNING id")) {
            for (int i = 0; i < series; i++) {
                ps.setString(1, "{\"job\":\"j" + (i % 100) + "\",\"instance\":\"i" + i
                        + "\",\"service_name\":\"bench\",\"host_name\":\"bench-host\"}");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(rs.getLong(1));
                }
            }
        }
        c.setAutoCommit(false);
        long rows = 0;
        PgBinaryCopy copy = new PgBinaryCopy(1 << 22);
        for (int i = 0; i < series; i++) {
            double v = 0;
            for (long t = start; t <= end; t += intervalMs) {
                v += 1 + (i % 5);
                copy.startRow(3).int8(ids.get(i)).timestampFromUnixMillis(t).float8(v);
            }
            if (i % 1000 == 999 || i == series - 1) {
                rows += copy.copyInto(c, "metric_points (series_id, t, v)");
                c.commit();
                copy = new PgBinaryCopy(1 << 22);
            }
        }
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE metric_series");
            s.execute("ANALYZE metric_points");
        }
        System.out.printf("seeded %,d series, %,d points in %.1f s (to 10 min ahead, so every round has data)%n",
                series, rows, (System.nanoTime() - t0) / 1e9);
    }

    private static void measure(String http, String password, int rounds) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        // HTTP Basic runs bcrypt on every request, which would take CPU from the evaluation being
        // measured: log in once to make an API token and poll with it (a SHA-256 look-up).
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(http + "/api/v1/tokens"))
                .header("Authorization", basic).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"rule-bench\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String token = JSON.readTree(created.body()).path("data").path("token").asText("");
        if (created.statusCode() != 201 || token.isEmpty()) {
            throw new IllegalStateException("could not create an API token: " + created.statusCode() + " " + created.body());
        }
        HttpRequest rulesReq = HttpRequest.newBuilder(URI.create(http + "/api/v1/rules"))
                .header("Authorization", "Bearer " + token).build();
        // Per group: evaluation time of each evaluation seen (keyed by lastEvaluation).
        Map<String, Map<String, Double>> seen = new HashMap<>();
        Map<String, Integer> errors = new HashMap<>();
        int rules = 0;
        int firing = 0;
        long deadline = System.currentTimeMillis() + (rounds + 8) * 11_000L;
        // The first two evaluations of each group (seeding under way, cold caches) are skipped.
        while (System.currentTimeMillis() < deadline) {
            HttpResponse<String> r = client.send(rulesReq, HttpResponse.BodyHandlers.ofString());
            JsonNode groups = JSON.readTree(r.body()).path("data").path("groups");
            rules = 0;
            firing = 0;
            boolean done = groups.size() > 0;
            for (JsonNode g : groups) {
                String name = g.path("name").asText();
                Map<String, Double> evals = seen.computeIfAbsent(name, n -> new LinkedHashMap<>());
                evals.putIfAbsent(g.path("lastEvaluation").asText(), g.path("evaluationTime").asDouble());
                for (JsonNode rule : g.path("rules")) {
                    rules++;
                    firing += rule.path("state").asText().equals("firing") ? 1 : 0;
                    if (rule.path("health").asText().equals("err")) {
                        errors.merge(rule.path("lastError").asText(), 1, Integer::sum);
                    }
                }
                done &= evals.size() >= rounds + 3;
            }
            if (done) {
                break;
            }
            Thread.sleep(1000);
        }
        List<double[]> perGroup = new ArrayList<>();
        for (Map<String, Double> evals : seen.values()) {
            List<Double> times = new ArrayList<>(evals.values());
            perGroup.add(times.subList(Math.min(3, times.size()), times.size()).stream().mapToDouble(Double::doubleValue)
                    .toArray());
        }
        int n = perGroup.stream().mapToInt(a -> a.length).min().orElse(0);
        double[] roundSums = new double[n];
        double groupMax = 0;
        for (double[] g : perGroup) {
            for (int i = 0; i < n; i++) {
                roundSums[i] += g[i];
                groupMax = Math.max(groupMax, g[i]);
            }
        }
        double[] sorted = roundSums.clone();
        java.util.Arrays.sort(sorted);
        System.out.printf("%d rules in %d groups over the seeded series; %d firing; rule errors: %s%n", rules,
                perGroup.size(), firing, errors.isEmpty() ? "none" : errors);
        System.out.printf("rounds measured: %d; round cost (sum of the groups' evaluation times): p50 %.0f ms, max %.0f ms; "
                + "slowest group evaluation %.0f ms%n", n, n == 0 ? 0 : sorted[n / 2] * 1000,
                n == 0 ? 0 : sorted[n - 1] * 1000, groupMax * 1000);
        StringBuilder each = new StringBuilder();
        for (double r : roundSums) {
            each.append(each.length() == 0 ? "" : ", ").append(Math.round(r * 1000));
        }
        System.out.printf("each round in order (ms): %s%n", each);
        System.out.printf("RESULT rules=%d round_p50_ms=%.0f round_max_ms=%.0f%n", rules, n == 0 ? 0 : sorted[n / 2] * 1000,
                n == 0 ? 0 : sorted[n - 1] * 1000);
    }
}
