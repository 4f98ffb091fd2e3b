package dev.peephole.collector.prometheus;

import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;

/**
 * A collector on a fresh database of the shared embedded PostgreSQL with nothing running on its
 * own (no rollup job, no rule schedule, no default rules), so a read test drives every step itself.
 */
final class QuietCollector {

    private QuietCollector() {
    }

    static EmbeddedServer start(String adminPassword) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", adminPassword);
        props.put("peephole.default.rules", false);
        props.put("peephole.alerting.schedule", false);
        props.put("peephole.rollup.interval", "0s");
        return ApplicationContext.run(EmbeddedServer.class, props);
    }
}
