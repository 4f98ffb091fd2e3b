package dev.peephole.collector.util;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The collector's background threads: named, daemon, so they never hold the JVM up. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static Thread named(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /** A single-thread scheduler whose thread is called {@code name}. */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> named(name, r));
    }

    /** A scheduler of {@code threads} threads called {@code name-1}, {@code name-2}, ... */
    public static ScheduledExecutorService scheduler(String name, int threads) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return Executors.newScheduledThreadPool(threads, r -> named(name + "-" + n.incrementAndGet(), r));
    }
}
