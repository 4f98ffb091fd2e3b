package dev.peephole.collector.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prometheus' up for agents: 1 while an agent is connected, 0 once it has gone. */
class AgentUpTest {
    private static final String TOKEN = "up-token";
    private static EmbeddedServer server;

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.agent.up.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void agentsAreUpWhileConnectedAndDownAfter() throws Exception {
        AgentUpWriter up = server.getApplicationContext().getBean(AgentUpWriter.class);
        Http http = new Http(server);
        String admin = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
        String query = "/api/v1/query?query=" + URLEncoder.encode("up{job=\"peephole-agent\",instance=\"agent-up\"}",
                StandardCharsets.UTF_8) + "&time=";
        long t1 = System.currentTimeMillis() / 1000 * 1000;
        try (TestAgent agent = new TestAgent(server.getApplicationContext().getBean(AgentGrpcServer.class).port(),
                TOKEN, "agent-up")) {
            agent.sendHello("up-service");
            assertThat(agent.next(20)).as("settings after hello").isNotNull();
            assertThat(up.writeOnce(t1)).isPositive();
            String body = http.get(query + t1 / 1000, admin).body();
            assertThat(body).contains("\"service_name\":\"up-service\"").contains("\"1\"]");
            agent.complete();
            assertThat(agent.ended.get(20, TimeUnit.SECONDS)).isNotNull();
        }
        long t2 = t1 + 1000;
        long deadline = System.nanoTime() + 20_000_000_000L;
        String body;
        do {
            up.writeOnce(t2);
            body = http.get(query + t2 / 1000, admin).body();
            t2 += 1000;
        } while (!body.contains("\"0\"]") && System.nanoTime() < deadline);
        assertThat(body).as("up is 0 once the agent has gone").contains("\"0\"]");
    }
}
