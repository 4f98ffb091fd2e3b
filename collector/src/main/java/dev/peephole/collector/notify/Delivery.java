package dev.peephole.collector.notify;

import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications: one worker thread per receiver integration (a slow or failing
 * receiver only ever delays itself), retries with exponential backoff for errors that may
 * pass, every outcome to the delivery log and the {@code peephole_notifications_*} counters.
 */
public final class Delivery implements Dispatcher.Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
    /** Notifications one integration may have waiting; past it the oldest is dropped (and counted). */
    private static final int QUEUE = 1000;
    static final String ALERTMANAGERS = "alertmanagers";

    private final Supplier<NotifyRouting> routing;
    private final Consumer<DeliveryRecord> log;
    private final MeterRegistry meters;
    private final int attempts;
    private final Duration backoff;
    private final Duration maxBackoff;
    private final Map<String, ThreadPoolExecutor> workers = new ConcurrentHashMap<>();

    public Delivery(Supplier<NotifyRouting> routing, Consumer<DeliveryRecord> log, MeterRegistry meters, int attempts,
                    Duration backoff, Duration maxBackoff) {
        this.routing = routing;
        this.log = log;
        this.meters = meters;
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
        this.maxBackoff = maxBackoff;
    }

    @Override
    public void deliver(Notification n) {
        List<Integration> integrations = routing.get().receivers().getOrDefault(n.receiver(), List.of());
        for (int i = 0; i < integrations.size(); i++) {
            Integration integration = integrations.get(i);
            Notification m = integration.sendResolved() ? n : n.withAlerts(n.firing());
            if (m.alerts().isEmpty()) {
                continue;
            }
            submit(n.receiver(), i, integration, m);
        }
    }

    @Override
    public void forward(List<NotifyAlert> alerts) {
        List<Integration> targets = routing.get().alertmanagers();
        for (int i = 0; i < targets.size(); i++) {
            submit(ALERTMANAGERS, i, targets.get(i), new Notification(ALERTMANAGERS, "", Map.of(), alerts, ""));
        }
    }

    private void submit(String receiver, int index, Integration integration, Notification n) {
        String key = receiver + "/" + integration.type() + "/" + index;
        ThreadPoolExecutor worker = workers.computeIfAbsent(key, k -> {
            ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE),
                    r -> DaemonThreads.named("peephole-notify-" + k, r), (r, e) -> {
                        e.getQueue().poll();
                        meters.counter("peephole.notifications.dropped", "receiver", receiver,
                                "integration", integration.type()).increment();
                        e.getQueue().offer(r);
                    });
            return ex;
        });
        worker.execute(() -> attempt(receiver, integration, n));
    }

    private void attempt(String receiver, Integration integration, Notification n) {
        String error = null;
        int tries = 0;
        Duration wait = backoff;
        while (tries < attempts) {
            tries++;
            try {
                integration.send(n);
                error = null;
                break;
            } catch (DeliveryException e) {
                error = integration.redact(e.getMessage());
                if (!e.retryable() || tries >= attempts) {
                    break;
                }
            } catch (RuntimeException e) {
                error = integration.redact(e.getClass().getSimpleName() + ": " + e.getMessage());
                break;
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            wait = wait.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : wait.multipliedBy(2);
        }
        String outcome = error == null ? "sent" : "failed";
        Counter.builder("peephole.notifications." + outcome)
                .description(error == null ? "notifications delivered, by receiver and integration"
                        : "notifications given up after their retries, by receiver and integration")
                .tag("receiver", receiver).tag("integration", integration.type())
                .register(meters).increment();
        if (error != null) {
            LOG.warn("notification to receiver {} ({}) failed after {} attempt(s): {}", receiver, integration.type(), tries,
                    error);
        } else {
            LOG.debug("notification to receiver {} ({}) sent", receiver, integration.type());
        }
        try {
            log.accept(new DeliveryRecord(Instant.now(), receiver, integration.type(), n.groupKey(), n.status(),
                    n.alerts().size(), outcome, tries, error));
        } catch (RuntimeException e) {
            LOG.warn("could not write the delivery log: {}", e.toString());
        }
    }

    /** Stops the workers (queued notifications are dropped). */
    public void close() {
        workers.values().forEach(ThreadPoolExecutor::shutdownNow);
    }
}
