package dev.peephole.agent.core.metrics;

import dev.peephole.agent.core.Log;
import dev.peephole.agent.core.transport.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The {@code peephole-metrics} thread: asks every source for its series every interval. */
public final class MetricsScheduler {
    private final List<MetricSource> sources = new CopyOnWriteArrayList<>();
    private final Buffer buffer;
    private final Duration interval;
    private volatile boolean running;
    private Thread thread;

    public MetricsScheduler(Buffer buffer, Duration interval) {
        this.buffer = buffer;
        this.interval = interval;
    }

    public void add(MetricSource s) {
        sources.add(s);
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::loop, "peephole-metrics");
        thread.setDaemon(true);
        thread.start();
    }

    public synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Collects once now (also at shutdown, so the last counts are sent). */
    public void collectNow() {
        SeriesBuilder out = new SeriesBuilder(buffer::offerSeries, System.currentTimeMillis() * 1_000_000L);
        for (MetricSource s : sources) {
            try {
                s.collect(out);
            } catch (RuntimeException | LinkageError e) {
                Log.debug("metric source " + s.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    private void loop() {
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            collectNow();
            next += interval.toNanos();
            if (next - System.nanoTime() < 0) {
                next = System.nanoTime() + interval.toNanos();
            }
        }
    }
}
