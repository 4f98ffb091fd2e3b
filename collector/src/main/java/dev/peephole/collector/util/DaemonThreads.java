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
}
