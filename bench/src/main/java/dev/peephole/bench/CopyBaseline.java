package dev.peephole.bench;

import dev.peephole.collector.ingest.BatchPreparer;
import dev.peephole.collector.storage.PgBinaryCopy;
import dev.peephole.proto.v1.Span;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ceiling for the collector's ingest: the same rows, encoded the same way
 * ({@link PgBinaryCopy}), COPYed straight into the same tables with N connections. A
 * transaction holds {@code --tx-batches} agent batches of {@code --batch} rows, each from
 * the next simulated agent, as the collector's writers group queued batches of several
 * agents into one transaction. No gRPC, no acknowledgement, no idempotency record, no
 * series resolution on the way (the series are created up front).
 */
public final class CopyBaseline {

    static final String USAGE = """
            usage: java -cp peephole-bench.jar dev.peephole.bench.CopyBaseline [options]
              --jdbc URL                e.g. jdbc:postgresql://127.0.0.1:5432/postgres (required)
              --user U                  (default postgres)
              --password P              (default: none)
              --kind points|spans       which table (default points)
              --connections N           parallel connections, each COPYing in its own transactions (default 2)
              --seconds S               measured seconds after the warmup (default 20)
              --warmup S                seconds before measuring (default 5)
              --batch N                 rows per agent batch, as IngestLoad's --batch (default 1000)
              --tx-batches K            agent batches per transaction (default 1); run-ingest.sh passes
                                        the collector's measured batches per commit
              --agents N                agents whose rows are played, as IngestLoad (default 8)
              --series-per-agent N      metric series per agent, points only (default 200)
            Prints a report and one 'RESULT ...' line to stdout.
            Exit code 0 when rows were committed, 1 otherwise, 2 on bad arguments.""";

    private static final String POINT_COLUMNS = "metric_points (series_id, t, v)";

    private final String jdbc;
    private final String user;
    private final String password;
    private final String kind;
    private final int connections;
    private final int seconds;
    private final int warmup;
    private final int batch;
    private final int txBatches;
    private final int agents;
    private final int seriesPerAgent;

    private final LongAdder rows = new LongAdder();
    private final LongAdder totalRows = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile long measureStart;
    private volatile long measureEnd;

    private CopyBaseline(Args a) throws Args.BadArgs {
        jdbc = a.str("jdbc");
        user = a.str("user");
        password = a.str("password");
        kind = a.oneOf("kind", "points", "spans");
        connections = a.positiveInt("connections");
        seconds = a.positiveInt("seconds");
        warmup = a.nonNegativeInt("warmup");
        batch = a.positiveInt("batch");
        txBatches = a.positiveInt("tx-batches");
        agents = a.positiveInt("agents");
        seriesPerAgent = a.positiveInt("series-per-agent");
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("jdbc", null);
        defaults.put("user", "postgres");
        defaults.put("password", "");
        defaults.put("kind", "points");
        defaults.put("connections", "2");
        defaults.put("seconds", "20");
        defaults.put("warmup", "5");
        defaults.put("batch", "1000");
        defaults.put("tx-batches", "1");
        defaults.put("agents", "8");
        defaults.put("series-per-agent", "200");
        CopyBaseline b;
        try {
            b = new CopyBaseline(new Args(argv, defaults));
        } catch (Args.BadArgs e) {
            Args.usageAndExit(e, USAGE);
            return;
        }
        System.exit(b.run());
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", "peephole-bench-baseline");
        return DriverManager.getConnection(jdbc, p);
    }

