package dev.peephole.agent.core.metrics;

import dev.peephole.agent.core.Log;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * JVM metrics with OpenTelemetry's semantic-convention names: memory by pool and type, GC
 * pauses (a histogram fed by the JVM's GC notifications), threads, classes, CPU.
 */
public final class JvmMetrics implements MetricSource {
    static final double[] GC_BOUNDS = {0.01, 0.1, 1, 10};

    private final Map<String, Gc> gcs = new ConcurrentHashMap<>();

    public JvmMetrics() {
        try {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter) {
                    ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            Log.debug("GC notifications unavailable: " + e);
        }
    }

    private static final class Gc {
        final String name;
        final String action;
        final AtomicLongArray counts = new AtomicLongArray(GC_BOUNDS.length + 1);
        final DoubleAdder sum = new DoubleAdder();

        Gc(String name, String action) {
            this.name = name;
            this.action = action;
        }
    }

    private final NotificationListener listener = this::onGc;

    private void onGc(Notification n, Object handback) {
        try {
            if (!"com.sun.management.gc.notification".equals(n.getType())) {
                return;
            }
            CompositeData d = (CompositeData) n.getUserData();
            String name = String.valueOf(d.get("gcName"));
            String action = String.valueOf(d.get("gcAction"));
            CompositeData info = (CompositeData) d.get("gcInfo");
            double seconds = ((Number) info.get("duration")).longValue() / 1000.0;
            Gc gc = gcs.computeIfAbsent(name + "\u0000" + action, k -> new Gc(name, action));
            int b = 0;
            while (b < GC_BOUNDS.length && seconds > GC_BOUNDS[b]) {
                b++;
            }
            gc.counts.incrementAndGet(b);
            gc.sum.add(seconds);
        } catch (RuntimeException e) {
            // a JVM whose notification looks different: no GC histogram
        }
    }

    @Override
    public void collect(SeriesBuilder out) {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage u = pool.getUsage();
            if (u == null) {
                continue;
            }
            String type = pool.getType() == MemoryType.HEAP ? "heap" : "non_heap";
            String[] labels = {"jvm.memory.type", type, "jvm.memory.pool.name", pool.getName()};
            out.gauge("jvm.memory.used", "By", "memory used", u.getUsed(), labels);
            out.gauge("jvm.memory.committed", "By", "memory committed", u.getCommitted(), labels);
            if (u.getMax() >= 0) {
                out.gauge("jvm.memory.limit", "By", "memory limit", u.getMax(), labels);
            }
        }
        for (Gc gc : gcs.values()) {
            long[] counts = new long[gc.counts.length()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = gc.counts.get(i);
            }
            out.histogram("jvm.gc.duration", "s", "GC pauses", GC_BOUNDS, counts, gc.sum.sum(),
                    "jvm.gc.name", gc.name, "jvm.gc.action", gc.action);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int daemon = threads.getDaemonThreadCount();
        out.gauge("jvm.thread.count", "{thread}", "threads", daemon, "jvm.thread.daemon", "true");
        out.gauge("jvm.thread.count", "{thread}", "threads", threads.getThreadCount() - daemon,
                "jvm.thread.daemon", "false");
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        out.gauge("jvm.class.count", "{class}", "classes loaded now", classes.getLoadedClassCount());
        out.counter("jvm.class.loaded", "{class}", "classes loaded since start", classes.getTotalLoadedClassCount());
        out.counter("jvm.class.unloaded", "{class}", "classes unloaded since start", classes.getUnloadedClassCount());
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        out.gauge("jvm.cpu.count", "{cpu}", "processors available to the JVM", Runtime.getRuntime().availableProcessors());
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            com.sun.management.OperatingSystemMXBean sun = (com.sun.management.OperatingSystemMXBean) os;
            long cpuNanos = sun.getProcessCpuTime();
            if (cpuNanos >= 0) {
                out.counter("jvm.cpu.time", "s", "CPU time of the JVM process", cpuNanos / 1e9);
            }
            double load = sun.getProcessCpuLoad();
            if (load >= 0) {
                out.gauge("jvm.cpu.recent_utilization", "1", "recent CPU utilization of the JVM process", load);
            }
        }
    }
}
