package dev.peephole.bench;

import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * The dashboard's speed over a day of one doorbell agent's data (issue 6): seeds the data over
 * the real agent protocol (the metric names, labels and shapes of the agent on the demo, as the
 * collector test support {@code DoorbellAgentData} sends them), waits for the rollups, then
 * replays the exact queries the Overview and Performance views issue for the 24 h range and
 * reports p50/p95 of each, over HTTP with a session cookie as the browser sends them
 * (form POSTs, {@code Accept-Encoding: gzip}, the answer read in full and inflated).
 * The first paint of the Overview is measured by {@code DashboardPaint} in headless Chromium.
 *
 * <pre>
 * DashboardBench seed --grpc-port P --token T --jdbc URL [--hours 24]
 * DashboardBench queries --http URL --password PW [--hours 24] [--requests 20] [--warmup-passes 5]
 * </pre>
 */
public final class DashboardBench {

    /** The agent's span duration bounds (its {@code metrics.spans.buckets} default). */
    static final double[] SPAN_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 5, 10};
    static final double[] GC_BOUNDS = {0.01, 0.1, 1, 10};
    private static final long STEP_MS = 10_000;
    private static final String CALLS = "traces_span_metrics_calls_total";
    private static final String BUCKETS = "traces_span_metrics_duration_seconds_bucket";

    private DashboardBench() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            usage("");
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("grpc-port", "0");
        defaults.put("token", "");
        defaults.put("jdbc", "");
        defaults.put("http", "");
        defaults.put("password", "");
        defaults.put("hours", "24");
        defaults.put("requests", "20");
        defaults.put("warmup-passes", "5");
        Args args;
        try {
            args = new Args(Arrays.copyOfRange(argv, 1, argv.length), defaults);
            switch (argv[0]) {
                case "seed" -> seed(args.positiveInt("grpc-port"), args.str("token"), args.str("jdbc"), args.positiveInt("hours"));
                case "queries" -> queries(args.str("http"), args.str("password"), args.positiveInt("hours"),
                        args.positiveInt("requests"), args.nonNegativeInt("warmup-passes"));
                default -> usage("unknown command " + argv[0]);
            }
        } catch (Args.BadArgs e) {
            usage(e.getMessage());
        }
    }

    private static void usage(String message) {
        System.err.println((message.isEmpty() ? "" : message + "\n")
                + "usage: DashboardBench seed --grpc-port P --token T --jdbc URL [--hours 24]\n"
                + "       DashboardBench queries --http URL --password PW [--hours 24] [--requests 20] [--warmup-passes 5]");
        System.exit(2);
    }

    // ------------------------------------------------------------------ seeding

    private static void seed(int grpcPort, String token, String jdbc, int hours) throws Exception {
        long t0 = System.nanoTime();
        long now = System.currentTimeMillis() / STEP_MS * STEP_MS;
        long first = now - hours * 3_600_000L;
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024).build();
        BlockingQueue<CollectorMessage> received = new LinkedBlockingQueue<>();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        StreamObserver<AgentMessage> requests = AgentServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .connect(new StreamObserver<>() {
                    @Override
                    public void onNext(CollectorMessage value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        received.add(CollectorMessage.getDefaultInstance());
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentId("bench-doorbell-1")
                .setSessionId(UUID.randomUUID().toString()).setServiceName("doorbell").setServiceVersion("1.0")
                .setHostName("bench-host").setPid(4242).setJvmVersion(System.getProperty("java.version"))
                .setAgentVersion("bench")).build());
        next(received); // Settings
        long accepted = 0;
        long rejected = 0;
        long seq = 1;
        // Half an hour of every series a batch, oldest first, as an agent catching up would send.
        for (long from = first; from <= now; from += 1_800_000L) {
            int i0 = (int) ((from - first) / STEP_MS);
            int n = (int) (Math.min(now, from + 1_800_000L - STEP_MS) - from) / (int) STEP_MS + 1;
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                times[i] = from + i * STEP_MS;
            }
            List<MetricSeries> metrics = new ArrayList<>();
            Random random = new Random(42 + i0);
            host(metrics, times, i0, random);
            jvm(metrics, times, i0, random);
            spanMetrics(metrics, times, i0);
            requests.onNext(AgentMessage.newBuilder().setBatch(Batch.newBuilder().setSequence(seq++).addAllMetrics(metrics)).build());
            while (true) {
                CollectorMessage m = next(received);
                if (m.hasAck()) {
                    accepted += m.getAck().getAcceptedPoints();
                    rejected += m.getAck().getRejectedPoints();
                    break;
                }
            }
        }
        requests.onCompleted();
        channel.shutdown();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        if (rejected > 0) {
            throw new IllegalStateException(rejected + " points rejected (is PEEPHOLE_INGEST_MAX_TIME_SKEW over the range?)");
        }
        System.out.printf("seeded %,d points (%d h of one doorbell agent, a sample every 10 s) over the agent protocol in %.1f s%n",
                accepted, hours, (System.nanoTime() - t0) / 1e9);
        waitForRollups(jdbc, hours);
    }

    private static CollectorMessage next(BlockingQueue<CollectorMessage> received) throws InterruptedException {
        CollectorMessage m = received.poll(120, TimeUnit.SECONDS);
        if (m == null || m.equals(CollectorMessage.getDefaultInstance())) {
            throw new IllegalStateException("the collector did not answer the agent stream");
        }
        return m;
    }

    /** Waits until the collector's minute rollups cover the seeded range (see QueryBench). */
    private static void waitForRollups(String jdbc, int hours) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", null)) {
            long series;
            // the seeded series (the collector's own, if any, have no day-old points)
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM metric_series s "
                    + "WHERE EXISTS (SELECT 1 FROM metric_points p WHERE p.series_id = s.id AND p.t < now() - interval '"
                    + (hours - 1) + " hours')")) {
                rs.next();
                series = rs.getLong(1);
            }
            long expected = series * hours * 60 * 98 / 100;
            long deadline = System.currentTimeMillis() + 600_000;
            long lastReset = 0;
            while (System.currentTimeMillis() < deadline) {
                if (System.currentTimeMillis() - lastReset > 30_000) {
                    try (Statement s = c.createStatement()) {
                        s.execute("DELETE FROM collector_state WHERE key IN ('rollup_1m_complete_through', 'rollup_1h_complete_through')");
                    }
                    lastReset = System.currentTimeMillis();
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM metric_rollup_1m")) {
                    rs.next();
                    if (rs.getLong(1) >= expected) {
                        System.out.printf("rollups hold %,d minute rows of %,d series%n", rs.getLong(1), series);
                        try (Statement a = c.createStatement()) {
                            a.execute("ANALYZE");
                        }
                        return;
                    }
                }
                Thread.sleep(1000);
            }
            throw new IllegalStateException("the collector's rollups did not cover the seeded range within 10 minutes");
        }
    }

    // The agent's metrics (names, units, labels and shapes of DoorbellAgentData in the collector's tests).

    private static void host(List<MetricSeries> out, long[] t, int i0, Random r) {
        out.add(gauge("system.cpu.utilization", "1", t, i -> 0.25 + 0.1 * Math.sin((i0 + i) / 10.0)));
        out.add(gauge("system.cpu.load_average.1m", "{run_queue_item}", t, i -> 0.8 + 0.3 * Math.sin((i0 + i) / 7.0)));
        out.add(gauge("system.cpu.load_average.5m", "{run_queue_item}", t, i -> 0.7));
        out.add(gauge("system.cpu.load_average.15m", "{run_queue_item}", t, i -> 0.6));
        out.add(gauge("system.cpu.logical.count", "{cpu}", t, i -> 2));
        long total = 8L << 30;
        out.add(gauge("system.memory.usage", "By", t, i -> 3.0e9 + ((i0 + i) % 1000) * 1e6, "system.memory.state", "used"));
        out.add(gauge("system.memory.usage", "By", t, i -> total - 3.0e9 - ((i0 + i) % 1000) * 1e6, "system.memory.state", "free"));
        out.add(gauge("system.memory.limit", "By", t, i -> total));
        out.add(gauge("system.memory.utilization", "1", t, i -> (3.0e9 + ((i0 + i) % 1000) * 1e6) / total, "system.memory.state", "used"));
        for (String[] fs : new String[][] {{"/dev/sda1", "/", "ext4", "0.42"}, {"tmpfs", "/run", "tmpfs", "0.01"}}) {
            double u = Double.parseDouble(fs[3]);
            String[] base = {"system.device", fs[0], "system.filesystem.mountpoint", fs[1], "system.filesystem.type", fs[2]};
            out.add(gauge("system.filesystem.usage", "By", t, i -> u * 1e11, with(base, "system.filesystem.state", "used")));
            out.add(gauge("system.filesystem.usage", "By", t, i -> (1 - u) * 1e11, with(base, "system.filesystem.state", "free")));
            out.add(gauge("system.filesystem.utilization", "1", t, i -> u, base));
        }
        out.add(counter("system.disk.io", "By", t, i -> 1e9 + (i0 + i) * 2.0e6, "system.device", "sda", "disk.io.direction", "read"));
        out.add(counter("system.disk.io", "By", t, i -> 5e8 + (i0 + i) * 4.0e6, "system.device", "sda", "disk.io.direction", "write"));
        out.add(counter("system.network.io", "By", t, i -> 1e8 + (i0 + i) * 1.5e5, "network.interface.name", "eth0",
                "network.io.direction", "receive"));
        out.add(counter("system.network.io", "By", t, i -> 2e8 + (i0 + i) * 3.0e5, "network.interface.name", "eth0",
                "network.io.direction", "transmit"));
        out.add(gauge("process.cpu.utilization", "1", t, i -> 0.12 + 0.02 * r.nextDouble()));
        out.add(gauge("process.memory.usage", "By", t, i -> 3.5e8));
        out.add(counter("process.cpu.time", "s", t, i -> 10 + (i0 + i) * 1.2));
    }

    private static void jvm(List<MetricSeries> out, long[] t, int i0, Random r) {
        String[][] pools = {{"heap", "G1 Eden Space", "4e7"}, {"heap", "G1 Old Gen", "9e7"}, {"heap", "G1 Survivor Space", "4e6"},
                {"non_heap", "Metaspace", "3.5e7"}, {"non_heap", "CodeHeap 'non-profiled nmethods'", "9e6"}};
        for (String[] p : pools) {
            double base = Double.parseDouble(p[2]);
            String[] labels = {"jvm.memory.type", p[0], "jvm.memory.pool.name", p[1]};
            out.add(gauge("jvm.memory.used", "By", t, i -> base * (1 + 0.3 * (((i0 + i) % 12) / 12.0)), labels));
            out.add(gauge("jvm.memory.committed", "By", t, i -> base * 1.5, labels));
            if ("heap".equals(p[0])) {
                out.add(gauge("jvm.memory.limit", "By", t, i -> 5.12e8, labels));
            }
        }
        out.add(histogram("jvm.gc.duration", t, GC_BOUNDS, i -> new long[] {(i0 + i) * 2L, (i0 + i) / 3L, 0, 0, 0},
                i -> (i0 + i) * 0.009, "jvm.gc.name", "G1 Young Generation", "jvm.gc.action", "end of minor GC"));
        out.add(gauge("jvm.thread.count", "{thread}", t, i -> 18, "jvm.thread.daemon", "true"));
        out.add(gauge("jvm.thread.count", "{thread}", t, i -> 9 + ((i0 + i) % 3), "jvm.thread.daemon", "false"));
        out.add(gauge("jvm.class.count", "{class}", t, i -> 5400 + (i0 + i) % 100));
        out.add(counter("jvm.class.loaded", "{class}", t, i -> 5400 + i0 + i));
        out.add(gauge("jvm.cpu.count", "{cpu}", t, i -> 2));
        out.add(gauge("jvm.cpu.recent_utilization", "1", t, i -> 0.1 + 0.05 * r.nextDouble()));
    }

    private static void spanMetrics(List<MetricSeries> out, long[] t, int i0) {
        // 10 frames a second through capture and motion detection; a face in one frame of five.
        spans(out, t, i0, "Camera.capture", null, 100, 0.002);
        spans(out, t, i0, "MotionDetector.detect", null, 100, 0.004);
        spans(out, t, i0, "DoorbellPipeline.analyze", null, 20, 0.06);
        spans(out, t, i0, "FaceDetector.detect", null, 20, 0.03);
        spans(out, t, i0, "FaceRecognizer.recognize", "KNOWN", 12, 0.08);
        spans(out, t, i0, "FaceRecognizer.recognize", "UNKNOWN", 6, 0.09);
        spans(out, t, i0, "FaceRecognizer.recognize", "BLACKLISTED", 1, 0.085);
        spans(out, t, i0, "EventProcessor.process", null, 20, 0.001);
    }

    private static void spans(List<MetricSeries> out, long[] t, int i0, String name, String result, int perStep, double typical) {
        String[] labels = result == null
                ? new String[] {"span_name", name, "span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_UNSET"}
                : new String[] {"span_name", name, "span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_UNSET",
                        "recognition_result", result};
        int at = 0;
        while (at < SPAN_BOUNDS.length && SPAN_BOUNDS[at] < typical) {
            at++;
        }
        final int bucket = at;
        out.add(counter("traces.span.metrics.calls", "{call}", t, i -> (double) (i0 + i) * perStep, labels));
        out.add(histogram("traces.span.metrics.duration", t, SPAN_BOUNDS, i -> {
            long[] c = new long[SPAN_BOUNDS.length + 1];
            long all = (long) (i0 + i) * perStep;
            c[bucket] = all * 7 / 10;
            c[Math.max(0, bucket - 1)] += all * 2 / 10;
            c[Math.min(SPAN_BOUNDS.length, bucket + 1)] += all - all * 7 / 10 - all * 2 / 10;
            return c;
        }, i -> (double) (i0 + i) * perStep * typical, labels));
    }

    private interface Value {
        double at(int i);
    }

    private interface Counts {
        long[] at(int i);
    }

    private static String[] with(String[] base, String... more) {
        String[] l = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, l, base.length, more.length);
        return l;
    }

    private static MetricSeries gauge(String name, String unit, long[] t, Value v, String... labels) {
        return number(MetricType.METRIC_TYPE_GAUGE, name, unit, t, v, labels);
    }

    private static MetricSeries counter(String name, String unit, long[] t, Value v, String... labels) {
        return number(MetricType.METRIC_TYPE_COUNTER, name, unit, t, v, labels);
    }

    private static MetricSeries number(MetricType type, String name, String unit, long[] t, Value v, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit(unit).setDescription(name).setType(type);
        for (int i = 0; i < t.length; i++) {
            b.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t[i] * 1_000_000L).setValue(v.at(i)));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries histogram(String name, long[] t, double[] bounds, Counts counts, Value sum, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit("s").setDescription(name)
                .setType(MetricType.METRIC_TYPE_HISTOGRAM);
        for (int i = 0; i < t.length; i++) {
            HistogramPoint.Builder p = HistogramPoint.newBuilder().setTimeUnixNano(t[i] * 1_000_000L).setSum(sum.at(i));
            for (double bound : bounds) {
                p.addExplicitBounds(bound);
            }
            long total = 0;
            for (long c : counts.at(i)) {
                p.addBucketCounts(c);
                total += c;
            }
            b.addHistogramPoints(p.setCount(total));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries.Builder labels(MetricSeries.Builder b, String... labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            b.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return b;
    }

    // ------------------------------------------------------------------ the views' queries

    /** A query as a view sends it: instant (step 0) or range. */
    record ViewQuery(String view, String query, boolean range) {
    }

    /**
     * The queries the Overview (views/overview.js) and the Performance view (views/performance.js,
     * its default operations) send for the 24 h range: time.js's stepFor gives a 300 s step for
     * 86,400 s, rateWindow 1200 s, and the totals and the operations table use the whole range.
     */
    static List<ViewQuery> viewQueries(long rangeSeconds) {
        long step = stepFor(rangeSeconds);
        String w = Math.max(60, step * 4) + "s";
        String whole = Math.max(60, rangeSeconds) + "s";
        List<ViewQuery> q = new ArrayList<>();
        String p95 = "histogram_quantile(0.95, sum by (le) (rate(" + BUCKETS + "{span_name=\"%s\"}[" + w + "])))";
        q.add(new ViewQuery("overview", "sum(up{job=\"peephole-agent\"})", true));
        q.add(new ViewQuery("overview", "sum(rate(" + CALLS + "{span_name=\"Camera.capture\"}[" + w + "]))", true));
        q.add(new ViewQuery("overview", "sum(increase(" + CALLS + "{span_name=\"Camera.capture\"}[" + whole + "]))", false));
        q.add(new ViewQuery("overview", "sum by (recognition_result) (rate(" + CALLS + "{span_name=\"FaceRecognizer.recognize\"}[" + w + "]))", true));
        q.add(new ViewQuery("overview", "sum by (recognition_result) (increase(" + CALLS + "{span_name=\"FaceRecognizer.recognize\"}[" + whole + "]))", false));
        q.add(new ViewQuery("overview", String.format(p95, "FaceDetector.detect"), true));
        q.add(new ViewQuery("overview", String.format(p95, "FaceRecognizer.recognize"), true));
        String by = "service_name, span_name";
        q.add(new ViewQuery("performance", "sum by (" + by + ") (rate(" + CALLS + "[" + whole + "]))", false));
        q.add(new ViewQuery("performance", "sum by (" + by + ") (rate(" + CALLS + "{status_code=\"STATUS_CODE_ERROR\"}[" + whole + "]))", false));
        for (String x : new String[] {"0.5", "0.95", "0.99"}) {
            q.add(new ViewQuery("performance", "histogram_quantile(" + x + ", sum by (" + by + ", le) (rate(" + BUCKETS + "[" + whole + "])))", false));
        }
        for (String op : new String[] {"FaceDetector.detect", "FaceRecognizer.recognize"}) {
            String sel = "span_name=\"" + op + "\"";
            q.add(new ViewQuery("performance", "sum(rate(" + CALLS + "{" + sel + "}[" + w + "]))", true));
            q.add(new ViewQuery("performance", "(sum(rate(" + CALLS + "{" + sel + ",status_code=\"STATUS_CODE_ERROR\"}[" + w + "])) or vector(0)) / sum(rate(" + CALLS + "{" + sel + "}[" + w + "]))", true));
            String lat = "label_replace(histogram_quantile(%s, sum by (le) (rate(" + BUCKETS + "{" + sel + "}[" + w + "]))), \"q\", \"%s\", \"\", \"\")";
            q.add(new ViewQuery("performance", String.format(lat, "0.5", "p50") + " or " + String.format(lat, "0.95", "p95")
                    + " or " + String.format(lat, "0.99", "p99"), true));
            q.add(new ViewQuery("performance", "sum by (le) (rate(" + BUCKETS + "{" + sel + "}[" + w + "]))", true));
        }
        return q;
    }

    /** time.js's stepFor: the first of its steps giving at most ~600 points. */
    static long stepFor(long rangeSeconds) {
        long[] steps = {5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
        double raw = rangeSeconds / 600.0;
        for (long s : steps) {
            if (s >= raw) {
                return s;
            }
        }
        return 86400;
    }

    /** One view query for the last rangeSeconds, as the browser sends it. */
    private static HttpResponse<byte[]> send(HttpClient client, String http, String cookie, ViewQuery vq,
                                             long rangeSeconds, long step) throws Exception {
        long end = System.currentTimeMillis() / 1000;
        long start = end - rangeSeconds;
        String form = "query=" + URLEncoder.encode(vq.query(), StandardCharsets.UTF_8)
                + (vq.range() ? "&start=" + start + "&end=" + end + "&step=" + step : "&time=" + end);
        HttpRequest req = HttpRequest.newBuilder(URI.create(http + (vq.range() ? "/api/v1/query_range" : "/api/v1/query")))
                .header("Cookie", cookie).header("X-Requested-With", "peephole-dashboard")
                .header("Accept", "application/json").header("Accept-Encoding", "gzip")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void queries(String http, String password, int hours, int requests, int warmupPasses)
            throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        String cookie = login(client, http, password);
        long rangeSeconds = hours * 3600L;
        long step = stepFor(rangeSeconds);
        System.out.printf("the views' queries for the last %d h (step %d s), %d requests each after %d warm-up passes over "
                + "both views and 3 warm-up, one at a time, as the browser sends them (POST form, session cookie, "
                + "Accept-Encoding: gzip)%n", hours, step, requests, warmupPasses);
        System.out.printf("%-12s %-5s %9s %9s %9s %9s %9s  %s%n", "view", "kind", "p50 ms", "p95 ms", "max ms", "bytes", "gzipped", "query");
        // Whole passes over both views first, as a collector that has served the dashboard for a
        // while: a just-started JVM compiles the read and evaluation paths during its first
        // requests, which otherwise land on whichever queries come first (the Overview's).
        for (int pass = 0; pass < warmupPasses; pass++) {
            for (ViewQuery vq : viewQueries(rangeSeconds)) {
                inflate(send(client, http, cookie, vq, rangeSeconds, step));
            }
        }
        List<Double> allOverview = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (ViewQuery vq : viewQueries(rangeSeconds)) {
            double[] ms = new double[requests];
            long[] sizes = new long[2];
            for (int i = -3; i < requests; i++) {
                long t0 = System.nanoTime();
                HttpResponse<byte[]> r = send(client, http, cookie, vq, rangeSeconds, step);
                byte[] body = inflate(r);
                double took = (System.nanoTime() - t0) / 1e6;
                if (i >= 0) {
                    ms[i] = took;
                    sizes[0] = body.length;
                    sizes[1] = r.body().length;
                }
            }
            for (double m : ms) {
                all.add(m);
                if (vq.view().equals("overview")) {
                    allOverview.add(m);
                }
            }
            Arrays.sort(ms);
            System.out.printf("%-12s %-5s %9.1f %9.1f %9.1f %9d %9s  %s%n", vq.view(), vq.range() ? "range" : "inst",
                    ms[ms.length / 2], p95(ms), ms[ms.length - 1], sizes[0],
                    sizes[1] == sizes[0] ? "-" : String.valueOf(sizes[1]), vq.query());
        }
        double[] o = allOverview.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] a = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("RESULT overview_queries p50_ms=%.1f p95_ms=%.1f max_ms=%.1f%n", o[o.length / 2], p95(o), o[o.length - 1]);
        System.out.printf("RESULT all_queries p50_ms=%.1f p95_ms=%.1f max_ms=%.1f%n", a[a.length / 2], p95(a), a[a.length - 1]);
    }

    static double p95(double[] sorted) {
        return sorted[(int) Math.ceil(sorted.length * 0.95) - 1];
    }

    private static byte[] inflate(HttpResponse<byte[]> r) throws IOException {
        if (r.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
                return in.readAllBytes();
            }
        }
        return r.body();
    }

    /** Logs in as the dashboard does (POST /api/v1/session); returns the Cookie header value. */
    static String login(HttpClient client, String http, String password) throws Exception {
        String json = "{\"username\":\"admin\",\"password\":\"" + password + "\"}";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http + "/api/v1/session"))
                .header("Content-Type", "application/json").header("X-Requested-With", "peephole-dashboard")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("login: " + r.statusCode() + " " + r.body());
        }
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("peephole_session=")) {
                return c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';'));
            }
        }
        throw new IllegalStateException("login set no session cookie");
    }
}
