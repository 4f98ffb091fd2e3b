package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The notification log in the database: a second dispatcher (the collector that takes over, or
 * the same one restarted) on the same database does not repeat the group notification nor an
 * escalation level the first one sent, goes on with the next level, and tells the level already
 * told of the resolution; a new firing of the same labels later is notified again.
 */
class NotifiedStateTest {

    private static final String CONFIG = """
            route:
              receiver: default
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1m
              repeat_interval: 4h
              escalation: oncall
            receivers:
              - name: default
                webhook_configs: [{url: "http://127.0.0.1:1/default", send_resolved: true}]
              - name: lead
                webhook_configs: [{url: "http://127.0.0.1:1/lead", send_resolved: true}]
              - name: manager
                webhook_configs: [{url: "http://127.0.0.1:1/manager"}]
            escalations:
              - name: oncall
                levels:
                  - {receiver: lead, after: 10m}
                  - {receiver: manager, after: 30m}
            """;

    private static EmbeddedServer server;
    private static NotifiedState state;
    private final NotifyRouting routing = new ConfigLoader(Duration.ofSeconds(5)).parse(CONFIG);
    private final TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<Notification> sent = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", "notified-admin-1");
        props.put("peephole.default.rules", false);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        state = server.getApplicationContext().getBean(NotifiedState.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private Dispatcher dispatcher() {
        return new Dispatcher(clock, () -> routing, (labels, now) -> false, new Dispatcher.Sender() {
            @Override
            public void deliver(Notification n) {
                sent.add(n);
            }

            @Override
            public void forward(List<NotifyAlert> alerts) {
            }
        }, "", state);
    }

    private List<String> take() {
        List<String> out = new ArrayList<>();
        for (Notification n : List.copyOf(sent)) {
            out.add(n.receiver() + ":" + n.status());
        }
        sent.clear();
        return out;
    }

    private void minutes(Dispatcher d, AlertNotice a, int n) {
        for (int i = 0; i < n; i++) {
            d.receive(List.of(a));
            d.tick();
            clock.advance(Duration.ofMinutes(1));
        }
        d.receive(List.of(a));
        d.tick();
    }

    @Test
    void aSecondDispatcherOnTheDatabaseGoesOnWhereTheFirstStopped() {
        Instant start = clock.instant();
        AlertNotice a = new AlertNotice(1, Map.of("alertname", "Handover", "host", "h1"), Map.of(), start, null, "",
                null, null);
        Dispatcher first = dispatcher();
        minutes(first, a, 12);
        assertThat(take()).containsExactly("default:firing", "lead:firing");

        Dispatcher second = dispatcher(); // the first is gone (the leader died)
        minutes(second, a, 10);
        assertThat(take()).as("neither the group nor the first level again").isEmpty();
        minutes(second, a, 10);
        assertThat(take()).as("the next level, from the new leader").containsExactly("manager:firing");

        second.receive(List.of(new AlertNotice(1, a.labels(), Map.of(), start, clock.instant(), "", null, null)));
        clock.advance(Duration.ofMinutes(1));
        second.tick();
        assertThat(take()).containsExactlyInAnyOrder("default:resolved", "lead:resolved", "manager:resolved");

        // The same labels firing again later are a new alert: notified, though a third dispatcher
        // finds the previous episode's entries.
        clock.advance(Duration.ofMinutes(5));
        AlertNotice again = new AlertNotice(2, a.labels(), Map.of(), clock.instant(), null, "", null, null);
        Dispatcher third = dispatcher();
        minutes(third, again, 11);
        assertThat(take()).containsExactly("default:firing", "lead:firing");
    }
}
