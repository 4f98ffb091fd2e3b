package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Measures (and prints) the latency from {@code send()} to the webhook for a new alert with
 * {@code group_wait: 0s}, and the dispatcher's throughput for 10,000 alerts in 100 groups.
 * Bounds are generous: the machine is shared; the printed numbers are the measurement.
 */
class NotifySpeedTest {

    @Test
    void sendToWebhookLatency() throws Exception {
        try (LocalHttp hook = LocalHttp.ok()) {
            NotifyRouting r = new ConfigLoader(Duration.ofSeconds(5)).parse("""
                    route: {receiver: hook, group_by: [alertname], group_wait: 0s}
                    receivers: [{name: hook, webhook_configs: [{url: "%s"}]}]
                    """.formatted(hook.url("/hook")));
            Delivery delivery = new Delivery(() -> r, x -> { }, new SimpleMeterRegistry(), 1, Duration.ofMillis(10),
                    Duration.ofMillis(10));
            Dispatcher d = new Dispatcher(Clock.systemUTC(), () -> r, (l, t) -> false, delivery, "");
            d.start();
            try {
                // warm-up: class loading, the HTTP client's connection
                for (int i = 0; i < 5; i++) {
                    d.receive(List.of(alert("Warm" + i, "x")));
                    hook.next(30);
                }
                long[] micros = new long[20];
                for (int i = 0; i < micros.length; i++) {
                    long t0 = System.nanoTime();
                    d.receive(List.of(alert("Latency" + i, "x")));
                    LocalHttp.Request got = hook.next(30);
                    micros[i] = (System.nanoTime() - t0) / 1000;
                    assertThat(got.body()).contains("Latency" + i);
                }
                Arrays.sort(micros);
                double median = (micros[9] + micros[10]) / 2.0 / 1000.0;
                System.out.printf("notify latency send() -> webhook, group_wait 0s: median %.2f ms, min %.2f ms, max %.2f ms (20 runs)%n",
                        median, micros[0] / 1000.0, micros[19] / 1000.0);
                assertThat(median).isLessThan(2000);
            } finally {
                d.stop();
                delivery.close();
            }
        }
    }

    @Test
    void dispatcherThroughputTenThousandAlertsInHundredGroups() throws Exception {
        NotifyRouting r = new ConfigLoader(Duration.ofSeconds(5)).parse("""
                global: {resolve_timeout: 1000h}
                route: {receiver: sink, group_by: [alertname], group_wait: 0s, group_interval: 1h}
                receivers: [{name: sink, webhook_configs: [{url: "http://127.0.0.1:1/unused"}]}]
                inhibit_rules: []
                """);
        AtomicInteger notifications = new AtomicInteger();
        AtomicInteger alertsTold = new AtomicInteger();
        TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
        Dispatcher d = new Dispatcher(clock, () -> r, (l, t) -> false, new Dispatcher.Sender() {
            @Override
            public void deliver(Notification n) {
                notifications.incrementAndGet();
                alertsTold.addAndGet(n.alerts().size());
                Payloads.toJson(Payloads.webhook(n, 0));
            }

            @Override
            public void forward(List<NotifyAlert> alerts) {
            }
        }, "");
        List<AlertNotice> batch = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            batch.add(new AlertNotice(i, Map.of("alertname", "Group" + (i % 100), "instance", "host-" + i, "severity", "warn"),
                    Map.of("summary", "alert " + i), clock.instant(), null, "", null, null));
        }
        // warm-up round on other label sets
        List<AlertNotice> warm = batch.stream().map(a -> new AlertNotice(a.id(), Map.of("alertname", "W" + a.labels().get("alertname"),
                "instance", a.labels().get("instance")), Map.of(), a.startsAt(), null, "", null, null)).toList();
        d.receive(warm);
        d.tick();
        notifications.set(0);
        alertsTold.set(0);
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            clock.advance(Duration.ofMinutes(10));
            List<AlertNotice> fresh = new ArrayList<>();
            for (AlertNotice a : batch) {
                Map<String, String> labels = new java.util.HashMap<>(a.labels());
                labels.put("alertname", labels.get("alertname") + "-round" + round);
                fresh.add(new AlertNotice(a.id(), labels, a.annotations(), clock.instant(), null, "", null, null));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < fresh.size(); i += 1000) {
                d.receive(fresh.subList(i, i + 1000));
            }
            d.tick();
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertThat(notifications.get()).isEqualTo(800);
        assertThat(alertsTold.get()).isEqualTo(80_000);
        double ms = best / 1e6;
        System.out.printf("notify dispatcher: 10,000 alerts in 100 groups routed, grouped and rendered to webhook JSON in %.1f ms"
                + " (%.0f alerts/s)%n", ms, 10_000 / (ms / 1000));
        assertThat(ms).isLessThan(30_000);
    }

    private static AlertNotice alert(String name, String instance) {
        return new AlertNotice(1, Map.of("alertname", name, "instance", instance), Map.of(), Instant.now(), null, "", null, null);
    }
}
