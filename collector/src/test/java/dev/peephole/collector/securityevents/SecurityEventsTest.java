package dev.peephole.collector.securityevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanKind;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recognition spans sent over the real agent protocol become security events in the same
 * commit as the spans; the events API; the counter series peephole_security_events_total
 * through PromQL (increase() sees the first event); the counter across a second collector
 * on the same database; and the LocalSeriesWriter the counter is written with. Runs on the
 * embedded PostgreSQL, and with -Dpeephole.test.db=timescaledb on TimescaleDB.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecurityEventsTest {

    private static final String TOKEN = "sec-token";
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, Object> props;
    private static EmbeddedServer server;
    private static Http http;
    private static int grpcPort;

    @BeforeAll
    static void start() {
        props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.security.counter.interval", "1s");
        props.put("peephole.ingest.max.series.per.metric", 20);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static Span recognition(long trace, long id, String result, String personId, String name, String role,
                            double confidence, long endNanos) {
        Span.Builder s = Span.newBuilder().setTraceId(TestAgent.id(16, trace)).setSpanId(TestAgent.id(8, id))
                .setName("FaceRecognizer.recognize").setKind(SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(endNanos - 3_000_000).setEndTimeUnixNano(endNanos)
                .addAttributes(kv("frame.id", AnyValue.newBuilder().setIntValue(id * 10).build()))
                .addAttributes(kv("recognition.result", str(result)))
                .addAttributes(kv("recognition.confidence", AnyValue.newBuilder().setDoubleValue(confidence).build()));
        if (personId != null) {
            s.addAttributes(kv("person.id", str(personId))).addAttributes(kv("person.name", str(name)))
                    .addAttributes(kv("person.role", str(role)));
        }
        return s.build();
    }

    static Span plain(long trace, long id, String name, long endNanos) {
        return Span.newBuilder().setTraceId(TestAgent.id(16, trace)).setSpanId(TestAgent.id(8, id)).setName(name)
                .setKind(SpanKind.SPAN_KIND_INTERNAL).setStartTimeUnixNano(endNanos - 1_000_000)
                .setEndTimeUnixNano(endNanos).addAttributes(kv("frame.id", str("7"))).build();
    }

    private static AnyValue str(String v) {
        return AnyValue.newBuilder().setStringValue(v).build();
    }

    private static KeyValue kv(String key, AnyValue v) {
        return KeyValue.newBuilder().setKey(key).setValue(v).build();
    }

    private static TestAgent connected(int port, String agentId, String service) throws InterruptedException {
        TestAgent agent = new TestAgent(port, TOKEN, agentId);
        agent.sendHello(service);
        CollectorMessage settings = agent.next(30);
        assertThat(settings).isNotNull();
        assertThat(settings.hasSettings()).isTrue();
        return agent;
    }

    private static CollectorMessage.Builder ack(TestAgent agent) throws InterruptedException {
        CollectorMessage m = agent.next(30);
        assertThat(m).as("an ack").isNotNull();
        assertThat(m.hasAck()).as("an ack, got %s", m).isTrue();
        return m.toBuilder();
    }

    private static long nowNanos() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    static String text(EmbeddedServer on, String sql) throws Exception {
        try (Connection c = on.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static JsonNode get(Http on, String path) throws Exception {
        HttpResponse<String> r = on.get(path, ADMIN);
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode query(Http on, String promql) throws Exception {
        return get(on, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("data").path("result");
    }

    /** Polls a PromQL query until its result satisfies the condition (generous deadline). */
    private static JsonNode awaitQuery(Http on, String promql, Predicate<JsonNode> ok) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last;
        do {
            last = query(on, promql);
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("query " + promql + " never satisfied the condition; last result " + last);
    }

    @Test
    void recognitionSpansBecomeEventsStoredWithTheSpansAndListedNewestFirst() throws Exception {
        long t = nowNanos();
        try (TestAgent agent = connected(grpcPort, "sec-agent-1", "doorbell-sec")) {
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addSpans(plain(1, 1, "Camera.capture", t - 5_000_000_000L))
                    .addSpans(recognition(1, 2, "KNOWN", "p-1", "Alice", "RESIDENT", 0.93, t - 4_000_000_000L))
                    .addSpans(recognition(1, 3, "UNKNOWN", null, null, null, 0.31, t - 3_000_000_000L))
                    .addSpans(recognition(1, 4, "BLACKLISTED", "p-9", "Mallory", "BLACKLISTED", 0.88, t - 2_000_000_000L))
                    // not a recognition result: another value of the attribute
                    .addSpans(recognition(1, 5, "maybe", null, null, null, 0.5, t - 1_000_000_000L))
                    .build());
            assertThat(ack(agent).getAck().getAcceptedSpans()).isEqualTo(5);
            // Acknowledged means committed, events included.
            assertThat(text(server, "SELECT count(*) FROM spans WHERE agent_id = 'sec-agent-1'")).isEqualTo("5");
            assertThat(text(server, "SELECT count(*) FROM security_events WHERE agent_id = 'sec-agent-1'")).isEqualTo("3");

            // The same batch again: a duplicate, no second set of events.
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addSpans(recognition(1, 2, "KNOWN", "p-1", "Alice", "RESIDENT", 0.93, t - 4_000_000_000L)).build());
            assertThat(ack(agent).getAck().getDuplicate()).isTrue();
            assertThat(text(server, "SELECT count(*) FROM security_events WHERE agent_id = 'sec-agent-1'")).isEqualTo("3");
        }
        long startSec = (t / 1_000_000_000L) - 60;
        JsonNode all = get(http, "/api/v1/security/events?start=" + startSec + "&end=" + (startSec + 120));
        assertThat(all.path("status").asText()).isEqualTo("success");
        List<JsonNode> mine = new ArrayList<>();
        all.path("data").forEach(e -> {
            if (e.path("agentId").asText().equals("sec-agent-1")) {
                mine.add(e);
            }
        });
        assertThat(mine).extracting(e -> e.path("kind").asText()).containsExactly("blacklisted", "unknown", "known");
        JsonNode blacklisted = mine.get(0);
        assertThat(blacklisted.path("personId").asText()).isEqualTo("p-9");
        assertThat(blacklisted.path("personName").asText()).isEqualTo("Mallory");
        assertThat(blacklisted.path("personRole").asText()).isEqualTo("blacklisted");
        assertThat(blacklisted.path("confidence").asDouble()).isEqualTo(0.88);
        assertThat(blacklisted.path("serviceName").asText()).isEqualTo("doorbell-sec");
        assertThat(blacklisted.path("hostName").asText()).isEqualTo("test-host");
        assertThat(blacklisted.path("traceId").asText()).isEqualTo("00000000000000000000000000000001");
        assertThat(blacklisted.path("spanId").asText()).isEqualTo("0000000000000004");
        assertThat(blacklisted.path("frameId").asLong()).isEqualTo(40);
        assertThat(java.time.Instant.parse(blacklisted.path("time").asText()).toEpochMilli())
                .isEqualTo((t - 2_000_000_000L) / 1_000_000L);
        assertThat(mine.get(1).path("personId").isMissingNode() || mine.get(1).path("personId").isNull()).isTrue();

        // kind and limit; RFC 3339 times too
        String rfcStart = java.time.Instant.ofEpochSecond(startSec).toString();
        JsonNode known = get(http, "/api/v1/security/events?kind=known&start=" + rfcStart);
        assertThat(known.path("data")).allSatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("known"));
        assertThat(known.path("data").size()).isGreaterThanOrEqualTo(1);
        assertThat(get(http, "/api/v1/security/events?limit=1&start=" + startSec).path("data").size()).isEqualTo(1);
        // a window without them
        JsonNode before = get(http, "/api/v1/security/events?start=" + (startSec - 7200) + "&end=" + (startSec - 3600));
        assertThat(before.path("data").size()).isZero();
    }

    @Test
    void eventsPastTheirRetentionAreDeletedButTheTotalsStay() throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO security_events (at, kind, agent_id, service_name, trace_id, span_id) VALUES "
                    + "(now() - interval '91 days', 'known', 'sec-old', 'doorbell-sec', '\\x01', '\\x02'), "
                    + "(now() - interval '89 days', 'known', 'sec-old', 'doorbell-sec', '\\x01', '\\x03')");
        }
        SecurityEventCounter counter = server.getApplicationContext().getBean(SecurityEventCounter.class);
        assertThat(counter.prune()).isGreaterThanOrEqualTo(1);
        assertThat(text(server, "SELECT count(*) FROM security_events WHERE agent_id = 'sec-old'")).isEqualTo("1");
        assertThat(text(server, "SELECT string_agg(at::date::text, ',') FROM security_events WHERE agent_id = 'sec-old'"))
                .isEqualTo(text(server, "SELECT (now() - interval '89 days')::date::text"));
    }

    @Test
    void badParametersAreRefusedInPrometheusErrorShape() throws Exception {
        for (String q : List.of("kind=stranger", "start=yesterday", "end=abc", "limit=0", "limit=x",
                "start=1000&end=10")) {
            HttpResponse<String> r = http.get("/api/v1/security/events?" + q, ADMIN);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("status").asText()).isEqualTo("error");
            assertThat(body.path("errorType").asText()).isEqualTo("bad_data");
            assertThat(body.path("error").asText()).as(q).isNotBlank();
        }
        assertThat(http.get("/api/v1/security/events", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theCounterSeriesCountsEventsSoIncreaseSeesTheFirstBlacklistedOne() throws Exception {
        String sel = "peephole_security_events_total{kind=\"blacklisted\",instance=\"sec-agent-2\"}";
        try (TestAgent agent = connected(grpcPort, "sec-agent-2", "doorbell-sec")) {
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addSpans(recognition(2, 1, "BLACKLISTED", "p-9", "Mallory", "BLACKLISTED", 0.9, nowNanos()))
                    .addSpans(recognition(2, 2, "KNOWN", "p-1", "Alice", "RESIDENT", 0.9, nowNanos())).build());
            ack(agent);
            JsonNode first = awaitQuery(http, sel, r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("1"));
            JsonNode metric = first.get(0).path("metric");
            assertThat(metric.path("__name__").asText()).isEqualTo("peephole_security_events_total");
            assertThat(metric.path("service_name").asText()).isEqualTo("doorbell-sec");
            assertThat(metric.path("host_name").asText()).isEqualTo("test-host");
            // The rule of the issue fires on the very first blacklisted event.
            awaitQuery(http, "increase(" + sel + "[1m]) > 0", r -> r.size() == 1);

            agent.sendBatch(Batch.newBuilder().setSequence(2)
                    .addSpans(recognition(2, 3, "BLACKLISTED", "p-9", "Mallory", "BLACKLISTED", 0.9, nowNanos()))
                    .addSpans(recognition(2, 4, "BLACKLISTED", "p-9", "Mallory", "BLACKLISTED", 0.9, nowNanos())).build());
            ack(agent);
            awaitQuery(http, sel, r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("3"));
        }
        assertThat(text(server, "SELECT type FROM metric_metadata WHERE metric_name = 'peephole_security_events_total'"))
                .isEqualTo("counter");
    }

    @Test
    void theCounterOnlyGoesUpAcrossASecondCollectorOnTheSameDatabase() throws Exception {
        Assumptions.assumeFalse(TestDatabase.isTimescale(), "the TimescaleDB test server takes one connection");
        String sel = "peephole_security_events_total{kind=\"unknown\",instance=\"sec-agent-3\"}";
        try (TestAgent agent = connected(grpcPort, "sec-agent-3", "doorbell-sec")) {
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addSpans(recognition(3, 1, "UNKNOWN", null, null, null, 0.2, nowNanos())).build());
            ack(agent);
        }
        awaitQuery(http, sel, r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("1"));
        Map<String, Object> second = new HashMap<>(props);
        second.put("peephole.security.counter.interval", "1s");
        try (EmbeddedServer other = ApplicationContext.run(EmbeddedServer.class, second)) {
            Http otherHttp = new Http(other);
            int otherPort = other.getApplicationContext().getBean(AgentGrpcServer.class).port();
            // The agent reconnects to the other collector (a new session) and sends more.
            try (TestAgent agent = connected(otherPort, "sec-agent-3", "doorbell-sec")) {
                agent.sendBatch(Batch.newBuilder().setSequence(1)
                        .addSpans(recognition(3, 2, "UNKNOWN", null, null, null, 0.2, nowNanos()))
                        .addSpans(recognition(3, 3, "UNKNOWN", null, null, null, 0.2, nowNanos())).build());
                ack(agent);
            }
            awaitQuery(otherHttp, sel, r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("3"));
            awaitQuery(http, sel, r -> r.size() == 1 && r.get(0).path("value").get(1).asText().equals("3"));
            // Let both collectors write the series a few more rounds.
            Thread.sleep(3_000);
        }
        // Every sample of the series, in time order, from both collectors: never down.
        String values = text(server, "SELECT string_agg(p.v::bigint::text, ',' ORDER BY p.t) FROM metric_points p "
                + "JOIN metric_series s ON s.id = p.series_id WHERE s.metric_name = 'peephole_security_events_total' "
                + "AND s.labels->>'instance' = 'sec-agent-3'");
        long previous = -1;
        for (String v : values.split(",")) {
            long n = Long.parseLong(v);
            assertThat(n).as("samples %s", values).isGreaterThanOrEqualTo(previous);
            previous = n;
        }
        assertThat(values).startsWith("0,1");
        assertThat(values).endsWith("3");
    }

    @Test
    void localSeriesWriterSamplesComeBackThroughPromql() throws Exception {
        LocalSeriesWriter writer = server.getApplicationContext().getBean(LocalSeriesWriter.class);
        long now = System.currentTimeMillis();
        Map<String, String> labels = Map.of("job", "local-test", "instance", "here", "empty", "");
        writer.write(List.of(new LocalSample("local_test_value", labels, now - 20_000, 1.5),
                new LocalSample("local_test_value", labels, now - 10_000, 2.5),
                new LocalSample("local_test_value", Map.of("job", "local-test", "instance", "there"), now - 10_000, 7)),
                "gauge", "a value the test writes");
        JsonNode r = query(http, "local_test_value{job=\"local-test\"}");
        assertThat(r.size()).isEqualTo(2);
        Map<String, String> byInstance = new HashMap<>();
        r.forEach(s -> byInstance.put(s.path("metric").path("instance").asText(), s.path("value").get(1).asText()));
        assertThat(byInstance).containsEntry("here", "2.5").containsEntry("there", "7");
        assertThat(r.get(0).path("metric").has("empty")).isFalse();
        JsonNode meta = get(http, "/api/v1/metadata?metric=local_test_value").path("data").path("local_test_value");
        assertThat(meta.get(0).path("type").asText()).isEqualTo("gauge");
        assertThat(meta.get(0).path("help").asText()).isEqualTo("a value the test writes");

        assertThatThrownBy(() -> writer.write(List.of(new LocalSample("bad-name", Map.of(), now, 1)), "gauge", ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.write(List.of(new LocalSample("ok", Map.of("__x", "y"), now, 1)), "gauge", ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.write(List.of(new LocalSample("ok", Map.of(), now, 1)), "histogram", ""))
                .isInstanceOf(IllegalArgumentException.class);

        // The per-metric series limit (20 here) holds for local series too: the 21st series is dropped.
        List<LocalSample> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add(new LocalSample("local_limited", Map.of("i", Integer.toString(i)), now, i));
        }
        writer.write(many, "gauge", "");
        assertThat(query(http, "count(local_limited)").get(0).path("value").get(1).asText()).isEqualTo("20");
    }
}
