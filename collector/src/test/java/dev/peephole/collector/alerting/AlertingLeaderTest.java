package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two collectors on one database: only the one holding the alerting lock evaluates; when it
 * stops, the other takes over with the stored state (a pending alert keeps its active-since).
 */
class AlertingLeaderTest {

    private static EmbeddedServer start(String dbUrl, Path rules) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", dbUrl);
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", "leader-admin-1");
        props.put("peephole.rules", rules.toString());
        props.put("peephole.default.rules", false);
        props.put("peephole.alerting.schedule", false);
        return ApplicationContext.run(EmbeddedServer.class, props);
    }

    private static RuleGroup group(EmbeddedServer s) {
        return s.getApplicationContext().getBean(RuleManager.class).groups().get(0);
    }

    private static List<Alert> alerts(EmbeddedServer s) {
        return group(s).rules().get(0).alerting().alerts();
    }

    @Test
    void onlyTheLeaderEvaluatesAndTheNextTakesOverWithTheStoredState() throws Exception {
        String db = TestPostgres.newDatabase();
        Path rules = Files.createTempDirectory("peephole-leader-rules");
        Files.writeString(rules.resolve("r.yml"), """
                groups:
                  - name: g
                    rules:
                      - alert: Slow
                        expr: leader_test > 0
                        for: 1h
                """);
        EmbeddedServer first = start(db, rules);
        EmbeddedServer second = start(db, rules);
        try {
            long t0 = System.currentTimeMillis() / 1000 * 1000 - 30_000;
            first.getApplicationContext().getBean(LocalSeriesWriter.class)
                    .write(List.of(new LocalSample("leader_test", Map.of(), t0, 1)), "gauge", "test");
            RuleManager m1 = first.getApplicationContext().getBean(RuleManager.class);
            RuleManager m2 = second.getApplicationContext().getBean(RuleManager.class);
            m1.evaluate(group(first), t0);
            assertThat(alerts(first)).singleElement().satisfies(a -> assertThat(a.state()).isEqualTo(AlertState.PENDING));
            m2.evaluate(group(second), t0 + 1000);
            assertThat(alerts(second)).as("the second collector does not evaluate while the first leads").isEmpty();

            first.close();
            first = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (alerts(second).isEmpty() && System.nanoTime() < deadline) {
                second.getApplicationContext().getBean(LocalSeriesWriter.class).write(
                        List.of(new LocalSample("leader_test", Map.of(), System.currentTimeMillis(), 1)), "gauge", "test");
                m2.evaluate(group(second), System.currentTimeMillis());
                Thread.sleep(200);
            }
            assertThat(alerts(second)).singleElement().satisfies(a -> {
                assertThat(a.state()).isEqualTo(AlertState.PENDING);
                assertThat(a.activeAtMs()).as("active-since carried over from the first leader").isEqualTo(t0);
            });
        } finally {
            if (first != null) {
                first.close();
            }
            second.close();
        }
    }
}
