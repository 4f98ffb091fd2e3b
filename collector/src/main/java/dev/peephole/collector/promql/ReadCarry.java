package dev.peephole.collector.promql;

/**
 * What a storage may keep from one batched read ({@link SeriesSource#prefetch(java.util.Collection, ReadCarry)})
 * to the next made for the same caller, such as a rule group evaluated every interval, whose windows
 * move by the interval from one evaluation to the next. The caller holds one per sequence of reads
 * and never looks inside; the storage decides what it keeps and when it reads everything again.
 */
public final class ReadCarry {
    private Object state;

    /** What the storage kept last time (null: nothing). */
    public synchronized Object state() {
        return state;
    }

    public synchronized void state(Object kept) {
        this.state = kept;
    }
}