    private int run() throws Exception {
        // Every connection plays its own agents, so no two write the same series at the same times.
        int players = Math.max(agents, connections);
        long base = System.currentTimeMillis() * 1_000_000L - TimeUnit.SECONDS.toNanos(60);
        RowSource[] sources = new RowSource[players];
        if (kind.equals("points")) {
            long[][] ids = createSeries(players);
            for (int a = 0; a < players; a++) {
                sources[a] = new PointSource(ids[a], base, new Random(a));
            }
        } else {
            List<Span> spans = Shapes.spanBatch(batch, base, new Random(42));
            Random salts = new Random();
            for (int a = 0; a < players; a++) {
                sources[a] = new SpanSource(spans, "baseline-agent-" + a, "bench-host-" + a,
                        (salts.nextLong() & 0x7FFF_FFFF_0000_0000L) | ((long) a << 48));
            }
        }
        System.err.printf("CopyBaseline: %s, %d connections, transactions of %d batches of %d rows, %d agents' rows%n",
                kind, connections, txBatches, batch, players);

        long started = System.nanoTime();
        measureStart = started + TimeUnit.SECONDS.toNanos(warmup);
        measureEnd = measureStart + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        List<List<Long>> latencies = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            List<RowSource> mine = new ArrayList<>();
            for (int a = c; a < players; a += connections) {
                mine.add(sources[a]);
            }
            List<Long> lat = new ArrayList<>();
            latencies.add(lat);
            Thread t = new Thread(() -> copyLoop(mine, lat), "baseline-" + c);
            t.start();
            threads.add(t);
        }
        long cpuAtStart = -1;
        long lastTotal = 0;
        for (int s = 1; System.nanoTime() < measureEnd && failure.get() == null; s++) {
            long wakeAt = started + TimeUnit.SECONDS.toNanos(s);
            while (System.nanoTime() < wakeAt && failure.get() == null) {
                Thread.sleep(Math.max(1, Math.min(100, (wakeAt - System.nanoTime()) / 1_000_000)));
            }
            if (cpuAtStart < 0 && System.nanoTime() >= measureStart) {
                cpuAtStart = IngestLoad.processCpuNanos();
            }
            long now = totalRows.sum();
            System.err.printf("  [%3ds %s] %,10d %s/s committed%n", s, s <= warmup ? "warmup " : "measure",
                    now - lastTotal, kind);
            lastTotal = now;
        }
        long cpuAtEnd = IngestLoad.processCpuNanos();
        if (cpuAtStart < 0) {
            cpuAtStart = cpuAtEnd;
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            System.err.println("CopyBaseline failed: " + failure.get());
            failure.get().printStackTrace();
            return 1;
        }
        long[] lat = latencies.stream().flatMap(List::stream).mapToLong(Long::longValue).sorted().toArray();
        double rowsPerS = rows.sum() / (double) seconds;
        double txPerS = transactions.sum() / (double) seconds;
        double cpu = (cpuAtEnd - cpuAtStart) / (double) TimeUnit.SECONDS.toNanos(seconds);
        double p50 = IngestLoad.percentileMs(lat, 50);
        double p95 = IngestLoad.percentileMs(lat, 95);
        double p99 = IngestLoad.percentileMs(lat, 99);
        System.out.printf("CopyBaseline %s: %d connections, transactions of %d x %d rows, %ds warmup, %ds measured%n",
                kind, connections, txBatches, batch, warmup, seconds);
        System.out.printf("  committed %-7s %,14.0f /s%n", kind, rowsPerS);
        System.out.printf("  transactions      %,14.1f /s%n", txPerS);
        System.out.printf("  COPY+commit time  p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n", p50, p95, p99);
        System.out.printf("  baseline CPU %.2f cores%n", cpu);
        System.out.printf(java.util.Locale.ROOT,
                "RESULT baseline kind=%s rows_per_s=%.0f tx_per_s=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f "
                        + "connections=%d batch=%d tx_batches=%d seconds=%d baseline_cpu_cores=%.2f%n",
                kind, rowsPerS, txPerS, p50, p95, p99, connections, batch, txBatches, seconds, cpu);
        return rows.sum() > 0 ? 0 : 1;
    }

    private void copyLoop(List<RowSource> sources, List<Long> latencies) {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            int turn = 0;
            while (failure.get() == null) {
                long began = System.nanoTime();
                if (began >= measureEnd) {
                    return;
                }
                PgBinaryCopy copy = new PgBinaryCopy(64 * 1024);
                for (int k = 0; k < txBatches; k++) {
                    sources.get(turn++ % sources.size()).next(copy);
                }
                copy.copyInto(c, sources.get(0).table());
                c.commit();
                long now = System.nanoTime();
                totalRows.add(copy.rows());
                if (now >= measureStart && now < measureEnd) {
                    rows.add(copy.rows());
                    transactions.increment();
                    latencies.add((now - began) / 1000);
                }
            }
        } catch (Exception e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Creates (or finds) the baseline agents' series, as the collector would have: ids[agent][series]. */
    private long[][] createSeries(int players) throws SQLException {
        List<Shapes.SeriesShape> shapes = Shapes.series(seriesPerAgent);
        int n = players * shapes.size();
        String[] names = new String[n];
        String[] labels = new String[n];
        for (int a = 0; a < players; a++) {
            for (int s = 0; s < shapes.size(); s++) {
                Shapes.SeriesShape shape = shapes.get(s);
                names[a * shapes.size() + s] = shape.family().prometheusName();
                labels[a * shapes.size() + s] = shape.labelsJson("doorbell", "bench-host-" + a, "baseline-agent-" + a);
            }
        }
        long[][] ids = new long[players][shapes.size()];
        try (Connection c = connect()) {
            Array na = c.createArrayOf("text", names);
            Array la = c.createArrayOf("text", labels);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO metric_series (metric_name, labels) "
                    + "SELECT name, labels FROM unnest(?::text[], ?::text[]::jsonb[]) AS i(name, labels) "
                    + "ON CONFLICT (metric_name, labels) DO NOTHING")) {
                ps.setArray(1, na);
                ps.setArray(2, la);
                ps.executeUpdate();
            }
            int found = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT i.idx, s.id FROM unnest(?::text[], ?::text[]::jsonb[]) WITH ORDINALITY AS i(name, labels, idx) "
                            + "JOIN metric_series s ON s.metric_name = i.name AND s.labels = i.labels")) {
                ps.setArray(1, na);
                ps.setArray(2, la);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int i = rs.getInt(1) - 1;
                        ids[i / shapes.size()][i % shapes.size()] = rs.getLong(2);
                        found++;
                    }
                }
            }
            if (found != n) {
                throw new SQLException("expected " + n + " series, found " + found);
            }
        }
        return ids;
    }

    /** The rows of one simulated agent, one transaction's worth at a time. */
    private interface RowSource {
        String table();

        void next(PgBinaryCopy copy);
    }

    /** Points as IngestLoad's batches carry them: every series, ceil(batch/series) points each at 1 ms steps. */
    private final class PointSource implements RowSource {
        private final long[] ids;
        private final long base;
        private final double[][] values;
        private final int step;
        private long sequence;

        PointSource(long[] ids, long base, Random rnd) {
            this.ids = ids;
            this.base = base;
            this.step = Shapes.maxPointsPerSeries(ids.length, batch);
            this.values = new double[ids.length][];
            List<Shapes.SeriesShape> shapes = Shapes.series(ids.length);
            for (int s = 0; s < ids.length; s++) {
                int n = Shapes.pointsOfSeries(s, ids.length, batch);
                values[s] = new double[n];
                for (int j = 0; j < n; j++) {
                    values[s][j] = rnd.nextDouble() * shapes.get(s).family().scale();
                }
            }
        }

        @Override
        public String table() {
            return POINT_COLUMNS;
        }

        @Override
        public void next(PgBinaryCopy copy) {
            long seq = ++sequence;
            long t0 = base + seq * step * Shapes.POINT_STEP_NANOS;
            for (int s = 0; s < ids.length; s++) {
                double[] v = values[s];
                for (int j = 0; j < v.length; j++) {
                    copy.startRow(3).int8(ids[s]).timestampFromUnixNanos(t0 + j * Shapes.POINT_STEP_NANOS).float8(v[j]);
                }
            }
        }
    }

    /** Spans as IngestLoad's batches carry them, encoded as BatchPreparer encodes them. */
    private static final class SpanSource implements RowSource {
        private record Template(byte[] traceId, byte[] spanId, byte[] parentId, String name, int kind, long start,
                                long duration, int status, String statusMessage, byte[] attributes, byte[] events) {
        }

        private final List<Template> spans = new ArrayList<>();
        private final String agentId;
        private final String hostName;
        private final long traceSalt;
        private long sequence;

        SpanSource(List<Span> protos, String agentId, String hostName, long traceSalt) {
            this.agentId = agentId;
            this.hostName = hostName;
            this.traceSalt = traceSalt;
            for (Span s : protos) {
                spans.add(new Template(s.getTraceId().toByteArray(), s.getSpanId().toByteArray(),
                        s.getParentSpanId().isEmpty() ? null : s.getParentSpanId().toByteArray(), s.getName(),
                        s.getKindValue(), s.getStartTimeUnixNano(), s.getEndTimeUnixNano() - s.getStartTimeUnixNano(),
                        s.getStatusCodeValue(), s.getStatusMessage(), Shapes.Json.attributes(s.getAttributesList()),
                        s.getEventsCount() == 0 ? null : Shapes.Json.events(s.getEventsList())));
            }
        }

        @Override
        public String table() {
            return BatchPreparer.SPAN_COLUMNS;
        }

        @Override
        public void next(PgBinaryCopy copy) {
            long seq = ++sequence;
            long shift = seq * Shapes.SPAN_BATCH_SHIFT_NANOS;
            long prefix = traceSalt + seq;
            for (Template s : spans) {
                byte[] traceId = s.traceId().clone();
                for (int i = 7; i >= 0; i--) {
                    traceId[i] = (byte) (prefix >>> (8 * (7 - i)));
                }
                copy.startRow(14)
                        .bytea(traceId)
                        .bytea(s.spanId())
                        .bytea(s.parentId())
                        .text("doorbell")
                        .text(s.name())
                        .int2(s.kind())
                        .timestampFromUnixNanos(s.start() + shift)
                        .int8(s.duration())
                        .int2(s.status())
                        .text(s.statusMessage())
                        .jsonb(s.attributes())
                        .jsonb(s.events())
                        .text(agentId)
                        .text(hostName);
            }
        }
    }
}
