package dev.peephole.collector.prometheus;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.db.StorageFlavour;
import dev.peephole.collector.ingest.LatePoints;
import dev.peephole.collector.promql.CounterSteps;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PrefetchedSeries;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.ReadCarry;
import dev.peephole.collector.promql.SelectRequest;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.Series;
import dev.peephole.collector.promql.SeriesSource;
import dev.peephole.collector.storage.RollupMaintainer;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The PromQL engine's view of the stored points. For range queries whose step is at
 * least a minute (an hour), it reads the 1-minute (1-hour) rollups instead of the raw
 * points: the last sample of each bucket, with its own timestamp. Functions that need
 * every sample of a range ({@code *_over_time} but last_over_time, irate, idelta,
 * resets, changes) always read raw points. The part of the range the rollups do not
 * cover yet is read raw.
 */
@Singleton
public class StoredSeriesSource implements SeriesSource {

    /** Functions whose answer depends on every raw sample in the range. */
    private static final Set<String> NEEDS_EVERY_SAMPLE = Set.of(
            "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "quantile_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time",
            "irate", "idelta", "resets", "changes", "absent_over_time", "mad_over_time");

    private static final long MINUTE = 60_000L;
    /** Longest window a batched rule read takes in (longer ones are read per rule). */
    static final long PREFETCH_MAX_WINDOW_MS = 3_600_000L;
    /** Samples one batched rule read holds at most (16 bytes each, plus a copy per rule using them). */
    static final long PREFETCH_MAX_SAMPLES = 4_000_000L;
    /**
     * Raw points, one row a sample in (series, time) order, as the index holds them: fetched in
     * binary, so the server neither aggregates nor converts anything. For a rule group's batched
     * read (5,025 series, 100,500 samples) PostgreSQL's execution time was about half that of the
     * former {@code array_agg} of epoch milliseconds per series (EXPLAIN ANALYZE, paired runs).
     */
    private static final String RAW_SQL = "SELECT series_id, t, v FROM metric_points "
            + "WHERE series_id = ANY (?) AND t >= ? AND t <= ? ORDER BY series_id, t";
    private static final long HOUR = 3_600_000L;
    /*
     * A query's reads: one index scan per series, in (series_id, time) order, aggregated as it
     * comes (PostgreSQL 16+ sees the input is already sorted for the aggregate's ORDER BY). The
     * GROUP BY form over all series at once sorted every sample of the request, and with the
     * planner's estimates of freshly written rollups (a few rows) it sorted 144,000 of them on
     * disk: 340 of the 440 ms of such a read.
     */
    private static final String RAW_PER_SERIES_SQL = perSeries("metric_points", "t", "t", "v", "t", "<=");
    /** Raw points before a bound (exclusive, to the microsecond: the minute the rollups start at). */
    private static final String RAW_BEFORE_SQL = perSeries("metric_points", "t", "t", "v", "t", "<");
    /** Shortest rate / increase window read through the counter rollups (shorter ones have few minutes to gain). */
    static final long COUNTER_ROLLUP_MIN_RANGE_MS = 30 * 60_000L;
    private static final Set<String> COUNTER_FUNCTIONS = Set.of("rate", "increase");
    private static final String ROLLUP_1M_SQL = perSeries("metric_rollup_1m", "bucket", "last_t", "last_v", "bucket", "<");
    private static final String ROLLUP_1H_SQL = perSeries("metric_rollup_1h", "bucket", "last_t", "last_v", "bucket", "<");

    /** A rollup table's rows as {@link RollupBlockCache} keeps them: bucket start, last sample's time and value. */
    private static final String BLOCKS_1M_SQL = blocksSql("metric_rollup_1m");
    private static final String BLOCKS_1H_SQL = blocksSql("metric_rollup_1h");

    private static String blocksSql(String table) {
        return "SELECT s.id, array_send(a.bs), array_send(a.ts), array_send(a.vs) FROM unnest(?::bigint[]) AS s(id) "
                + "CROSS JOIN LATERAL (SELECT array_agg((date_part('epoch', bucket) * 1000)::bigint ORDER BY bucket) AS bs, "
                + "array_agg((date_part('epoch', last_t) * 1000)::bigint ORDER BY bucket) AS ts, "
                + "array_agg(last_v ORDER BY bucket) AS vs FROM " + table
                + " r WHERE r.series_id = s.id AND r.bucket >= ? AND r.bucket < ?) a WHERE a.ts IS NOT NULL";
    }

    private static String perSeries(String table, String key, String time, String value, String order,
                                    String upper) {
        return "SELECT s.id, array_send(a.ts), array_send(a.vs) FROM unnest(?::bigint[]) AS s(id) CROSS JOIN LATERAL ("
                + "SELECT array_agg((date_part('epoch', " + time + ") * 1000)::bigint ORDER BY " + order + ") AS ts, "
                + "array_agg(" + value + " ORDER BY " + order + ") AS vs FROM " + table
                + " r WHERE r.series_id = s.id AND r." + key + " >= ? AND r." + key + " " + upper + " ?) a WHERE a.ts IS NOT NULL";
    }

    private final DataSource dataSource;
    private final StoredSeries series;
    private final SchemaMigrator schema;
    private final RollupMaintainer rollups;
    private final RollupBlockCache blocks;
    private final LatePoints late;

    public StoredSeriesSource(ConnectionPool pool, StoredSeries series, SchemaMigrator schema, RollupMaintainer rollups,
                              RollupBlockCache blocks, LatePoints late) {
        this.dataSource = pool.dataSource();
        this.series = series;
        this.schema = schema;
        this.rollups = rollups;
        this.blocks = blocks;
        this.late = late;
    }

