package dev.peephole.collector.notify;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.InvalidConfigException;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector's {@link AlertSink}: reads {@code PEEPHOLE_NOTIFY_CONFIG} at start (an invalid
 * file stops the start with a message naming the file and the problem), re-reads it when its
 * modification time changes (an invalid new file is logged and counted, the old configuration
 * stays), and hands alerts to the {@link Dispatcher} and its {@link Delivery} workers.
 */
@Context
public class NotificationService implements AlertSink {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationService.class);
    /** How long delivery log entries are kept. */
    static final Duration LOG_KEPT = Duration.ofDays(30);

    private final Path file;
    private final ConfigLoader loader;
    private final Counter reloadFailures;
    private final AtomicInteger lastReloadOk = new AtomicInteger(1);
    private volatile NotifyRouting routing = NotifyRouting.empty();
    private volatile FileTime loadedMtime;
    private final Delivery delivery;
    private final Dispatcher dispatcher;
    private final ScheduledExecutorService watcher;

    public NotificationService(@Value("${peephole.notify.config:}") String configFile,
                               @Value("${peephole.notify.reload.interval:5s}") Duration reloadInterval,
                               @Value("${peephole.external.url:}") String externalUrl,
                               @Value("${peephole.notify.timeout:10s}") Duration timeout,
                               @Value("${peephole.notify.retry.attempts:5}") int attempts,
                               @Value("${peephole.notify.retry.backoff:1s}") Duration backoff,
                               SilenceStore silences, DeliveryLog deliveryLog, NotifiedState notified,
                               MeterRegistry meters) {
        this.file = configFile == null || configFile.isBlank() ? null : Path.of(configFile);
        this.loader = new ConfigLoader(timeout);
        this.reloadFailures = Counter.builder("peephole.notify.config.reload.failures")
                .description("notification configuration files that were invalid (the previous one was kept)")
                .register(meters);
        meters.gauge("peephole.notify.config.last.reload.successful", lastReloadOk);
        if (file != null) {
            try {
                loadedMtime = Files.getLastModifiedTime(file);
            } catch (IOException e) {
                throw new InvalidConfigException("PEEPHOLE_NOTIFY_CONFIG " + file + ": no such file");
            }
            try {
                routing = loader.load(file);
            } catch (InvalidConfigException e) {
                throw new InvalidConfigException("PEEPHOLE_NOTIFY_CONFIG " + e.getMessage());
            }
            LOG.info("notification routing from {}: {} receiver(s), {} escalation(s), {} Alertmanager(s)", file,
                    routing.receivers().size(), routing.escalations().size(), routing.alertmanagers().size());
        }
        this.delivery = new Delivery(() -> routing, deliveryLog, meters, attempts, backoff, Duration.ofMinutes(1));
        this.dispatcher = new Dispatcher(Clock.systemUTC(), () -> routing, silences, delivery, externalUrl, notified);
        dispatcher.start();
        this.watcher = DaemonThreads.scheduler("peephole-notify-config");
        watcher.scheduleWithFixedDelay(silences::refresh, 0, SilenceStore.REFRESH_MS, TimeUnit.MILLISECONDS);
        watcher.scheduleWithFixedDelay(() -> {
            try {
                deliveryLog.prune(LOG_KEPT);
                notified.prune(LOG_KEPT);
            } catch (RuntimeException e) {
                LOG.warn("could not prune the delivery log: {}", e.getMessage());
            }
        }, 1, 60, TimeUnit.MINUTES);
        if (file != null) {
            long ms = Math.max(100, reloadInterval.toMillis());
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void send(List<AlertNotice> alerts) {
        if (alerts.isEmpty()) {
            return;
        }
        dispatcher.receive(alerts);
    }

    /** The routing in force (receivers for {@code /api/v1/channels}). */
    public NotifyRouting routing() {
        return routing;
    }

    public Path file() {
        return file;
    }

    void reloadIfChanged() {
        try {
            FileTime mtime = Files.getLastModifiedTime(file);
            if (mtime.equals(loadedMtime)) {
                return;
            }
            loadedMtime = mtime;
            routing = loader.load(file);
            lastReloadOk.set(1);
            LOG.info("notification routing reloaded from {}: {} receiver(s)", file, routing.receivers().size());
        } catch (InvalidConfigException e) {
            reloadFailures.increment();
            lastReloadOk.set(0);
            LOG.error("notification configuration not reloaded, keeping the previous one: {}", e.getMessage());
        } catch (IOException e) {
            reloadFailures.increment();
            lastReloadOk.set(0);
            LOG.error("notification configuration {} unreadable, keeping the previous one: {}", file, e.toString());
        } catch (RuntimeException e) {
            LOG.error("notification configuration reload failed", e);
        }
    }

    @PreDestroy
    public void close() {
        watcher.shutdownNow();
        dispatcher.stop();
        delivery.close();
    }
}
