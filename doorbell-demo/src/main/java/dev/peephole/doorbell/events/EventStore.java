package dev.peephole.doorbell.events;

import java.util.ArrayList;
import java.util.List;

/**
 * The most recent events, in memory: a ring buffer of fixed capacity, so the oldest event is
 * overwritten once it is full. Thread-safe.
 */
public final class EventStore {
    public static final int DEFAULT_CAPACITY = 1000;

    private final DoorbellEvent[] ring;
    private int next;
    private int size;
    private long added;

    public EventStore() {
        this(DEFAULT_CAPACITY);
    }

    public EventStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.ring = new DoorbellEvent[capacity];
    }

    public synchronized void add(DoorbellEvent event) {
        ring[next] = event;
        next = (next + 1) % ring.length;
        if (size < ring.length) {
            size++;
        }
        added++;
    }

    /**
     * Up to {@code limit} most recent events, newest first, optionally only of one type.
     *
     * @param type null for all types
     */
    public synchronized List<DoorbellEvent> recent(int limit, EventType type) {
        List<DoorbellEvent> out = new ArrayList<>(Math.min(limit, size));
        for (int k = 1; k <= size && out.size() < limit; k++) {
            DoorbellEvent e = ring[(next - k + ring.length) % ring.length];
            if (type == null || e.getType() == type) {
                out.add(e);
            }
        }
        return out;
    }

    /** Events currently held (at most the capacity). */
    public synchronized int size() {
        return size;
    }

    /** Events ever added, including those since overwritten. */
    public synchronized long totalAdded() {
        return added;
    }

    public int capacity() {
        return ring.length;
    }
}
