package dev.peephole.collector.prometheus;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.SampleText;
import dev.peephole.collector.storage.RollupMaintainer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stretches of plain PostgreSQL's rollup tables that no longer change, kept in memory for the
 * range queries that read them again: a dashboard over 24 h refreshed every minute reads the same
 * 1,440 minute rows of each series each time, and that read (PostgreSQL's scan and the transfer)
 * was most of such a query's cost once its JSON got cheap; a day-long rate or increase reads the
 * same hour rows and edge minutes in the counter form ({@link CounterRows}). A block is one series'
 * buckets of one aligned hour or day ({@link #blockMs}) in one of the two forms, cached only once
 * the rollup maintainer will not write it again (see {@code RollupMaintainer}: minutes more than its
 * restatement reach behind its watermark, hours more than an hour behind theirs). Entries live at most {@link #TTL}, so a
 * retention drop (by this or another collector sharing the database) shows within that time.
 * Bounded by weight ({@code PEEPHOLE_QUERY_ROLLUP_CACHE_MB}; 0 turns it off); least recently used
 * blocks go first.
 */
@Singleton
public class RollupBlockCache {

    /** Longest an entry is served after it was read from the database. */
    static final Duration TTL = Duration.ofMinutes(10);

    /**
     * Which rollup table, which form (the last samples as {@link Block}, or the counter form as
     * {@link CounterRows}), which series, and the block's first bucket (epoch ms, aligned to the
     * block length).
     */
    record Key(boolean hourly, boolean counters, long seriesId, long blockStartMs) {
    }

    /**
     * A block's length. In the last-sample form (range queries) an hour of minute rows, a day of
     * hour rows (range queries with a step of hours read days of them). In the counter form (a
     * long window's rate, whose window starts and ends at any minute and moves on each refresh)
     * ten minutes of minute rows and an hour (one row) of hour rows, so all but the last few
     * minutes at its end are settled blocks (with hour blocks of minutes, up to the 60 minutes
     * since the last whole hour were read from the database each time).
     */
    static long blockMs(boolean hourly, boolean counters) {
        if (!counters) {
            return hourly ? DAY_MS : HOUR_MS;
        }
        return hourly ? HOUR_MS : 10 * MINUTE_MS;
    }

    /**
     * Where the buckets the rollup maintainer will not write again end, given its watermark (epoch
     * ms): it re-aggregates minutes from {@code RollupMaintainer.RESTATE} before the minute
     * watermark on, hours from an hour before theirs. Only blocks wholly before this are kept.
     */
    static long settledBefore(boolean hourly, long watermarkMs) {
        return watermarkMs - (hourly ? HOUR_MS : RollupMaintainer.RESTATE.toMillis());
    }

    private static final long MINUTE_MS = 60_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 24 * HOUR_MS;

    /** What a block holds; its weight is about the bytes it takes. */
    interface Entry {
        int weight();
    }

    /**
     * A block's rows in bucket order: the bucket's last sample (time in epoch ms, value) and the
     * bucket's index within the block (the query's start may cut a block at a bucket boundary).
     * The API text of the values is made the first time a query's answer writes them as they are
     * (a plain selector's does; a sum's or a rate's does not), and kept: a dashboard refreshing a
     * day of a gauge then copies bytes where it formatted 144,000 doubles (see {@link SampleText}).
     */
    static final class Block implements Entry {
        static final Block EMPTY = new Block(new long[0], new double[0], new short[0]);

        /** Bytes a value's text takes, on average, as the weight counts it (an end offset and about 20 characters). */
        static final int TEXT_WEIGHT_PER_VALUE = 24;

        private final long[] t;
        private final double[] v;
        private final short[] bucket;
        /** The values' text, one after the other, and where each ends; null until first written. */
        private volatile Text text;

        private record Text(byte[] chars, int[] ends) {
        }

        Block(long[] t, double[] v, short[] bucket) {
            this.t = t;
            this.v = v;
            this.bucket = bucket;
        }

        long[] t() {
            return t;
        }

        double[] v() {
            return v;
        }

        short[] bucket() {
            return bucket;
        }

        /**
         * Weighed with the text it may be given (Caffeine weighs an entry once, when it is put), so
         * a block whose values are never written as they are weighs about twice what it takes.
         */
        @Override
        public int weight() {
            return 64 + t.length * (18 + TEXT_WEIGHT_PER_VALUE);
        }

        /** {@link SampleText#put} for row j of this block. */
        int putText(int j, double value, byte[] dst, int pos) {
            if (Double.doubleToRawLongBits(v[j]) != Double.doubleToRawLongBits(value)) {
                return -1;
            }
            Text made = text;
            if (made == null) {
                // Two queries may make it at once: the same bytes, and either one is kept.
                made = format(v);
                text = made;
            }
            int from = j == 0 ? 0 : made.ends[j - 1];
            int len = made.ends[j] - from;
            System.arraycopy(made.chars, from, dst, pos, len);
            return pos + len;
        }

        private static Text format(double[] values) {
            byte[] chars = new byte[values.length * PromQLFormat.MAX_API_VALUE_BYTES];
            int[] ends = new int[values.length];
            int p = 0;
            for (int j = 0; j < values.length; j++) {
                p = PromQLFormat.putApiValue(chars, p, values[j]);
                ends[j] = p;
            }
            return new Text(java.util.Arrays.copyOf(chars, p), ends);
        }
    }

    private final Cache<Key, Entry> cache;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    public RollupBlockCache(@Value("${peephole.query.rollup.cache.mb:64}") long megabytes, MeterRegistry meters) {
        this.cache = megabytes <= 0 ? null : Caffeine.newBuilder()
                .maximumWeight(megabytes << 20)
                .weigher((Key k, Entry e) -> e.weight())
                .expireAfterWrite(TTL)
                .build();
        FunctionCounter.builder("peephole.query.rollup.cache.hits", hits, LongAdder::doubleValue)
                .description("rollup blocks a range query took from memory").register(meters);
        FunctionCounter.builder("peephole.query.rollup.cache.misses", misses, LongAdder::doubleValue)
                .description("rollup blocks a range query read from the database (and then kept)").register(meters);
        Gauge.builder("peephole.query.rollup.cache.bytes", this, RollupBlockCache::weightedBytes)
                .description("approximate bytes the cached rollup blocks take").register(meters);
    }

    boolean enabled() {
        return cache != null;
    }

    /** The block, or null (not cached, or the cache is off); counts the hit or miss. */
    <E extends Entry> E get(Key key, Class<E> form) {
        Entry e = cache == null ? null : cache.getIfPresent(key);
        (e == null ? misses : hits).increment();
        return e == null ? null : form.cast(e);
    }

    void put(Key key, Entry block) {
        if (cache != null) {
            cache.put(key, block);
        }
    }

    /** Drops every block (tests; a restore into a running database). */
    public void clear() {
        if (cache != null) {
            cache.invalidateAll();
        }
    }

    private double weightedBytes() {
        return cache == null ? 0 : cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }
}
