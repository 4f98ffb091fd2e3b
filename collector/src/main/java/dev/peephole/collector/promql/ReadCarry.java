package dev.peephole.collector.promql;

/**
 * What a storage may keep from one batched read ({@link SeriesSource#prefetch(java.util.Collection, ReadCarry)})
 * to the next made for the same caller, such as a rule group evaluated every interval, whose windows
 * move by the interval from one evaluation to the next. The caller holds one per sequence of reads
 * and never looks inside; the storage decides what it keeps and when it reads everything again.
 */
public final class ReadCarry {
    private Object state;
    private volatile double phase;

    /**
     * Where in the storage's cycle of full reads (if it has one) this caller's fall, in [0, 1):
     * callers of one collector given phases spread over [0, 1) re-read everything at different
     * times instead of all in the same round.
     */
    public double phase() {
        return phase;
    }

    public void phase(double phase) {
        if (!(phase >= 0 && phase < 1)) {
            throw new IllegalArgumentException("phase must be in [0, 1): " + phase);
        }
        this.phase = phase;
    }

    /** What the storage kept last time (null: nothing). */
    public synchronized Object state() {
        return state;
    }

    public synchronized void state(Object kept) {
        this.state = kept;
    }
}
