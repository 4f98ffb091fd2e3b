package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.Series;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Computes a report's figures for a period [start, end) and the previous period of the same
 * length, from what the collector stores: span-metric series through the in-process PromQL
 * engine (the same expressions as the dashboard's Overview and Performance views), security
 * events, alert episodes and raw points (agent uptime). A figure without data is JSON
 * {@code null}, never 0.
 */
@Singleton
public class ReportBuilder {

    static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many blacklisted and unknown visitors are listed (each kind), the rest counted. */
    public static final int VISITORS_LISTED = 50;
    /** At most this many alerts are listed. */
    public static final int ALERTS_LISTED = 100;
    static final String CALLS = "traces_span_metrics_calls_total";
    static final String BUCKETS = "traces_span_metrics_duration_seconds_bucket";
    static final String FRAME_SPAN = "Camera.capture";
    static final String RECOGNITION_SPAN = "FaceRecognizer.recognize";
    static final String DETECTION_SPAN = "FaceDetector.detect";
    static final String[] KINDS = {"known", "unknown", "blacklisted"};
    private static final String[][] QUANTILES = {{"p50", "0.5"}, {"p95", "0.95"}, {"p99", "0.99"}};
    /** The series whose minutes count as an agent being up: the JVM metrics every agent sends every 10 s. */
    static final String UPTIME_METRIC = "jvm_thread_count";
    public static final String UPTIME_DEFINITION = "the share of the period's minutes in which the agent's JVM metrics "
            + "(" + UPTIME_METRIC + ", sent every 10 s) were stored";

    private final Engine engine;
    private final DataSource dataSource;

    public ReportBuilder(Engine engine, ConnectionPool pool) {
        this.engine = engine;
        this.dataSource = pool.dataSource();
    }

    /** The figures and hourly chart series of one report. */
    public record Built(ObjectNode figures, Map<String, ChartData> charts) {
    }

    /** One chart: its title, unit and named series of (time ms, value) per step. */
    public record ChartData(String title, String yLabel, long[] times, Map<String, double[]> series) {
    }

    public Built build(String period, Instant start, Instant end) throws SQLException {
        Duration length = Duration.between(start, end);
        if (length.isNegative() || length.isZero()) {
            throw new IllegalArgumentException("the period must end after it starts");
        }
        Instant prevStart = start.minus(length);
        ObjectNode f = JSON.createObjectNode();
        f.put("period", period);
        f.put("start", start.toString());
        f.put("end", end.toString());
        ObjectNode prev = f.putObject("previous");
        prev.put("start", prevStart.toString());
        prev.put("end", start.toString());
        String w = length.toSeconds() + "s";

        ObjectNode frames = f.putObject("frames");
        putNumber(frames, "current", rounded(scalar("sum(increase(" + CALLS + "{span_name=\"" + FRAME_SPAN + "\"}[" + w + "]))", end)));
        putNumber(frames, "previous", rounded(scalar("sum(increase(" + CALLS + "{span_name=\"" + FRAME_SPAN + "\"}[" + w + "]))", start)));

        ObjectNode rec = f.putObject("recognitions");
        rec.set("current", recognitions(w, end));
        rec.set("previous", recognitions(w, start));

        ArrayNode latency = f.putArray("latency");
        latency.add(latency("detection", DETECTION_SPAN, w, start, end));
        latency.add(latency("recognition", RECOGNITION_SPAN, w, start, end));

        f.set("errors", errors(w, start, end));
        f.set("hosts", hosts(w, end));
        try (Connection c = dataSource.getConnection()) {
            f.set("visitors", visitors(c, start, end, prevStart));
            f.set("alerts", alerts(c, start, end, prevStart));
            f.set("uptime", uptime(c, start, end));
        }
        Map<String, ChartData> charts = charts(start, end);
        ArrayNode names = f.putArray("charts");
        for (Map.Entry<String, ChartData> e : charts.entrySet()) {
            ObjectNode o = names.addObject();
            o.put("name", e.getKey());
            o.put("title", e.getValue().title());
        }
        return new Built(f, charts);
    }

    // ------------------------------------------------------------------ PromQL figures

    private Double scalar(String q, Instant at) {
        List<Sample> v = vector(q, at);
        return v.isEmpty() ? null : finite(v.get(0).v());
    }

    private List<Sample> vector(String q, Instant at) {
        try {
            return engine.instantQuery(q, at.toEpochMilli()).vector();
        } catch (PromQLEvalException e) {
            throw new IllegalStateException("report query " + q + " failed: " + e.getMessage(), e);
        }
    }

    private ObjectNode recognitions(String w, Instant at) {
        ObjectNode o = JSON.createObjectNode();
        for (String k : KINDS) {
            o.putNull(k);
        }
        for (Sample s : vector("sum by (recognition_result) (increase(" + CALLS + "{span_name=\"" + RECOGNITION_SPAN
                + "\"}[" + w + "]))", at)) {
            String kind = s.labels().get("recognition_result");
            if (kind != null && o.has(kind.toLowerCase())) {
                putNumber(o, kind.toLowerCase(), rounded(finite(s.v())));
            }
        }
        return o;
    }

    private ObjectNode latency(String label, String span, String w, Instant start, Instant end) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", label);
        o.put("operation", span);
        o.set("current", quantiles(span, w, end));
        o.set("previous", quantiles(span, w, start));
        return o;
    }

    /** p50, p95 and p99 in one query (the bucket series are read once). */
    private ObjectNode quantiles(String span, String w, Instant at) {
        ObjectNode o = JSON.createObjectNode();
        String buckets = "sum by (le) (increase(" + BUCKETS + "{span_name=\"" + span + "\"}[" + w + "]))";
        List<String> parts = new ArrayList<>();
        for (String[] q : QUANTILES) {
            o.putNull(q[0]);
            parts.add("label_replace(histogram_quantile(" + q[1] + ", " + buckets + "), \"q\", \"" + q[0] + "\", \"\", \"\")");
        }
        for (Sample s : vector(String.join(" or ", parts), at)) {
            String q = s.labels().get("q");
            if (q != null && o.has(q)) {
                putNumber(o, q, finite(s.v()));
            }
        }
        return o;
    }

    private ArrayNode errors(String w, Instant start, Instant end) {
        Map<String, ObjectNode> rows = new TreeMap<>();
        String calls = "sum by (service_name, span_name) (increase(" + CALLS + "[" + w + "]))";
        String errs = "sum by (service_name, span_name) (increase(" + CALLS + "{status_code=\"STATUS_CODE_ERROR\"}[" + w + "]))";
        for (int p = 0; p < 2; p++) {
            Instant at = p == 0 ? end : start;
            for (Sample s : vector(calls, at)) {
                ObjectNode r = rows.computeIfAbsent(key(s), k -> errorRow(s));
                putNumber(r, p == 0 ? "calls" : "previousCalls", rounded(finite(s.v())));
            }
            for (Sample s : vector(errs, at)) {
                ObjectNode r = rows.computeIfAbsent(key(s), k -> errorRow(s));
                putNumber(r, p == 0 ? "errors" : "previousErrors", rounded(finite(s.v())));
            }
            for (ObjectNode r : rows.values()) {
                String callsKey = p == 0 ? "calls" : "previousCalls";
                String errKey = p == 0 ? "errors" : "previousErrors";
                String rateKey = p == 0 ? "errorRate" : "previousErrorRate";
                if (r.hasNonNull(callsKey) && r.get(callsKey).asDouble() > 0) {
                    if (!r.hasNonNull(errKey)) {
                        r.put(errKey, 0L); // the calls are there, no error series: no error was counted
                    }
                    r.put(rateKey, r.get(errKey).asDouble() / r.get(callsKey).asDouble());
                } else {
                    r.putNull(rateKey);
                }
            }
        }
        ArrayNode out = JSON.createArrayNode();
        for (ObjectNode r : rows.values()) {
            for (String k : new String[] {"calls", "errors", "errorRate", "previousCalls", "previousErrors", "previousErrorRate"}) {
                if (!r.has(k)) {
                    r.putNull(k);
                }
            }
            if (r.hasNonNull("calls")) {
                out.add(r);
            }
        }
        return out;
    }

    private static String key(Sample s) {
        return s.labels().get("service_name") + "\u0000" + s.labels().get("span_name");
    }

    private static ObjectNode errorRow(Sample s) {
        ObjectNode r = JSON.createObjectNode();
        r.put("service", s.labels().get("service_name"));
        r.put("operation", s.labels().get("span_name"));
        return r;
    }

    private ArrayNode hosts(String w, Instant end) {
        Map<String, ObjectNode> rows = new TreeMap<>();
        String[][] peaks = {
                {"cpuMax", "max by (host_name) (max_over_time(system_cpu_utilization_ratio[" + w + "]))"},
                {"memoryUsedMaxBytes", "max by (host_name) (max_over_time(system_memory_usage_bytes{system_memory_state=\"used\"}[" + w + "]))"},
                {"memoryUtilizationMax", "max by (host_name) (max_over_time(system_memory_utilization_ratio{system_memory_state=\"used\"}[" + w + "]))"},
                {"load1mMax", "max by (host_name) (max_over_time(system_cpu_load_average_1m[" + w + "]))"},
                {"diskUsedMax", "max by (host_name) (max_over_time(system_filesystem_utilization_ratio{system_filesystem_type!~\"tmpfs|devtmpfs\"}[" + w + "]))"},
        };
        for (String[] p : peaks) {
            for (Sample s : vector(p[1], end)) {
                String host = s.labels().get("host_name");
                if (host == null) {
                    host = "";
                }
                final String h = host;
                ObjectNode r = rows.computeIfAbsent(h, k -> {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("host", h);
                    for (String[] x : peaks) {
                        o.putNull(x[0]);
                    }
                    return o;
                });
                putNumber(r, p[0], finite(s.v()));
            }
        }
        ArrayNode out = JSON.createArrayNode();
        rows.values().forEach(out::add);
        return out;
    }

    // ------------------------------------------------------------------ SQL figures

    private ObjectNode visitors(Connection c, Instant start, Instant end, Instant prevStart) throws SQLException {
        ObjectNode o = JSON.createObjectNode();
        o.put("listed", VISITORS_LISTED);
        for (String kind : new String[] {"blacklisted", "unknown"}) {
            ObjectNode k = o.putObject(kind);
            long total = countEvents(c, kind, start, end);
            k.put("total", total);
            k.put("previousTotal", countEvents(c, kind, prevStart, start));
            ArrayNode list = k.putArray("list");
            try (PreparedStatement ps = c.prepareStatement("SELECT at, person_id, person_name, person_role, confidence, "
                    + "service_name, host_name, agent_id FROM security_events WHERE kind = ? AND at >= ? AND at < ? "
                    + "ORDER BY at DESC LIMIT ?")) {
                ps.setString(1, kind);
                ps.setTimestamp(2, Timestamp.from(start));
                ps.setTimestamp(3, Timestamp.from(end));
                ps.setInt(4, VISITORS_LISTED);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode v = list.addObject();
                        v.put("at", rs.getTimestamp(1).toInstant().toString());
                        v.put("personId", rs.getString(2));
                        v.put("personName", rs.getString(3));
                        v.put("personRole", rs.getString(4));
                        double conf = rs.getDouble(5);
                        if (rs.wasNull()) {
                            v.putNull("confidence");
                        } else {
                            v.put("confidence", conf);
                        }
                        v.put("service", rs.getString(6));
                        v.put("host", rs.getString(7));
                        v.put("agentId", rs.getString(8));
                    }
                }
            }
            k.put("more", Math.max(0, total - list.size()));
        }
        return o;
    }

    private static long countEvents(Connection c, String kind, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM security_events WHERE kind = ? AND at >= ? AND at < ?")) {
            ps.setString(1, kind);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private ObjectNode alerts(Connection c, Instant start, Instant end, Instant prevStart) throws SQLException {
        ObjectNode o = JSON.createObjectNode();
        o.put("fired", countFired(c, start, end));
        o.put("previousFired", countFired(c, prevStart, start));
        ArrayNode list = o.putArray("list");
        List<Double> ack = new ArrayList<>();
        List<Double> res = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, alertname, labels::text, fired_at, acknowledged_at, "
                + "acknowledged_by, resolved_at FROM alerts WHERE fired_at >= ? AND fired_at < ? ORDER BY fired_at, id")) {
            ps.setTimestamp(1, Timestamp.from(start));
            ps.setTimestamp(2, Timestamp.from(end));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant fired = rs.getTimestamp(4).toInstant();
                    Instant acked = instant(rs.getTimestamp(5));
                    Instant resolved = instant(rs.getTimestamp(7));
                    Double toAck = acked == null ? null : Math.max(0, Duration.between(fired, acked).toMillis() / 1000.0);
                    Double toResolve = resolved == null ? null : Math.max(0, Duration.between(fired, resolved).toMillis() / 1000.0);
                    if (toAck != null) {
                        ack.add(toAck);
                    }
                    if (toResolve != null) {
                        res.add(toResolve);
                    }
                    if (list.size() >= ALERTS_LISTED) {
                        continue;
                    }
                    ObjectNode a = list.addObject();
                    a.put("id", rs.getLong(1));
                    a.put("alertname", rs.getString(2));
                    Map<String, String> labels;
                    try {
                        labels = JSON.readValue(rs.getString(3), JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, String.class));
                    } catch (java.io.IOException e) {
                        labels = Map.of();
                    }
                    a.put("severity", labels.get("severity"));
                    a.set("labels", JSON.valueToTree(new TreeMap<>(labels)));
                    a.put("firedAt", fired.toString());
                    a.put("acknowledgedAt", acked == null ? null : acked.toString());
                    a.put("acknowledgedBy", rs.getString(6));
                    a.put("resolvedAt", resolved == null ? null : resolved.toString());
                    putNumber(a, "timeToAcknowledgeSeconds", toAck);
                    putNumber(a, "timeToResolveSeconds", toResolve);
                }
            }
        }
        o.put("more", Math.max(0, o.get("fired").asLong() - list.size()));
        putNumber(o, "medianTimeToAcknowledgeSeconds", median(ack));
        putNumber(o, "medianTimeToResolveSeconds", median(res));
        o.put("acknowledged", ack.size());
        o.put("resolved", res.size());
        return o;
    }

    private static long countFired(Connection c, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM alerts WHERE fired_at >= ? AND fired_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private ObjectNode uptime(Connection c, Instant start, Instant end) throws SQLException {
        ObjectNode o = JSON.createObjectNode();
        o.put("definition", UPTIME_DEFINITION);
        long periodMinutes = Duration.between(start, end).toMinutes();
        o.put("periodMinutes", periodMinutes);
        Map<String, String[]> seen = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.labels->>'instance', max(s.labels->>'service_name'), "
                + "max(s.labels->>'host_name'), count(DISTINCT date_trunc('minute', p.t)) "
                + "FROM metric_points p JOIN metric_series s ON s.id = p.series_id "
                + "WHERE s.metric_name = ? AND p.t >= ? AND p.t < ? GROUP BY 1")) {
            ps.setString(1, UPTIME_METRIC);
            ps.setTimestamp(2, Timestamp.from(start));
            ps.setTimestamp(3, Timestamp.from(end));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null) {
                        seen.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), Long.toString(rs.getLong(4))});
                    }
                }
            }
        }
        // agents registered as connected during the period whose metrics never arrived in it: a real 0
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, service_name, host_name FROM agents "
                + "WHERE first_seen < ? AND last_seen >= ?")) {
            ps.setTimestamp(1, Timestamp.from(end));
            ps.setTimestamp(2, Timestamp.from(start));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seen.putIfAbsent(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), "0"});
                }
            }
        }
        ArrayNode agents = o.putArray("agents");
        List<Map.Entry<String, String[]>> rows = new ArrayList<>(seen.entrySet());
        rows.sort(java.util.Comparator.comparing((Map.Entry<String, String[]> e) -> String.valueOf(e.getValue()[0]))
                .thenComparing(e -> String.valueOf(e.getValue()[1])).thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, String[]> e : rows) {
            agent(agents, e.getKey(), e.getValue()[0], e.getValue()[1], Long.parseLong(e.getValue()[2]), periodMinutes);
        }
        return o;
    }

    private static void agent(ArrayNode out, String id, String service, String host, long m, long periodMinutes) {
        ObjectNode a = out.addObject();
        a.put("agentId", id);
        a.put("service", service);
        a.put("host", host);
        a.put("minutesWithData", m);
        a.put("ratio", periodMinutes == 0 ? 0 : Math.min(1.0, (double) m / periodMinutes));
    }

    // ------------------------------------------------------------------ charts

    private Map<String, ChartData> charts(Instant start, Instant end) {
        long length = Duration.between(start, end).toMillis();
        long step = length > Duration.ofDays(2).toMillis() ? Duration.ofHours(6).toMillis() : Duration.ofHours(1).toMillis();
        if (length < 4 * step) {
            step = Math.max(60_000, length / 12);
        }
        String w = (step / 1000) + "s";
        long first = start.toEpochMilli() + step;
        long last = end.toEpochMilli();
        int n = (int) ((last - first) / step) + 1;
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            times[i] = first + i * step;
        }
        String per = step == 3_600_000 ? "per hour" : "per " + (step / 60_000) + " min";
        Map<String, ChartData> out = new LinkedHashMap<>();
        out.put("frames", new ChartData("Frames processed " + per, "frames", times,
                range("sum(increase(" + CALLS + "{span_name=\"" + FRAME_SPAN + "\"}[" + w + "]))", null, times, step)));
        out.put("recognitions", new ChartData("Recognitions by kind " + per, "recognitions", times,
                range("sum by (recognition_result) (increase(" + CALLS + "{span_name=\"" + RECOGNITION_SPAN + "\"}[" + w + "]))",
                        "recognition_result", times, step)));
        Map<String, double[]> p95 = new LinkedHashMap<>();
        p95.putAll(rename(range("histogram_quantile(0.95, sum by (le) (increase(" + BUCKETS + "{span_name=\"" + DETECTION_SPAN
                + "\"}[" + w + "])))", null, times, step), "detection p95"));
        p95.putAll(rename(range("histogram_quantile(0.95, sum by (le) (increase(" + BUCKETS + "{span_name=\"" + RECOGNITION_SPAN
                + "\"}[" + w + "])))", null, times, step), "recognition p95"));
        out.put("latency", new ChartData("Detection and recognition p95 " + per, "seconds", times, p95));
        return out;
    }

    private static Map<String, double[]> rename(Map<String, double[]> m, String name) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (double[] v : m.values()) {
            out.put(name, v);
        }
        return out;
    }

    /** A range query's series by the value of {@code label} (one series "value" without), NaN where a step has none. */
    private Map<String, double[]> range(String q, String label, long[] times, long step) {
        Map<String, double[]> out = new TreeMap<>();
        if (times.length == 0) {
            return out;
        }
        List<Series> matrix;
        try {
            matrix = engine.rangeQuery(q, times[0], times[times.length - 1], step).matrix();
        } catch (PromQLEvalException e) {
            throw new IllegalStateException("report query " + q + " failed: " + e.getMessage(), e);
        }
        for (Series s : matrix) {
            String name = label == null ? "value" : String.valueOf(s.labels().get(label)).toLowerCase();
            double[] v = new double[times.length];
            java.util.Arrays.fill(v, Double.NaN);
            for (int i = 0; i < s.size(); i++) {
                int at = (int) ((s.timestampsMs()[i] - times[0]) / step);
                if (at >= 0 && at < v.length) {
                    v[at] = s.values()[i];
                }
            }
            out.put(name, v);
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Double rounded(Double v) {
        return v == null ? null : (double) Math.round(v);
    }

    private static void putNumber(ObjectNode o, String k, Double v) {
        if (v == null) {
            o.putNull(k);
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(k, v.longValue());
        } else {
            o.put(k, v);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return null;
        }
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
