package dev.peephole.agent.core.transport;

import dev.peephole.proto.v1.MetricSeries;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What waits to be batched: finished spans and metric series. Both queues are bounded; a full
 * queue drops its oldest entry and counts it. Offering a span never blocks on I/O and never allocates,
 * so app threads pay little for it.
 */
public final class Buffer {
    /**
     * Ended spans: the SDK's {@link ReadableSpan} as the app thread hands it over (turned into
     * {@link SpanData} by the sender thread, as OpenTelemetry's batch processor does, so the
     * app's thread does not pay for the copy), or a SpanData already made. A ring of
     * {@code maxSpans} slots under one lock: an offer is one uncontended lock and a slot write
     * (no node to allocate, no counters to bump apart from a drop), and when the ring is full
     * the new span overwrites the oldest, which is counted as dropped.
     */
    private final Object[] spanRing;
    private int spanHead; // the oldest span's slot; guarded by spanRing
    private int spanCount; // guarded by spanRing
    /**
     * Spans the sender thread has taken from the ring and encoded (the protocol's {@code Span}
     * message bytes), oldest first, waiting for a batch. Held as one byte array each, not as the
     * SDK's span objects: what waits here is alive at every young GC, and copying one array is
     * much cheaper for the collector than copying a span's dozen objects (ids, attributes, map).
     * Sender thread only; the count is read by others. Ring and encoded together stay within
     * {@code maxSpans}: the oldest encoded span makes room and is counted as dropped.
     */
    private final ArrayDeque<byte[]> encoded = new ArrayDeque<>();
    private volatile int encodedCount;
    private volatile long encodedBytes;
    private final ConcurrentLinkedQueue<MetricSeries> series = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pointCount = new AtomicInteger();
    private final int maxSpans;
    private final int maxPoints;
    private final int wakeAtSpans;
    final AtomicLong droppedSpans = new AtomicLong();
    final AtomicLong droppedPoints = new AtomicLong();
    private volatile Runnable wakeUp = () -> { };

    public Buffer(int maxSpans, int maxPoints, int wakeAtSpans) {
        this.maxSpans = Math.max(1, maxSpans);
        this.maxPoints = Math.max(1, maxPoints);
        this.wakeAtSpans = Math.max(1, wakeAtSpans);
        this.spanRing = new Object[this.maxSpans];
    }

    void onFull(Runnable wakeUp) {
        this.wakeUp = wakeUp;
    }

    public void offerSpan(SpanData span) {
        offer(span);
    }

    /** An ended span, converted later on the sender's thread. */
    public void offerSpan(ReadableSpan span) {
        offer(span);
    }

    private void offer(Object span) {
        Object[] ring = spanRing;
        int n;
        boolean dropped = false;
        synchronized (ring) {
            n = spanCount;
            if (n == ring.length) {
                ring[spanHead] = span; // the oldest makes room
                spanHead = spanHead + 1 == ring.length ? 0 : spanHead + 1;
                dropped = true;
            } else {
                int slot = spanHead + n;
                ring[slot >= ring.length ? slot - ring.length : slot] = span;
                spanCount = ++n;
            }
        }
        if (dropped) {
            droppedSpans.incrementAndGet();
        } else if (n == wakeAtSpans) {
            wakeUp.run();
        }
    }

    public void offerSeries(MetricSeries s) {
        int points = Math.max(1, s.getPointsCount() + s.getHistogramPointsCount());
        series.offer(s);
        int n = pointCount.addAndGet(points);
        while (n > maxPoints) {
            MetricSeries old = series.poll();
            if (old == null) {
                break;
            }
            int p = Math.max(1, old.getPointsCount() + old.getHistogramPointsCount());
            droppedPoints.addAndGet(p);
            n = pointCount.addAndGet(-p);
        }
    }

    public SpanData pollSpan() {
        Object[] ring = spanRing;
        Object s;
        synchronized (ring) {
            if (spanCount == 0) {
                return null;
            }
            s = ring[spanHead];
            ring[spanHead] = null;
            spanHead = spanHead + 1 == ring.length ? 0 : spanHead + 1;
            spanCount--;
        }
        return s instanceof ReadableSpan ? ((ReadableSpan) s).toSpanData() : (SpanData) s;
    }

