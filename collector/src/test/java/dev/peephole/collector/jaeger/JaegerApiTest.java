package dev.peephole.collector.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestPostgres;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Jaeger query API over spans ingested through the agent protocol. */
class JaegerApiTest {

    private static final String ADMIN = Http.basic("admin", "jaeger-admin-1");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedServer server;
    private static Http http;
    private static final long T0 = System.currentTimeMillis() * 1_000_000L - 60_000_000_000L;
    private static final String TRACE_HEX = "000000000000000000000000000000aa";

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "jt");
        props.put("peephole.admin.password", "jaeger-admin-1");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        int port = server.getApplicationContext().getBean(AgentGrpcServer.class).port();

        try (TestAgent doorbell = new TestAgent(port, "jt", "doorbell-1");
             TestAgent faces = new TestAgent(port, "jt", "faces-1")) {
            doorbell.sendHello("doorbell");
            doorbell.next(20);
            Span root = Span.newBuilder().setTraceId(TestAgent.id(16, 0xaa)).setSpanId(TestAgent.id(8, 1))
                    .setName("GET /api/events").setKind(SpanKind.SPAN_KIND_SERVER)
                    .setStartTimeUnixNano(T0).setEndTimeUnixNano(T0 + 20_000_000)
                    .addAttributes(kv("http.status_code", AnyValue.newBuilder().setIntValue(200)))
                    .addAttributes(kv("http.route", AnyValue.newBuilder().setStringValue("/api/events")))
                    .build();
            Span detect = Span.newBuilder().setTraceId(TestAgent.id(16, 0xaa)).setSpanId(TestAgent.id(8, 2))
                    .setParentSpanId(TestAgent.id(8, 1)).setName("FaceDetector.detect")
                    .setKind(SpanKind.SPAN_KIND_INTERNAL)
                    .setStartTimeUnixNano(T0 + 1_000_000).setEndTimeUnixNano(T0 + 6_000_000)
                    .setStatusCode(StatusCode.STATUS_CODE_ERROR).setStatusMessage("corrupt frame")
                    .addAttributes(kv("face.count", AnyValue.newBuilder().setIntValue(0)))
                    .addAttributes(kv("frame.ok", AnyValue.newBuilder().setBoolValue(false)))
                    .addAttributes(kv("confidence", AnyValue.newBuilder().setDoubleValue(0.25)))
                    .addEvents(SpanEvent.newBuilder().setName("exception").setTimeUnixNano(T0 + 5_000_000)
                            .addAttributes(kv("exception.type", AnyValue.newBuilder().setStringValue("CorruptFrameException"))))
                    .build();
            doorbell.sendBatch(Batch.newBuilder().setSequence(1).addSpans(root).addSpans(detect).build());
            assertThat(doorbell.next(20).hasAck()).isTrue();

            faces.sendHello("face-service");
            faces.next(20);
            Span remote = Span.newBuilder().setTraceId(TestAgent.id(16, 0xaa)).setSpanId(TestAgent.id(8, 3))
                    .setParentSpanId(TestAgent.id(8, 1)).setName("recognize").setKind(SpanKind.SPAN_KIND_SERVER)
                    .setStartTimeUnixNano(T0 + 7_000_000).setEndTimeUnixNano(T0 + 9_000_000).build();
            faces.sendBatch(Batch.newBuilder().setSequence(1).addSpans(remote).build());
            assertThat(faces.next(20).hasAck()).isTrue();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static KeyValue kv(String key, AnyValue.Builder v) {
        return KeyValue.newBuilder().setKey(key).setValue(v).build();
    }

    private static JsonNode get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.get(path, ADMIN);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(expectedStatus);
        return JSON.readTree(r.body());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void servicesAndOperations() throws Exception {
        assertThat(get("/api/services", 200).get("data").toString()).isEqualTo("[\"doorbell\",\"face-service\"]");
        assertThat(get("/api/services/doorbell/operations", 200).get("data").toString())
                .isEqualTo("[\"FaceDetector.detect\",\"GET /api/events\"]");
        assertThat(get("/api/operations?service=doorbell&spanKind=server", 200).get("data").toString())
                .isEqualTo("[{\"name\":\"GET /api/events\",\"spanKind\":\"server\"}]");
        assertThat(get("/api/operations", 400).get("errors").get(0).get("code").asInt()).isEqualTo(400);
    }

    @Test
    void searchFindsTheTraceWithAllItsSpansInJaegersShape() throws Exception {
        JsonNode body = get("/api/traces?service=doorbell&limit=10&lookback=2h", 200);
        assertThat(body.get("total").asInt()).isEqualTo(1);
        JsonNode trace = body.get("data").get(0);
        assertThat(trace.get("traceID").asText()).isEqualTo(TRACE_HEX);
        assertThat(trace.get("spans")).hasSize(3);
        JsonNode detect = null;
        for (JsonNode s : trace.get("spans")) {
            if (s.get("operationName").asText().equals("FaceDetector.detect")) {
                detect = s;
            }
        }
        assertThat(detect).isNotNull();
        assertThat(detect.get("spanID").asText()).isEqualTo("0000000000000002");
        assertThat(detect.get("references").get(0).get("refType").asText()).isEqualTo("CHILD_OF");
        assertThat(detect.get("references").get(0).get("spanID").asText()).isEqualTo("0000000000000001");
        assertThat(detect.get("startTime").asLong()).isEqualTo((T0 + 1_000_000) / 1000);
        assertThat(detect.get("duration").asLong()).isEqualTo(5000);
        String tags = detect.get("tags").toString();
        assertThat(tags).contains("{\"key\":\"face.count\",\"type\":\"int64\",\"value\":0}")
                .contains("{\"key\":\"frame.ok\",\"type\":\"bool\",\"value\":false}")
                .contains("{\"key\":\"confidence\",\"type\":\"float64\",\"value\":0.25}")
                .contains("{\"key\":\"error\",\"type\":\"bool\",\"value\":true}")
                .contains("{\"key\":\"otel.status_description\",\"type\":\"string\",\"value\":\"corrupt frame\"}");
        assertThat(detect.get("logs").get(0).get("timestamp").asLong()).isEqualTo((T0 + 5_000_000) / 1000);
        assertThat(detect.get("logs").get(0).get("fields").toString())
                .contains("{\"key\":\"event\",\"type\":\"string\",\"value\":\"exception\"}")
                .contains("CorruptFrameException");
        assertThat(trace.get("processes").size()).isEqualTo(2);
        assertThat(trace.get("processes").toString()).contains("\"serviceName\":\"face-service\"")
                .contains("{\"key\":\"hostname\",\"type\":\"string\",\"value\":\"test-host\"}");
    }

    @Test
    void searchFilters() throws Exception {
        String base = "/api/traces?service=doorbell&lookback=2h";
        assertThat(get(base + "&operation=" + q("FaceDetector.detect"), 200).get("total").asInt()).isEqualTo(1);
        assertThat(get(base + "&operation=nothing", 200).get("total").asInt()).isZero();
        assertThat(get(base + "&minDuration=10ms", 200).get("total").asInt()).isEqualTo(1);
        assertThat(get(base + "&minDuration=21ms", 200).get("total").asInt()).isZero();
        assertThat(get(base + "&maxDuration=4ms", 200).get("total").asInt()).isZero();
        assertThat(get(base + "&tags=" + q("{\"error\":\"true\"}"), 200).get("total").asInt()).isEqualTo(1);
        assertThat(get(base + "&tags=" + q("{\"http.status_code\":\"200\"}"), 200).get("total").asInt()).isEqualTo(1);
        assertThat(get(base + "&tags=" + q("{\"http.status_code\":\"500\"}"), 200).get("total").asInt()).isZero();
        long startMicros = (T0 + 30_000_000_000L) / 1000;
        assertThat(get("/api/traces?service=doorbell&start=" + startMicros, 200).get("total").asInt()).isZero();
    }

    @Test
    void traceByIdAndErrors() throws Exception {
        JsonNode one = get("/api/traces/" + TRACE_HEX, 200);
        assertThat(one.get("data").get(0).get("spans")).hasSize(3);
        assertThat(get("/api/traces/aa", 200).get("data").get(0).get("traceID").asText()).isEqualTo(TRACE_HEX);
        JsonNode missing = get("/api/traces/bb", 404);
        assertThat(missing.get("errors").get(0).get("msg").asText()).isEqualTo("trace not found");
        assertThat(get("/api/traces/not-hex", 400).get("errorType").asText()).isEqualTo("bad_data");
        assertThat(get("/api/traces?service=doorbell&limit=abc", 400).get("error").asText()).contains("limit");
        assertThat(get("/api/traces?service=doorbell&minDuration=soon", 400).get("error").asText()).contains("minDuration");
        assertThat(get("/api/traces?service=doorbell&tags=notjson", 400).get("error").asText()).contains("tags");
        assertThat(get("/api/traces", 400).get("error").asText()).contains("service");
    }

    @Test
    void dependenciesLinkServicesByParentSpans() throws Exception {
        JsonNode deps = get("/api/dependencies?endTs=" + System.currentTimeMillis() + "&lookback=3600000", 200);
        assertThat(deps.get("data").toString())
                .isEqualTo("[{\"parent\":\"doorbell\",\"child\":\"face-service\",\"callCount\":1}]");
    }
}