    @Override
    public List<Series> select(List<LabelMatcher> matchers, SelectHints hints) {
        try {
            List<StoredSeries.Ref> refs = series.find(matchers);
            if (refs.isEmpty()) {
                return List.of();
            }
            long[] ids = new long[refs.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = refs.get(i).id();
            }
            if (counterEligible(hints) && !timescale()) {
                Optional<List<Series>> counters = counterRead(refs, ids, hints);
                if (counters.isPresent()) {
                    return counters.get();
                }
            }
            Map<Long, Samples> samples = read(ids, hints);
            List<Series> out = new ArrayList<>(refs.size());
            for (StoredSeries.Ref ref : refs) {
                Samples s = samples.get(ref.id());
                if (s != null && s.size > 0) {
                    out.add(s.series(ref.labels()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new PromQLEvalException("storage error: " + e.getMessage());
        }
    }

    /**
     * Rule evaluation's batched read (issue 5's 1,000 rules over 10,000 series in under 1 s): the
     * raw-point requests of a whole group evaluation in one query per distinct time window (in a
     * group evaluated at one timestamp most rules share a few windows such as {@code [5m]}),
     * for the union of their series, instead of one round trip per rule. Each request's answer is
     * then cut out exactly as {@link #select} builds it (same series lookup, same window, same
     * duplicate handling), so a rule evaluated on the snapshot returns what it returns live.
     * Left to a live read at rule time: requests that may be served from the rollups (which one
     * serves depends on a watermark that moves), windows longer than {@link #PREFETCH_MAX_WINDOW_MS}
     * (few, and batching them would hold all of their series at once), and whatever would push the
     * snapshot past {@link #PREFETCH_MAX_SAMPLES}.
     */
    @Override
    public SeriesSource prefetch(Collection<SelectRequest> requests) {
        return prefetch(requests, null);
    }

    /**
     * As {@link #prefetch(Collection)}, keeping in {@code carry} the raw rows each window read
     * (for at most {@link #CARRY_MAX_SAMPLES} samples), so that the next read of a window of the
     * same length that has moved forward (a rule group's next evaluation) reads from the database
     * only what is newer than the last read's end less an overlap ({@link #CARRY_SHORT_OVERLAP_MS}
     * while the late points written since are announced to this collector, {@link #CARRY_OVERLAP_MS}
     * otherwise; from the oldest announced late point when there is one: see {@link #readWindow}),
     * plus the series it did not read last time, and takes the rest from memory. The answers are
     * those of a full read whenever every point stored since the last read is within the overlap
     * or announced; a point written around the collectors (plain SQL) later than the overlap is
     * seen at the next full read, made at least every {@link #CARRY_FULL_READ_MS}. The carried rows
     * are only ever read from the database, so collectors sharing it stay correct.
     */
    @Override
    public SeriesSource prefetch(Collection<SelectRequest> requests, ReadCarry carry) {
        Map<SelectRequest, List<Series>> answers = new HashMap<>();
        Map<SelectRequest, List<StoredSeries.Ref>> found = new HashMap<>();
        Map<List<Long>, List<SelectRequest>> byWindow = new LinkedHashMap<>();
        try {
            for (SelectRequest r : requests) {
                SelectHints h = r.hints();
                if (answers.containsKey(r) || found.containsKey(r) || !alwaysRaw(h) || h.endMs() < h.startMs()
                        || h.endMs() - h.startMs() > PREFETCH_MAX_WINDOW_MS) {
                    continue;
                }
                List<StoredSeries.Ref> refs = series.find(r.matchers());
                if (refs.isEmpty()) {
                    answers.put(r, List.of());
                    continue;
                }
                found.put(r, refs);
                byWindow.computeIfAbsent(List.of(h.startMs(), h.endMs()), k -> new ArrayList<>()).add(r);
            }
            if (byWindow.isEmpty()) {
                if (carry != null) {
                    carry.state(null);
                }
                return new PrefetchedSeries(answers, this);
            }
            // Shortest windows first: when the budget runs out, the long reads are the ones left live.
            List<Map.Entry<List<Long>, List<SelectRequest>>> windows = new ArrayList<>(byWindow.entrySet());
            windows.sort(Comparator.comparingLong(e -> e.getKey().get(1) - e.getKey().get(0)));
            try (Connection c = dataSource.getConnection()) {
                // A plan for these very bounds: a reused generic plan cannot prune the day partitions
                // when planning, so it loses the index's (series, time) order and sorts every sample
                // of the batch (on disk, past the default work_mem); a plan for the bounds reads the
                // one partition in index order and aggregates without sorting.
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL plan_cache_mode = force_custom_plan");
                    st.execute("SET LOCAL work_mem = '32MB'");
                }
                try {
                    prefetchWindows(c, windows, found, answers, carry);
                } finally {
                    try {
                        c.rollback();
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
            }
        } catch (SQLException e) {
            throw new PromQLEvalException("storage error: " + e.getMessage());
        }
        return new PrefetchedSeries(answers, this);
    }

    private void prefetchWindows(Connection c, List<Map.Entry<List<Long>, List<SelectRequest>>> windows,
                                Map<SelectRequest, List<StoredSeries.Ref>> found,
                                Map<SelectRequest, List<Series>> answers, ReadCarry carry) throws SQLException {
        Object kept = carry == null ? null : carry.state();
        Carried previous = kept instanceof Carried k ? k : null;
        Carried next = new Carried();
        long loaded = 0;
        for (Map.Entry<List<Long>, List<SelectRequest>> w : windows) {
            if (loaded >= PREFETCH_MAX_SAMPLES) {
                break;
            }
            long from = w.getKey().get(0);
            long to = w.getKey().get(1);
            int total = 0;
            for (SelectRequest r : w.getValue()) {
                total += found.get(r).size();
            }
            long[] all = new long[total];
            int k = 0;
            for (SelectRequest r : w.getValue()) {
                for (StoredSeries.Ref ref : found.get(r)) {
                    all[k++] = ref.id();
                }
            }
            long[] ids = sortedUnique(all);
            Window last = previous == null ? null : previous.byLength.get(to - from);
            Window read = readWindow(c, ids, from, to, last, late,
                    carry == null ? 0 : (long) (carry.phase() * CARRY_FULL_READ_MS));
            if (carry != null && read.samples <= carryMaxSamples - next.samples) {
                next.byLength.put(to - from, read);
                next.samples += read.samples;
            }
            // Each series' samples once, as a read of the window keeps them (a series several requests share is built once).
            long[][] times = new long[ids.length][];
            double[][] values = new double[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                RawRows rows = read.rows[i];
                if (rows != null) {
                    Samples s = rows.samples(from, to);
                    if (s.size > 0) {
                        times[i] = s.t.length == s.size ? s.t : Arrays.copyOf(s.t, s.size);
                        values[i] = s.v.length == s.size ? s.v : Arrays.copyOf(s.v, s.size);
                        loaded += s.size;
                    }
                }
            }
            Series[] built = new Series[ids.length];
            for (SelectRequest r : w.getValue()) {
                List<StoredSeries.Ref> refs = found.get(r);
                List<Series> out = new ArrayList<>(refs.size());
                for (StoredSeries.Ref ref : refs) {
                    int i = Arrays.binarySearch(ids, ref.id());
                    if (times[i] != null) {
                        if (built[i] == null) {
                            built[i] = new Series(ref.labels(), times[i], values[i]);
                        }
                        out.add(built[i]);
                    }
                }
                answers.put(r, out);
            }
        }
        if (carry != null) {
            carry.state(next.byLength.isEmpty() ? null : next);
        }
    }

    /** The values sorted, each once. */
    static long[] sortedUnique(long[] values) {
        long[] a = values.clone();
        Arrays.sort(a);
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (n == 0 || a[i] != a[n - 1]) {
                a[n++] = a[i];
            }
        }
        return n == a.length ? a : Arrays.copyOf(a, n);
    }

    /**
     * The raw rows of ids (sorted, each once) with stored times in [fromMs, toMs]: all from the
     * database, or, when the last read of a window of this length ({@code last}) covers the start
     * of this one, the rows it read before {@code since} and the rest from the database. {@code since}
     * is the last read's end less {@link #CARRY_SHORT_OVERLAP_MS} when {@code late} was listening
     * since the last read began (no point stored since then, without being announced, is older than
     * that), moved back to the oldest late point announced since then; otherwise the last read's
     * end less {@link #CARRY_OVERLAP_MS}. Never before fromMs (then the window is read in full).
     * Rows are kept per series in arrays aligned with the sorted ids, so a
     * round's carry is found, cut and joined without a map or a boxed id (JFR: the maps of
     * 5,000 series and their boxed keys were much of the collector's own time of a group's read).
     */
    static Window readWindow(Connection c, long[] ids, long fromMs, long toMs, Window last, LatePoints late,
                             long phaseMs) throws SQLException {
        // Taken before this read's query (its snapshot): the next read asks what was announced after it.
        LatePoints.Mark mark = late == null ? null : late.mark();
        long since = Long.MIN_VALUE;
        if (last != null) {
            Long lateFrom = late == null ? null : late.since(last.mark);
            since = Math.max(fromMs, last.toMs - (lateFrom == null ? CARRY_OVERLAP_MS : CARRY_SHORT_OVERLAP_MS));
            if (lateFrom != null && lateFrom < since) {
                since = Math.max(fromMs, lateFrom);
            }
        }
        // read in full again when the end passes a multiple of CARRY_FULL_READ_MS (shifted by the phase)
        boolean carried = last != null && fromMs >= last.fromMs && toMs >= last.toMs && since > fromMs
                && Math.floorDiv(toMs - phaseMs, CARRY_FULL_READ_MS) == Math.floorDiv(last.fullReadToMs - phaseMs,
                CARRY_FULL_READ_MS);
        if (!carried) {
            Flat f = rawRows(c, ids, fromMs, toMs);
            RawRows[] rows = new RawRows[ids.length];
            f.distribute(ids, rows, null, 0, 0);
            return new Window(fromMs, toMs, toMs, ids, rows, f.size, mark, fromMs);
        }
        // Which ids the last read had (its ids are sorted too): one walk over both.
        int[] at = new int[ids.length];
        int nKnown = 0;
        for (int i = 0, j = 0; i < ids.length; i++) {
            while (j < last.ids.length && last.ids[j] < ids[i]) {
                j++;
            }
            at[i] = j < last.ids.length && last.ids[j] == ids[i] ? j : -1;
            if (at[i] >= 0) {
                nKnown++;
            }
        }
        long[] known = new long[nKnown];
        long[] fresh = new long[ids.length - nKnown];
        for (int i = 0, a = 0, b = 0; i < ids.length; i++) {
            if (at[i] >= 0) {
                known[a++] = ids[i];
            } else {
                fresh[b++] = ids[i];
            }
        }
        Flat newer = known.length > 0 ? rawRows(c, known, since, toMs) : Flat.EMPTY;
        Flat all = fresh.length > 0 ? rawRows(c, fresh, fromMs, toMs) : Flat.EMPTY;
        RawRows[] rows = new RawRows[ids.length];
        RawRows[] before = new RawRows[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (at[i] >= 0) {
                before[i] = last.rows[at[i]];
            }
        }
        // The known series: their carried rows in [from, since), then what the database has from since on.
        newer.distribute(ids, rows, before, fromMs * 1000, since * 1000);
        all.distribute(ids, rows, null, 0, 0);
        return new Window(fromMs, toMs, last.fullReadToMs, ids, rows, newer.size + all.size, mark, since);
    }

    /**
     * How far before the last read's end a carried window is read again (points stored late) when it
     * cannot be known which late points were stored since (the listener for them was not listening).
     */
    static final long CARRY_OVERLAP_MS = 120_000L;
    /**
     * As {@link #CARRY_OVERLAP_MS} while late points are announced ({@link LatePoints}): points older
     * than {@link LatePoints#LATE_AFTER_MS} when written are announced and read from their time on;
     * the 15 s beyond it are for the time from a write's COPY to its commit and for the clocks of
     * collectors sharing the database.
     */
    static final long CARRY_SHORT_OVERLAP_MS = LatePoints.LATE_AFTER_MS + 15_000L;
    /**
     * A carried window is read in full again at least this often (points stored later than the
     * overlap): when its end passes a multiple of it, shifted by the caller's {@link ReadCarry#phase},
     * so that rule groups given spread phases do so in different rounds rather than all in one
     * (ten groups of the rule bench re-reading 5,000 series each at once made a round's slowest).
     */
    static final long CARRY_FULL_READ_MS = 300_000L;
    /** Samples a rule group's carry holds at most (24 bytes each); past it, its windows are read in full. */
    static final long CARRY_MAX_SAMPLES = 1_000_000L;
    /** {@link #CARRY_MAX_SAMPLES}, lowered by tests. */
    volatile long carryMaxSamples = CARRY_MAX_SAMPLES;

    /** What one rule group's batched reads keep for the next, per window length. */
    static final class Carried {
        final Map<Long, Window> byLength = new HashMap<>();
        long samples;
    }

    /**
     * One window's read: its bounds, up to where it was last read in full, the series read (sorted,
     * each once) and their rows at the same index (null: none).
     */
    static final class Window {
        final long fromMs;
        final long toMs;
        final long fullReadToMs;
        final long[] ids;
        final RawRows[] rows;
        final long samples;
        /** How many of the rows came from the database (the others were carried). */
        final long fromDatabase;
        /** Where the late-point listener stood when this read began (null: none). */
        final LatePoints.Mark mark;
        /** From when on (ms) this read took rows from the database (Long.MIN_VALUE or fromMs: all). */
        final long sinceMs;

        Window(long fromMs, long toMs, long fullReadToMs, long[] ids, RawRows[] rows, long fromDatabase,
               LatePoints.Mark mark, long sinceMs) {
            this.fromDatabase = fromDatabase;
            this.mark = mark;
            this.sinceMs = sinceMs;
            this.fromMs = fromMs;
            this.toMs = toMs;
            this.fullReadToMs = fullReadToMs;
            this.ids = ids;
            this.rows = rows;
            long n = 0;
            for (RawRows r : rows) {
                n += r == null ? 0 : r.size;
            }
            this.samples = n;
        }
    }

    /** One series' rows as stored, in time order: exact times (microseconds since the epoch) and values. */
    static final class RawRows {
        final long[] us;
        final double[] v;
        final int size;

        RawRows(long[] us, double[] v) {
            this.us = us;
            this.v = v;
            this.size = us.length;
        }

        /** The first index whose time is at or after micros. */
        int lowerBound(long micros) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (us[mid] < micros) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** The samples a read of [fromMs, maxT] keeps, as {@link #rawQuery} does. */
        Samples samples(long fromMs, long maxT) {
            Samples out = new Samples(size);
            for (int i = 0; i < size; i++) {
                long t = epochMillisOfMicros(us[i]);
                if (t >= fromMs && t <= maxT) {
                    out.add(t, v[i]);
                }
            }
            return out;
        }
    }

    /** Rows as the database sent them, in (series, time) order, in flat arrays. */
    static final class Flat {
        static final Flat EMPTY = new Flat(0);
        long[] ids;
        long[] us;
        double[] v;
        int size;

        Flat(int capacity) {
            ids = new long[capacity];
            us = new long[capacity];
            v = new double[capacity];
        }

        void add(long id, long micros, double value) {
            if (size == ids.length) {
                int cap = Math.max(1024, size * 2);
                ids = Arrays.copyOf(ids, cap);
                us = Arrays.copyOf(us, cap);
                v = Arrays.copyOf(v, cap);
            }
            ids[size] = id;
            us[size] = micros;
            v[size] = value;
            size++;
        }

        /**
         * Gives each series of {@code sorted} its rows at the same index of {@code out}: those of
         * {@code before[i]} (when given) with times in [fromUs, untilUs), then these rows of the series.
         * Every series with a carried part gets its row even when the database sent none for it.
         */
        void distribute(long[] sorted, RawRows[] out, RawRows[] before, long fromUs, long untilUs) {
            int r = 0;
            for (int i = 0; i < sorted.length; i++) {
                long id = sorted[i];
                while (r < size && ids[r] < id) {
                    r++; // not asked for (cannot happen: the query binds these ids)
                }
                int start = r;
                while (r < size && ids[r] == id) {
                    r++;
                }
                int a = 0;
                int b = 0;
                RawRows old = before == null ? null : before[i];
                if (old != null) {
                    a = old.lowerBound(fromUs);
                    b = Math.max(a, old.lowerBound(untilUs));
                }
                int n = (b - a) + (r - start);
                if (n == 0) {
                    continue;
                }
                long[] t = new long[n];
                double[] x = new double[n];
                if (b > a) {
                    System.arraycopy(old.us, a, t, 0, b - a);
                    System.arraycopy(old.v, a, x, 0, b - a);
                }
                System.arraycopy(us, start, t, b - a, r - start);
                System.arraycopy(v, start, x, b - a, r - start);
                out[i] = new RawRows(t, x);
            }
        }
    }

    /** The raw rows of ids (sorted) with stored times in [fromMs, toMs], per series in time order. */
    private static Flat rawRows(Connection c, long[] ids, long fromMs, long toMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RAW_SQL)) {
            ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
            bindIdsAndRange(c, ps, ids, fromMs, toMs);
            Flat out = new Flat(Math.max(1024, ids.length * 8));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1), micros(rs, 2), rs.getDouble(3));
                }
            }
            return out;
        }
    }

    /** Whether these hints are read from the raw points whatever the rollups' state. */
    static boolean alwaysRaw(SelectHints hints) {
        return (hints.stepMs() < MINUTE && !counterEligible(hints)) || NEEDS_EVERY_SAMPLE.contains(hints.function());
    }

    /**
     * An instant query's rate or increase over a long window: on plain PostgreSQL served from the
     * 1-minute rollups' counter columns for its whole minutes (see {@link #counterRead}).
     */
    static boolean counterEligible(SelectHints hints) {
        return hints.stepMs() == 0 && hints.rangeMs() >= COUNTER_ROLLUP_MIN_RANGE_MS
                && COUNTER_FUNCTIONS.contains(hints.function());
    }

    /**
     * rate / increase over [start, end] with the whole minutes in the middle read from the 1-minute
     * rollups (the whole hours among them from the 1-hour rollups, where those are complete) and the
     * partial minutes at both edges read raw. Each minute (hour) with at least two samples
     * becomes its first and last sample joined by a summarized step ({@link CounterSteps}) carrying
     * the samples between them and their counter-reset correction; a minute of one sample is that
     * sample. So the engine's extrapolatedRate sees the same first and last sample, the same count
     * and the same corrections as over the raw points. Only minutes the rollups hold exactly are
     * used: complete ({@code minuteRollupsCompleteThrough}), aggregated with the counter columns
     * without a gap ({@code minuteCountersFrom}), and not older than the oldest raw partition (the
     * rollups outlive the points). A series with a minute lacking the columns (a NaN or staleness
     * marker, two values at one millisecond, rolled up before V17) or whose pieces do not join in
     * strictly increasing time is read raw. Empty when the window has too few whole minutes.
     */
    private Optional<List<Series>> counterRead(List<StoredSeries.Ref> refs, long[] ids, SelectHints hints)
            throws SQLException {
        if (new java.util.HashSet<>(refs.stream().map(StoredSeries.Ref::labels).toList()).size() != refs.size()) {
            return Optional.empty(); // the engine merges series of one label set: only raw samples merge
        }
        Optional<Instant> through = rollups.minuteRollupsCompleteThrough();
        Optional<Instant> countersFrom = rollups.minuteCountersFrom();
        if (through.isEmpty() || countersFrom.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> hoursThrough = rollups.hourRollupsCompleteThrough();
        long start = hints.startMs();
        long end = hints.endMs();
        try (Connection c = dataSource.getConnection()) {
            Optional<java.time.LocalDate> oldest = dev.peephole.collector.storage.PartitionMaintainer.oldestDay(c, "metric_points");
            if (oldest.isEmpty()) {
                return Optional.empty();
            }
            long lowest = Math.max(countersFrom.get().toEpochMilli(),
                    oldest.get().atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli());
            long from = Math.max(start, lowest);
            long b0 = Math.floorDiv(from + MINUTE - 1, MINUTE) * MINUTE;
            // whole minutes end at or before end: a point later than end by less than a millisecond is not in the raw read
            long b1 = Math.floorDiv(Math.min(end, through.get().toEpochMilli()), MINUTE) * MINUTE;
            if (b1 - b0 < 2 * MINUTE) {
                return Optional.empty();
            }
            // whole hours inside the whole minutes, from the hour rollups where complete
            long h0 = Math.floorDiv(b0 + HOUR - 1, HOUR) * HOUR;
            long h1 = Math.min(Math.floorDiv(b1, HOUR) * HOUR,
                    hoursThrough.map(Instant::toEpochMilli).map(w -> Math.floorDiv(w, HOUR) * HOUR).orElse(h0));
            if (h1 <= h0) {
                h0 = b1;
                h1 = b1;
            }
            // one snapshot for the pieces, so they join as the points stood at one moment
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                Map<Long, Samples> head = new HashMap<>();
                query(c, RAW_BEFORE_SQL, ids, start, b0, Long.MAX_VALUE, head);
                long minutesSettled = RollupBlockCache.settledBefore(false, through.get().toEpochMilli());
                long hoursSettled = hoursThrough.map(w -> RollupBlockCache.settledBefore(true, w.toEpochMilli()))
                        .orElse(Long.MIN_VALUE);
                Map<Long, List<CounterRows>> stretches = new HashMap<>();
                counterRows(c, false, ids, b0, h0, minutesSettled, stretches);
                if (h1 > h0) {
                    counterRows(c, true, ids, h0, h1, hoursSettled, stretches);
                    counterRows(c, false, ids, h1, b1, minutesSettled, stretches);
                }
                Map<Long, Samples> tail = new HashMap<>();
                query(c, RAW_PER_SERIES_SQL, ids, b1, end, end, tail);
                List<Long> rawIds = new ArrayList<>();
                Map<Long, Series> joined = new HashMap<>();
                for (StoredSeries.Ref ref : refs) {
                    Series s = join(ref, head.get(ref.id()), stretches.getOrDefault(ref.id(), List.of()),
                            tail.get(ref.id()));
                    if (s == null) {
                        rawIds.add(ref.id());
                    } else if (s.size() > 0) {
                        joined.put(ref.id(), s);
                    }
                }
                Map<Long, Samples> raw = new HashMap<>();
                if (!rawIds.isEmpty()) {
                    query(c, RAW_PER_SERIES_SQL, rawIds.stream().mapToLong(Long::longValue).toArray(), start, end, end, raw);
                }
                List<Series> out = new ArrayList<>(refs.size());
                for (StoredSeries.Ref ref : refs) {
                    Series s = joined.get(ref.id());
                    Samples r = raw.get(ref.id());
                    if (s != null) {
                        out.add(s);
                    } else if (r != null && r.size > 0) {
                        out.add(new Series(ref.labels(), Arrays.copyOf(r.t, r.size), Arrays.copyOf(r.v, r.size)));
                    }
                }
                return Optional.of(out);
            } finally {
                try {
                    c.rollback();
                } finally {
                    c.setReadOnly(false);
                    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    c.setAutoCommit(true);
                }
            }
        }
    }

    /**
     * Appends to each series' stretches its counter rows of one rollup table with buckets in
     * [fromMs, toMs): the blocks wholly before settledMs (which the rollup maintainer will not
     * write again) from {@link RollupBlockCache} where it holds them (read and kept where not), the
     * rest from the database.
     */
    private void counterRows(Connection c, boolean hourly, long[] ids, long fromMs, long toMs, long settledMs,
                             Map<Long, List<CounterRows>> stretches) throws SQLException {
        if (toMs <= fromMs) {
            return;
        }
        long blockMs = RollupBlockCache.blockMs(hourly, true);
        long first = Math.floorDiv(fromMs, blockMs) * blockMs;
        long end = Math.floorDiv(Math.min(toMs, settledMs), blockMs) * blockMs;
        long rest = fromMs;
        if (blocks.enabled() && end > first) {
            int n = (int) ((end - first) / blockMs);
            List<CounterRows[]> found = settledBlocks(c, hourly, true, ids, first, n, CounterRows.class,
                    (conn, missing, from, to) -> counterBlocks(conn, hourly, missing, from, n));
            for (int i = 0; i < ids.length; i++) {
                for (CounterRows block : found.get(i)) {
                    CounterRows rows = block.from(fromMs);
                    if (rows.size() > 0) {
                        stretches.computeIfAbsent(ids[i], k -> new ArrayList<>()).add(rows);
                    }
                }
            }
            rest = Math.max(fromMs, end);
        }
        for (Map.Entry<Long, CounterRows> e : CounterRows.read(c, hourly ? CounterRows.HOURS_SQL : CounterRows.MINUTES_SQL,
                ids, rest, toMs, StoredSeriesSource::bindIdsAndRange).entrySet()) {
            stretches.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
    }

    /** The counter rows of ids in the n blocks from fromMs, cut into blocks (empty ones too). */
    private static Map<Long, CounterRows[]> counterBlocks(Connection c, boolean hourly, long[] ids, long fromMs, int n)
            throws SQLException {
        long blockMs = RollupBlockCache.blockMs(hourly, true);
        Map<Long, CounterRows[]> out = new HashMap<>();
        for (Map.Entry<Long, CounterRows> e : CounterRows.read(c, hourly ? CounterRows.HOURS_SQL : CounterRows.MINUTES_SQL,
                ids, fromMs, fromMs + n * blockMs, StoredSeriesSource::bindIdsAndRange).entrySet()) {
            CounterRows rows = e.getValue();
            int[] starts = blockStarts(rows.bucket(), fromMs, blockMs, n);
            CounterRows[] row = new CounterRows[n];
            for (int b = 0; b < n; b++) {
                row[b] = starts[b] == starts[b + 1] ? CounterRows.EMPTY : rows.slice(starts[b], starts[b + 1]);
            }
            out.put(e.getKey(), row);
        }
        return out;
    }

    /**
     * Where each of n blocks of blockMs from fromMs starts among buckets (in order, none before
     * fromMs), and where the last ends: block b is [starts[b], starts[b + 1]).
     */
    private static int[] blockStarts(long[] buckets, long fromMs, long blockMs, int n) {
        int[] starts = new int[n + 1];
        int k = 0;
        for (int b = 0; b < n; b++) {
            starts[b] = k;
            long blockEnd = fromMs + (b + 1) * blockMs;
            while (k < buckets.length && buckets[k] < blockEnd) {
                k++;
            }
        }
        starts[n] = k;
        return starts;
    }

    /**
     * The raw head, the minutes and the raw tail of one series as one counter series with its
     * summarized steps; null when the pieces do not join in strictly increasing time (then the
     * series is read raw).
     */
    private static Series join(StoredSeries.Ref ref, Samples head, List<CounterRows> stretches, Samples tail) {
        int cap = (head == null ? 0 : head.size) + (tail == null ? 0 : tail.size);
        for (CounterRows m : stretches) {
            cap += 2 * m.size();
        }
        long[] t = new long[cap];
        double[] v = new double[cap];
        int[] hidden = new int[cap];
        double[] resets = new double[cap];
        Arrays.fill(hidden, -1);
        int n = 0;
        if (head != null) {
            for (int i = 0; i < head.size; i++) {
                if (n > 0 && head.t[i] <= t[n - 1]) {
                    return null;
                }
                t[n] = head.t[i];
                v[n++] = head.v[i];
            }
        }
        for (CounterRows rows : stretches) {
            for (int k = 0; k < rows.size(); k++) {
                long count = rows.count()[k]; // 0: the row lacks the counter columns
                if ((n > 0 && rows.firstT()[k] <= t[n - 1]) || count < 1 || count - 2 > Integer.MAX_VALUE
                        || (count == 1) != (rows.firstT()[k] == rows.lastT()[k])) {
                    return null;
                }
                t[n] = rows.firstT()[k];
                v[n++] = rows.firstV()[k];
                if (count >= 2) {
                    hidden[n - 1] = (int) (count - 2);
                    resets[n - 1] = rows.resets()[k];
                    t[n] = rows.lastT()[k];
                    v[n++] = rows.lastV()[k];
                }
            }
        }
        if (tail != null) {
            for (int i = 0; i < tail.size; i++) {
                if (n > 0 && tail.t[i] <= t[n - 1]) {
                    return null;
                }
                t[n] = tail.t[i];
                v[n++] = tail.v[i];
            }
        }
        return new Series(ref.labels(), Arrays.copyOf(t, n), Arrays.copyOf(v, n),
                new CounterSteps(Arrays.copyOf(hidden, n), Arrays.copyOf(resets, n)));
    }

    /** Which table serves these hints, and up to where (exclusive) it is complete. */
    private record Plan(String table, long rollupUntilMs) {
    }

    Plan plan(SelectHints hints) throws SQLException {
        if (NEEDS_EVERY_SAMPLE.contains(hints.function())) {
            return new Plan(null, Long.MIN_VALUE);
        }
        boolean timescale = timescale();
        if (hints.stepMs() >= HOUR) {
            Optional<Instant> through = timescale ? Optional.of(Instant.ofEpochMilli(Long.MAX_VALUE / 2))
                    : rollups.hourRollupsCompleteThrough();
            if (through.isPresent()) {
                return new Plan("metric_rollup_1h", through.get().toEpochMilli());
            }
        }
        if (hints.stepMs() >= MINUTE) {
            Optional<Instant> through = timescale ? Optional.of(Instant.ofEpochMilli(Long.MAX_VALUE / 2))
                    : rollups.minuteRollupsCompleteThrough();
            if (through.isPresent()) {
                return new Plan("metric_rollup_1m", through.get().toEpochMilli());
            }
        }
        return new Plan(null, Long.MIN_VALUE);
    }

    private boolean timescale() {
        return schema.flavour().orElse(StorageFlavour.POSTGRES) == StorageFlavour.TIMESCALEDB;
    }

    private Map<Long, Samples> read(long[] ids, SelectHints hints) throws SQLException {
        return read(ids, hints, plan(hints));
    }

    private Map<Long, Samples> read(long[] ids, SelectHints hints, Plan plan) throws SQLException {
        Map<Long, Samples> out = new HashMap<>();
        long rawFrom = hints.startMs();
        try (Connection c = dataSource.getConnection()) {
            if (plan.table() != null && plan.rollupUntilMs() > hints.startMs()) {
                long until = Math.min(plan.rollupUntilMs(), hints.endMs() + 1);
                long from = hints.startMs();
                if (!timescale() && blocks.enabled()) {
                    // the settled blocks from memory (read once and kept), the rest as before
                    from = readSettledBlocks(c, plan, ids, from, until, hints.endMs(), out);
                }
                // Buckets that start inside the range and end before the rollups' watermark.
                String sql = timescale()
                        // continuous aggregates (views with a real-time part): one aggregate over all series, as before
                        ? "SELECT series_id, array_agg((date_part('epoch', last_t) * 1000)::bigint ORDER BY bucket), "
                                + "array_agg(last_v ORDER BY bucket) FROM " + plan.table()
                                + " WHERE series_id = ANY (?) AND bucket >= ? AND bucket < ? GROUP BY series_id"
                        : plan.table().equals("metric_rollup_1h") ? ROLLUP_1H_SQL : ROLLUP_1M_SQL;
                if (from < until) {
                    query(c, sql, ids, from, until, hints.endMs(), out);
                }
                rawFrom = until;
            }
            if (rawFrom <= hints.endMs()) {
                if (timescale()) {
                    rawQuery(c, ids, rawFrom, hints.endMs(), hints.endMs(), out);
                } else {
                    query(c, RAW_PER_SERIES_SQL, ids, rawFrom, hints.endMs(), hints.endMs(), out);
                }
            }
        }
        return out;
    }

    /**
     * Reads the rollup buckets of ids from the start of the range that lie in blocks the rollup
     * maintainer will not write again, from {@link RollupBlockCache} where it holds them and from
     * the database (then kept) where not, into out exactly as {@link #query} would have read them
     * (buckets from fromMs on; samples with fromMs <= t <= maxT). Returns where the rest of the
     * rollup read starts: the first bucket not read here (fromMs when nothing was).
     */
    private long readSettledBlocks(Connection c, Plan plan, long[] ids, long fromMs, long untilMs, long maxT,
                                   Map<Long, Samples> out) throws SQLException {
        boolean hourly = plan.table().equals("metric_rollup_1h");
        long bucketMs = hourly ? HOUR : MINUTE;
        long blockMs = RollupBlockCache.blockMs(hourly, false);
        long settled = RollupBlockCache.settledBefore(hourly, plan.rollupUntilMs());
        long first = Math.floorDiv(fromMs, blockMs) * blockMs;
        long end = Math.floorDiv(Math.min(untilMs, settled), blockMs) * blockMs;
        if (end <= first) {
            return fromMs;
        }
        int n = (int) ((end - first) / blockMs);
        List<RollupBlockCache.Block[]> found = settledBlocks(c, hourly, false, ids, first, n, RollupBlockCache.Block.class,
                (conn, missing, from, to) -> readBlocks(conn, hourly ? BLOCKS_1H_SQL : BLOCKS_1M_SQL, missing, from, to,
                        blockMs, bucketMs));
        for (int i = 0; i < ids.length; i++) {
            Samples current = null;
            int held = 0;
            for (int b = 0; b < n; b++) {
                held += found.get(i)[b].t().length;
            }
            for (int b = 0; b < n; b++) {
                RollupBlockCache.Block block = found.get(i)[b];
                long blockStart = first + b * blockMs;
                int firstRow = -1;
                int runAt = 0;
                for (int j = 0; j < block.t().length; j++) {
                    long t = block.t()[j];
                    if (blockStart + block.bucket()[j] * bucketMs >= fromMs && t >= fromMs && t <= maxT) {
                        if (current == null) {
                            current = out.computeIfAbsent(ids[i], k -> new Samples(0));
                            current.reserve(held);
                        }
                        if (firstRow < 0) {
                            firstRow = j;
                            runAt = current.size;
                        }
                        current.add(t, block.v()[j]);
                    }
                }
                if (firstRow >= 0) {
                    // The rows kept are consecutive (time and bucket grow with the row): one run.
                    current.fromBlocks().add(runAt, current.size - runAt, block, firstRow);
                }
            }
        }
        return end;
    }

    /** Reads the blocks [fromMs, toMs) of ids (those the cache lacks) cut into blocks, by series id. */
    @FunctionalInterface
    private interface BlockRead<B> {
        Map<Long, B[]> read(Connection c, long[] ids, long fromMs, long toMs) throws SQLException;
    }

    /**
     * The n blocks of one table and form from first on of each of ids (in the order of ids):
     * a series' from {@link RollupBlockCache} when it holds all n of them, else read (in one query
     * for all such series) and kept; a series without rows gets empty blocks.
     */
    private <B extends RollupBlockCache.Entry> List<B[]> settledBlocks(Connection c, boolean hourly, boolean counters,
                                                                      long[] ids, long first, int n, Class<B> form,
                                                                      BlockRead<B> read) throws SQLException {
        long blockMs = RollupBlockCache.blockMs(hourly, counters);
        List<B[]> found = new ArrayList<>(ids.length);
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            @SuppressWarnings("unchecked")
            B[] row = (B[]) java.lang.reflect.Array.newInstance(form, n);
            boolean all = true;
            for (int b = 0; b < n; b++) {
                row[b] = blocks.get(new RollupBlockCache.Key(hourly, counters, ids[i], first + b * blockMs), form);
                all &= row[b] != null;
            }
            found.add(all ? row : null);
            if (!all) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            long[] missingIds = new long[missing.size()];
            for (int k = 0; k < missingIds.length; k++) {
                missingIds[k] = ids[missing.get(k)];
            }
            Map<Long, B[]> fetched = read.read(c, missingIds, first, first + n * blockMs);
            B empty = form.cast(counters ? CounterRows.EMPTY : RollupBlockCache.Block.EMPTY);
            for (int i : missing) {
                B[] row = fetched.get(ids[i]);
                if (row == null) {
                    @SuppressWarnings("unchecked")
                    B[] none = (B[]) java.lang.reflect.Array.newInstance(form, n);
                    Arrays.fill(none, empty);
                    row = none;
                }
                for (int b = 0; b < n; b++) {
                    blocks.put(new RollupBlockCache.Key(hourly, counters, ids[i], first + b * blockMs), row[b]);
                }
                found.set(i, row);
            }
        }
        return found;
    }

    /** The rollup rows of ids with buckets in [fromMs, toMs), cut into blocks of blockMs (empty ones too). */
    private static Map<Long, RollupBlockCache.Block[]> readBlocks(Connection c, String sql, long[] ids, long fromMs,
                                                                  long toMs, long blockMs, long bucketMs)
            throws SQLException {
        int n = (int) ((toMs - fromMs) / blockMs);
        Map<Long, RollupBlockCache.Block[]> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindIdsAndRange(c, ps, ids, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ByteBuffer buckets = arrayElements(rs.getBytes(2));
                    ByteBuffer times = arrayElements(rs.getBytes(3));
                    ByteBuffer values = arrayElements(rs.getBytes(4));
                    int rows = buckets.getInt();
                    if (times.getInt() != rows || values.getInt() != rows) {
                        throw new SQLException("buckets, times and values differ in length");
                    }
                    long[] bs = new long[rows];
                    long[] ts = new long[rows];
                    double[] vs = new double[rows];
                    for (int k = 0; k < rows; k++) {
                        buckets.getInt(); // element length (8; the aggregated columns are NOT NULL)
                        times.getInt();
                        values.getInt();
                        bs[k] = buckets.getLong();
                        ts[k] = times.getLong();
                        vs[k] = values.getDouble();
                    }
                    int[] starts = blockStarts(bs, fromMs, blockMs, n);
                    RollupBlockCache.Block[] row = new RollupBlockCache.Block[n];
                    for (int b = 0; b < n; b++) {
                        int from = starts[b];
                        int to = starts[b + 1];
                        if (from == to) {
                            row[b] = RollupBlockCache.Block.EMPTY;
                            continue;
                        }
                        long blockStart = fromMs + b * blockMs;
                        short[] index = new short[to - from];
                        for (int j = from; j < to; j++) {
                            index[j - from] = (short) ((bs[j] - blockStart) / bucketMs);
                        }
                        row[b] = new RollupBlockCache.Block(Arrays.copyOfRange(ts, from, to), Arrays.copyOfRange(vs, from, to),
                                index);
                    }
                    out.put(rs.getLong(1), row);
                }
            }
        }
        return out;
    }

    /**
     * Runs a query of (series_id, t ms[], v[]) — one row a series, its samples in time order,
     * aggregated into arrays by the server (a row per sample costs far more to transfer) —
     * bound to ids, [fromMs, toMs]; keeps samples with fromMs <= t <= maxT.
     */
    private static void query(Connection c, String sql, long[] ids, long fromMs, long toMs, long maxT,
                              Map<Long, Samples> out) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindIdsAndRange(c, ps, ids, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                boolean sent = rs.getMetaData().getColumnType(2) == java.sql.Types.BINARY;
                while (rs.next()) {
                    Samples current = out.computeIfAbsent(rs.getLong(1), k -> new Samples());
                    if (sent) {
                        // array_send: the arrays' binary form, read straight into primitives
                        ByteBuffer times = arrayElements(rs.getBytes(2));
                        ByteBuffer values = arrayElements(rs.getBytes(3));
                        int n = times.getInt();
                        if (values.getInt() != n) {
                            throw new SQLException("times and values differ in length");
                        }
                        current.reserve(n);
                        for (int i = 0; i < n; i++) {
                            times.getInt(); // element length (8; the aggregated columns are NOT NULL)
                            values.getInt();
                            long t = times.getLong();
                            double v = values.getDouble();
                            if (t >= fromMs && t <= maxT) {
                                current.add(t, v);
                            }
                        }
                        continue;
                    }
                    Object[] times = (Object[]) rs.getArray(2).getArray();
                    Object[] values = (Object[]) rs.getArray(3).getArray();
                    for (int i = 0; i < times.length; i++) {
                        long t = (Long) times[i];
                        if (t >= fromMs && t <= maxT) {
                            current.add(t, (Double) values[i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Reads raw points of ids in [fromMs, toMs] (keeping samples with t <= maxT) with binary
     * transfer of the rows ({@code series_id, t, v}); the timestamps are turned into epoch
     * milliseconds exactly as the SQL {@code (date_part('epoch', t) * 1000)::bigint} does (to the
     * nearest millisecond, ties to even), so sub-millisecond stored times read as before.
     */
    private static void rawQuery(Connection c, long[] ids, long fromMs, long toMs, long maxT, Map<Long, Samples> out)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RAW_SQL)) {
            // Negative threshold: binary results from the first execution on (pgjdbc's forceBinary).
            ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
            bindIdsAndRange(c, ps, ids, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                long currentId = Long.MIN_VALUE;
                Samples current = null;
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (current == null || id != currentId) {
                        currentId = id;
                        current = out.computeIfAbsent(id, k -> new Samples());
                    }
                    long t = epochMillisOfMicros(micros(rs, 2));
                    if (t >= fromMs && t <= maxT) {
                        current.add(t, rs.getDouble(3));
                    }
                }
            }
        }
    }

    /**
     * A timestamp in epoch milliseconds as PostgreSQL's {@code (date_part('epoch', t) * 1000)::bigint}
     * computes it: epoch seconds as the nearest double to the exact microseconds / 10^6, times 1000,
     * rounded half to even.
     */
    static long epochMillis(Timestamp ts) {
        return epochMillisOfMicros(Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000);
    }

    /** Microseconds from 1970 to PostgreSQL's epoch, 2000-01-01 UTC. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /**
     * A timestamptz column's exact time in microseconds since the epoch. Read in binary (as
     * {@link #rawQuery} asks) the value is PostgreSQL's own: 8 bytes, microseconds since 2000-01-01
     * UTC, taken as they are; decoding a {@link Timestamp} for each row was most of the Java side of a
     * rule group's read (JFR: 70 of its 94 samples). Text values and infinities go through
     * {@link ResultSet#getTimestamp}.
     */
    static long micros(ResultSet rs, int column) throws SQLException {
        byte[] b = rs.getBytes(column);
        if (b != null && b.length == 8) {
            long pg = ((b[0] & 0xFFL) << 56) | ((b[1] & 0xFFL) << 48) | ((b[2] & 0xFFL) << 40) | ((b[3] & 0xFFL) << 32)
                    | ((b[4] & 0xFFL) << 24) | ((b[5] & 0xFFL) << 16) | ((b[6] & 0xFFL) << 8) | (b[7] & 0xFFL);
            if (pg != Long.MAX_VALUE && pg != Long.MIN_VALUE) {
                return pg + PG_EPOCH_MICROS;
            }
        }
        Timestamp ts = rs.getTimestamp(column);
        return Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000;
    }

    /** {@link #epochMillis(Timestamp)} of a time in microseconds since the epoch. */
    static long epochMillisOfMicros(long micros) {
        if (micros % 1000 == 0) {
            return micros / 1000;
        }
        return (long) Math.rint(micros / 1e6 * 1000.0);
    }

    /**
     * PostgreSQL's binary array form ({@code array_send}) of a one-dimensional array without
     * nulls, positioned at its element count (followed by each element's length and bytes).
     */
    static ByteBuffer arrayElements(byte[] sent) throws SQLException {
        ByteBuffer b = ByteBuffer.wrap(sent); // big-endian, as PostgreSQL sends
        int dims = b.getInt();
        int hasNulls = b.getInt();
        b.getInt(); // element type
        if (dims == 0) {
            return ByteBuffer.wrap(new byte[4]);
        }
        if (dims != 1 || hasNulls != 0) {
            throw new SQLException("unexpected array: " + dims + " dimensions, nulls " + hasNulls);
        }
        ByteBuffer rest = b.slice();
        int n = rest.getInt(0);
        rest.putInt(4, n); // the lower bound's slot now holds the count
        rest.position(4);
        return rest;
    }

    /** Binds a read's parameters: the series ids, then the time range [fromMs, toMs]. */
    private static void bindIdsAndRange(Connection c, PreparedStatement ps, long[] ids, long fromMs, long toMs)
            throws SQLException {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
        }
        ps.setArray(1, c.createArrayOf("bigint", boxed));
        ps.setTimestamp(2, Timestamp.from(Instant.ofEpochMilli(fromMs)));
        ps.setTimestamp(3, Timestamp.from(Instant.ofEpochMilli(toMs)));
    }

    /** A growable pair of arrays. */
    private static final class Samples {
        long[] t;
        double[] v;
        int size;
        private BlockText.Runs blockRuns;

        Samples() {
            this(64);
        }

        Samples(int capacity) {
            t = new long[Math.max(1, capacity)];
            v = new double[Math.max(1, capacity)];
        }

        /**
         * Room for more samples at once (one copy instead of a doubling chain, when the count is
         * known), and an eighth more: a range read from the settled rollup blocks is followed by the
         * current hour's rollup rows and the raw points after them, which then fit without the
         * arrays being copied (and doubled) again; a day's range query for 100 series allocated
         * about 11 MB a request in these arrays, mostly such copies.
         */
        void reserve(int more) {
            int need = size + more;
            if (need > t.length) {
                int capacity = need + (need >> 3);
                t = Arrays.copyOf(t, capacity);
                v = Arrays.copyOf(v, capacity);
            }
        }

        /** Where runs of these samples came from settled rollup blocks (for their values' text). */
        BlockText.Runs fromBlocks() {
            if (blockRuns == null) {
                blockRuns = new BlockText.Runs();
            }
            return blockRuns;
        }

        /** The samples as a series with these labels, with their values' text where blocks have it. */
        Series series(Labels labels) {
            return new Series(labels, Arrays.copyOf(t, size), Arrays.copyOf(v, size), null,
                    blockRuns == null ? null : blockRuns.text());
        }

        void add(long time, double value) {
            if (size > 0 && time <= t[size - 1]) {
                return; // keep time strictly increasing (duplicates from a retried batch or overlapping reads)
            }
            if (size == t.length) {
                t = Arrays.copyOf(t, size * 2);
                v = Arrays.copyOf(v, size * 2);
            }
            t[size] = time;
            v[size] = value;
            size++;
        }
    }
}
