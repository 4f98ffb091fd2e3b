package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routing, grouping, timing, inhibition, silences and escalation, on a clock the test moves. */
class DispatcherTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final String CONFIG = """
            global:
              resolve_timeout: 5m
            route:
              receiver: default
              group_by: [alertname]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 1h
              routes:
                - matchers: ['severity="page"']
                  receiver: pager
                  group_by: ['...']
                  group_wait: 0s
                  escalation: oncall
                - matchers: ['team=~"db|storage"']
                  receiver: db
                  continue: true
                - match: {team: db}
                  receiver: db-archive
            inhibit_rules:
              - source_matchers: ['alertname="NodeDown"']
                target_matchers: ['alertname!="NodeDown"']
                equal: [host]
            receivers:
              - name: default
                webhook_configs: [{url: "http://127.0.0.1:1/default", send_resolved: true}]
              - name: pager
                webhook_configs: [{url: "http://127.0.0.1:1/pager"}]
              - name: db
                webhook_configs: [{url: "http://127.0.0.1:1/db", send_resolved: false}]
              - name: db-archive
                webhook_configs: [{url: "http://127.0.0.1:1/archive"}]
              - name: lead
                webhook_configs: [{url: "http://127.0.0.1:1/lead"}]
              - name: manager
                webhook_configs: [{url: "http://127.0.0.1:1/manager"}]
            escalations:
              - name: oncall
                levels:
                  - {receiver: lead, after: 10m}
                  - {receiver: manager, after: 30m}
            """;

    private final TestClock clock = new TestClock(T0);
    private final NotifyRouting routing = new ConfigLoader(Duration.ofSeconds(5)).parse(CONFIG);
    private final List<Notification> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<Map<String, String>> silenced = new ArrayList<>();
    private final Dispatcher dispatcher = new Dispatcher(clock, () -> routing,
            (labels, now) -> silenced.stream().anyMatch(s -> labels.entrySet().containsAll(s.entrySet())),
            new Dispatcher.Sender() {
                @Override
                public void deliver(Notification n) {
                    sent.add(n);
                }

                @Override
                public void forward(List<NotifyAlert> alerts) {
                }
            }, "http://peephole.example");

    private static AlertNotice firing(long id, Map<String, String> labels, Instant startsAt) {
        return new AlertNotice(id, labels, Map.of("summary", "s" + id), startsAt, null, "", null, null);
    }

    private static AlertNotice resolved(AlertNotice a, Instant at) {
        return new AlertNotice(a.id(), a.labels(), a.annotations(), a.startsAt(), at, "", null, null);
    }

    private static AlertNotice acked(AlertNotice a, Instant at) {
        return new AlertNotice(a.id(), a.labels(), a.annotations(), a.startsAt(), null, "", at, "ann");
    }

    private List<Notification> take() {
        List<Notification> out = List.copyOf(sent);
        sent.clear();
        return out;
    }

    /** Moves time minute by minute, the evaluator re-sending {@code a} each round. */
    private void firingFor(Duration d, AlertNotice a) {
        for (long m = 0; m < d.toMinutes(); m++) {
            dispatcher.receive(List.of(a));
            advance(Duration.ofMinutes(1));
        }
    }

    private void advance(Duration d) {
        clock.advance(d);
        dispatcher.tick();
    }

    @Test
    void groupWaitGroupIntervalAndRepeatInterval() {
        AlertNotice a = firing(1, Map.of("alertname", "HighLatency", "service", "api"), T0);
        dispatcher.receive(List.of(a));
        dispatcher.tick();
        assertThat(take()).as("nothing before group_wait").isEmpty();
        AlertNotice b = firing(2, Map.of("alertname", "HighLatency", "service", "web"), T0.plusSeconds(10));
        clock.advance(Duration.ofSeconds(10));
        dispatcher.receive(List.of(a, b));
        advance(Duration.ofSeconds(19));
        assertThat(take()).isEmpty();
        advance(Duration.ofSeconds(1));
        List<Notification> first = take();
        assertThat(first).hasSize(1);
        assertThat(first.get(0).receiver()).isEqualTo("default");
        assertThat(first.get(0).groupKey()).isEqualTo("{}:{alertname=\"HighLatency\"}");
        assertThat(first.get(0).groupLabels()).isEqualTo(Map.of("alertname", "HighLatency"));
        assertThat(first.get(0).alerts()).extracting(NotifyAlert::id).containsExactly(1L, 2L);

        // unchanged: nothing at the next group_interval ticks until repeat_interval (1h) has passed
        for (int i = 0; i < 11; i++) {
            dispatcher.receive(List.of(a, b));
            advance(Duration.ofMinutes(5));
            assertThat(take()).as("tick %d", i).isEmpty();
        }
        dispatcher.receive(List.of(a, b));
        advance(Duration.ofMinutes(5));
        assertThat(take()).as("repeat after 1h").hasSize(1);

        // a new alert in the group waits for the next group_interval, not group_wait
        AlertNotice c = firing(3, Map.of("alertname", "HighLatency", "service", "db"), clock.instant());
        dispatcher.receive(List.of(a, b, c));
        advance(Duration.ofMinutes(4));
        assertThat(take()).isEmpty();
        advance(Duration.ofMinutes(1));
        assertThat(take()).singleElement().satisfies(n -> assertThat(n.alerts()).hasSize(3));

        // a resolution is told at the next group_interval (send_resolved: true), then the alert leaves the group
        dispatcher.receive(List.of(a, b, resolved(c, clock.instant())));
        advance(Duration.ofMinutes(5));
        Notification r = take().get(0);
        assertThat(r.alerts()).filteredOn(NotifyAlert::resolved).extracting(NotifyAlert::id).containsExactly(3L);
        assertThat(r.status()).isEqualTo("firing");
        dispatcher.receive(List.of(resolved(a, clock.instant()), resolved(b, clock.instant())));
        advance(Duration.ofMinutes(5));
        Notification all = take().get(0);
        assertThat(all.status()).isEqualTo("resolved");
        assertThat(all.alerts()).hasSize(2);
        advance(Duration.ofMinutes(5));
        assertThat(take()).isEmpty();
        assertThat(dispatcher.groupCount()).isZero();
        assertThat(dispatcher.alertCount()).isZero();
    }

    @Test
    void alertsNotHeardOfForResolveTimeoutResolve() {
        AlertNotice a = firing(1, Map.of("alertname", "Gone"), T0);
        dispatcher.receive(List.of(a));
        advance(Duration.ofSeconds(30));
        assertThat(take()).hasSize(1);
        advance(Duration.ofMinutes(4));
        assertThat(take()).isEmpty();
        advance(Duration.ofMinutes(1));
        Notification n = take().get(0);
        assertThat(n.status()).isEqualTo("resolved");
        assertThat(n.alerts().get(0).endsAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    }

    @Test
    void routingFollowsTheTreeWithContinueAndGroupByAll() {
        dispatcher.receive(List.of(
                firing(1, Map.of("alertname", "Disk", "team", "db"), T0),
                firing(2, Map.of("alertname", "Down", "severity", "page", "host", "h1"), T0),
                firing(3, Map.of("alertname", "Down", "severity", "page", "host", "h2"), T0)));
        dispatcher.tick();
        List<Notification> now = take();
        assertThat(now).as("group_wait 0s: sent at once, one group per label set (group_by ...)")
                .extracting(Notification::receiver).containsExactly("pager", "pager");
        assertThat(now.get(0).groupKey()).isEqualTo("{}/{severity=\"page\"}:{alertname=\"Down\",host=\"h1\",severity=\"page\"}");
        advance(Duration.ofSeconds(30));
        assertThat(take()).extracting(Notification::receiver).containsExactlyInAnyOrder("db", "db-archive");
    }

    @Test
    void inhibitedAndSilencedAlertsAreNotNotified() {
        dispatcher.receive(List.of(
                firing(1, Map.of("alertname", "NodeDown", "host", "h1"), T0),
                firing(2, Map.of("alertname", "HighLatency", "host", "h1"), T0),
                firing(3, Map.of("alertname", "HighLatency", "host", "h2"), T0),
                firing(4, Map.of("alertname", "Noise", "host", "h3"), T0)));
        silenced.add(Map.of("alertname", "Noise"));
        advance(Duration.ofSeconds(30));
        List<Notification> out = take();
        assertThat(out).flatExtracting(Notification::alerts).extracting(NotifyAlert::id)
                .containsExactlyInAnyOrder(1L, 3L);
        // the silence ends: the alert is told at the group's next interval
        silenced.clear();
        dispatcher.receive(List.of(
                firing(1, Map.of("alertname", "NodeDown", "host", "h1"), T0),
                firing(2, Map.of("alertname", "HighLatency", "host", "h1"), T0),
                firing(3, Map.of("alertname", "HighLatency", "host", "h2"), T0),
                firing(4, Map.of("alertname", "Noise", "host", "h3"), T0)));
        advance(Duration.ofMinutes(5));
        assertThat(take()).flatExtracting(Notification::alerts).extracting(NotifyAlert::id).containsExactly(4L);
    }

    @Test
    void escalationGoesUpTheLevelsUntilAcknowledged() {
        AlertNotice a = firing(7, Map.of("alertname", "Down", "severity", "page", "host", "h1"), T0);
        dispatcher.receive(List.of(a));
        dispatcher.tick();
        assertThat(take()).extracting(Notification::receiver).containsExactly("pager");
        firingFor(Duration.ofMinutes(9), a);
        assertThat(take()).isEmpty();
        firingFor(Duration.ofMinutes(1), a);
        List<Notification> lead = take();
        assertThat(lead).extracting(Notification::receiver).containsExactly("lead");
        assertThat(lead.get(0).groupKey()).startsWith("escalation/oncall/1:");
        // acknowledged before the second level's 30 minutes: the manager is never told
        dispatcher.receive(List.of(acked(a, clock.instant())));
        for (int i = 0; i < 10; i++) {
            dispatcher.receive(List.of(acked(a, clock.instant())));
            advance(Duration.ofMinutes(5));
        }
        assertThat(take()).extracting(Notification::receiver).doesNotContain("manager", "lead");
    }

    @Test
    void escalationStopsWhenTheAlertResolves() {
        AlertNotice a = firing(8, Map.of("alertname", "Down", "severity", "page", "host", "h9"), T0);
        firingFor(Duration.ofMinutes(10), a);
        assertThat(take()).extracting(Notification::receiver).containsExactly("pager", "lead");
        dispatcher.receive(List.of(resolved(a, clock.instant())));
        advance(Duration.ofMinutes(1));
        List<Notification> after = take();
        assertThat(after).as("the level told is told of the resolution").extracting(Notification::receiver)
                .contains("lead");
        advance(Duration.ofMinutes(40));
        assertThat(take()).extracting(Notification::receiver).doesNotContain("manager");
    }
}
