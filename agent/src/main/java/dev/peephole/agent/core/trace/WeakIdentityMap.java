package dev.peephole.agent.core.trace;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded, concurrent map from objects (by identity, held weakly) to values. Keys never keep
 * the app's objects alive, never call their {@code equals}/{@code hashCode}, and the map never
 * holds more than {@code max} entries (further puts are refused and counted).
 */
final class WeakIdentityMap<V> {
    private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final int max;
    final AtomicLong refused = new AtomicLong();

    WeakIdentityMap(int max) {
        this.max = max;
    }

    boolean putIfAbsent(Object key, V value) {
        expunge();
        if (map.size() >= max) {
            refused.incrementAndGet();
            return false;
        }
        return map.putIfAbsent(new WeakKey(key, queue), value) == null;
    }

    V get(Object key) {
        return map.isEmpty() ? null : map.get(new LookupKey(key));
    }

    V remove(Object key) {
        return map.isEmpty() ? null : map.remove(new LookupKey(key));
    }

    int size() {
        expunge();
        return map.size();
    }

    private void expunge() {
        Reference<?> r;
        while ((r = queue.poll()) != null) {
            map.remove(r);
        }
    }

    private static final class WeakKey extends WeakReference<Object> {
        private final int hash;

        WeakKey(Object referent, ReferenceQueue<Object> q) {
            super(referent, q);
            hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            Object mine = get();
            if (mine == null) {
                return false;
            }
            if (o instanceof WeakKey) {
                return ((WeakKey) o).get() == mine;
            }
            return o instanceof LookupKey && ((LookupKey) o).referent == mine;
        }
    }

    private static final class LookupKey {
        private final Object referent;
        private final int hash;

        LookupKey(Object referent) {
            this.referent = referent;
            hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o instanceof WeakKey) {
                return ((WeakKey) o).get() == referent;
            }
            return o instanceof LookupKey && ((LookupKey) o).referent == referent;
        }
    }
}