    /** {@link #encodeWaiting(boolean)} with a stream to send on. */
    int encodeWaiting() {
        return encodeWaiting(true);
    }

    /**
     * Sender thread: moves every span waiting in the ring into the encoded queue (one at a time
     * under the ring's lock, encoded outside it, so an app thread offering a span never waits long), dropping the
     * oldest encoded ones past {@code maxSpans}. Returns how many were moved.
     *
     * <p>With no stream to send on ({@code sendable} false) the spans already held stay, and those
     * that do not fit beside them are dropped (and counted) without being converted. Converting
     * every new span only to drop the oldest one a moment later cost the app CPU and allocation
     * while the collector was away (JMH, no collector listening: 800 ns and 932 bytes a call
     * against 389 ns and 512 bytes before spans were encoded early), so while there is no stream
     * the buffer keeps the spans from the start of the outage, as OpenTelemetry's batch processor
     * does when its queue is full; with a stream (the collector slow, not away) the newest are kept.
     */
    int encodeWaiting(boolean sendable) {
        if (!sendable) {
            int moved = 0;
            int room = maxSpans - encoded.size();
            SpanData sd;
            while (room > 0 && (sd = pollSpan()) != null) {
                encode(sd);
                moved++;
                room--;
            }
            if (room <= 0) {
                int gone = clearRing();
                if (gone > 0) {
                    droppedSpans.addAndGet(gone);
                }
            }
            encodedCount = encoded.size();
            return moved;
        }
        int moved = 0;
        SpanData sd;
        while ((sd = pollSpan()) != null) {
            encode(sd);
            moved++;
        }
        int over = encoded.size() + ringCount() - maxSpans;
        for (; over > 0 && !encoded.isEmpty(); over--) {
            encodedBytes -= encoded.pollFirst().length;
            droppedSpans.incrementAndGet();
        }
        encodedCount = encoded.size();
        return moved;
    }

    /** Sender thread: the oldest encoded span's bytes, or null (call {@link #encodeWaiting} first). */
    byte[] pollEncoded() {
        byte[] b = encoded.pollFirst();
        if (b != null) {
            encodedBytes -= b.length;
            encodedCount = encoded.size();
        }
        return b;
    }

    /** Sender thread: the size of the next encoded span, or -1. */
    int peekEncodedSize() {
        byte[] b = encoded.peekFirst();
        return b == null ? -1 : b.length;
    }

    /** Sender thread: appends the span as the protocol's {@code Span} bytes to the encoded queue. */
    private void encode(SpanData sd) {
        byte[] b = ProtoConverter.span(sd).toByteArray();
        encoded.addLast(b);
        encodedBytes += b.length;
    }

    /** Empties the ring without converting its spans; returns how many it held. */
    private int clearRing() {
        Object[] ring = spanRing;
        synchronized (ring) {
            int n = spanCount;
            for (int i = 0, slot = spanHead; i < n; i++, slot = slot + 1 == ring.length ? 0 : slot + 1) {
                ring[slot] = null;
            }
            spanCount = 0;
            spanHead = 0;
            return n;
        }
    }

    private int ringCount() {
        synchronized (spanRing) {
            return spanCount;
        }
    }

    MetricSeries pollSeries() {
        MetricSeries s = series.poll();
        if (s != null) {
            pointCount.addAndGet(-Math.max(1, s.getPointsCount() + s.getHistogramPointsCount()));
        }
        return s;
    }

    /** Spans waiting for a batch: in the ring and already encoded. */
    public int queuedSpans() {
        return ringCount() + encodedCount;
    }

    public int queuedPoints() {
        return pointCount.get();
    }

    public long droppedSpans() {
        return droppedSpans.get();
    }

    public long droppedPoints() {
        return droppedPoints.get();
    }

    boolean isEmpty() {
        return queuedSpans() == 0 && series.isEmpty();
    }

    int maxSpans() {
        return maxSpans;
    }
}
