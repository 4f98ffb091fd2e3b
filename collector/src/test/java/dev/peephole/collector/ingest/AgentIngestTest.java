package dev.peephole.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent protocol end to end: a real gRPC stream into the real PostgreSQL (or, with
 * {@code -Dpeephole.test.db=timescaledb}, the TimescaleDB test server: see {@link TestDatabase}).
 */
class AgentIngestTest {

    private static final String TOKEN = "test-agent-token";
    private static EmbeddedServer server;
    private static int grpcPort;

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.ingest.max.series.per.metric", 3);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        grpcPort = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static long nowNanos() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static CollectorMessage expectAck(TestAgent agent) throws InterruptedException {
        CollectorMessage m = agent.next(20);
        assertThat(m).as("an ack").isNotNull();
        assertThat(m.hasAck()).as("an ack, got %s", m).isTrue();
        return m;
    }

    private static TestAgent connected(String agentId, String service) throws InterruptedException {
        TestAgent agent = new TestAgent(grpcPort, TOKEN, agentId);
        agent.sendHello(service);
        CollectorMessage settings = agent.next(20);
        assertThat(settings).isNotNull();
        assertThat(settings.hasSettings()).isTrue();
        assertThat(settings.getSettings().getSamplingRatio()).isEqualTo(1.0);
        return agent;
    }

    @Test
    void aBatchIsAcknowledgedAfterCommitAndStoredOnceEvenWhenSentTwice() throws Exception {
        try (TestAgent agent = connected("agent-store", "doorbell")) {
            long t = nowNanos();
            Batch batch = Batch.newBuilder()
                    .setSequence(1)
                    .addMetrics(MetricSeries.newBuilder().setName("jvm.memory.used").setUnit("By")
                            .setType(MetricType.METRIC_TYPE_GAUGE).setDescription("heap in use")
                            .addLabels(Label.newBuilder().setName("jvm.memory.type").setValue("heap"))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t - 10_000_000_000L).setValue(100))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(200)))
                    .addMetrics(MetricSeries.newBuilder().setName("frames.stored").setUnit("{frame}")
                            .setType(MetricType.METRIC_TYPE_COUNTER)
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(7)))
                    .addMetrics(MetricSeries.newBuilder().setName("face.detection.duration").setUnit("s")
                            .setType(MetricType.METRIC_TYPE_HISTOGRAM)
                            .addHistogramPoints(HistogramPoint.newBuilder().setTimeUnixNano(t).setCount(6).setSum(0.3)
                                    .addExplicitBounds(0.01).addExplicitBounds(0.1)
                                    .addBucketCounts(1).addBucketCounts(3).addBucketCounts(2)))
                    .addSpans(span(1, 1, 0, "FaceDetector.detect", t))
                    .addSpans(span(1, 2, 1, "FaceRecognizer.recognize", t)
                            .toBuilder().setStatusCode(StatusCode.STATUS_CODE_ERROR)
                            .addEvents(SpanEvent.newBuilder().setName("exception").setTimeUnixNano(t)
                                    .addAttributes(kv("exception.type", "java.lang.IllegalStateException"))))
                    .build();
            agent.sendBatch(batch);
            CollectorMessage ack = expectAck(agent);
            assertThat(ack.getAck().getSequence()).isEqualTo(1);
            assertThat(ack.getAck().getAcceptedSpans()).isEqualTo(2);
            // 2 gauge points + 1 counter point + 3 buckets + sum + count
            assertThat(ack.getAck().getAcceptedPoints()).isEqualTo(8);
            assertThat(ack.getAck().getDuplicate()).isFalse();

            // Acknowledged means committed: the rows are visible to any other connection now.
            assertThat(count("SELECT count(*) FROM spans WHERE agent_id = 'agent-store'")).isEqualTo(2);
            assertThat(count("SELECT count(*) FROM metric_points p JOIN metric_series s ON s.id = p.series_id "
                    + "WHERE s.labels->>'instance' = 'agent-store'")).isEqualTo(8);
            // this agent's series (another test in the same database may have sent the same metric)
            assertThat(text("SELECT labels::text FROM metric_series WHERE metric_name = 'jvm_memory_used_bytes' "
                    + "AND labels->>'instance' = 'agent-store'"))
                    .isEqualTo("{\"instance\": \"agent-store\", \"host_name\": \"test-host\", "
                            + "\"service_name\": \"doorbell\", \"jvm_memory_type\": \"heap\"}");
            assertThat(count("SELECT count(*) FROM metric_series WHERE metric_name = 'frames_stored_total'")).isEqualTo(1);
            assertThat(text("SELECT string_agg(labels->>'le' || '=' || p.v, ',' ORDER BY p.v) FROM metric_series s "
                    + "JOIN metric_points p ON p.series_id = s.id WHERE metric_name = 'face_detection_duration_seconds_bucket'"))
                    .isEqualTo("0.01=1,0.1=4,+Inf=6");
            assertThat(text("SELECT type || '/' || unit || '/' || help FROM metric_metadata "
                    + "WHERE metric_name = 'jvm_memory_used_bytes'")).isEqualTo("gauge/bytes/heap in use");
            assertThat(text("SELECT events->0->'attributes'->>'exception.type' FROM spans WHERE operation = 'FaceRecognizer.recognize'"))
                    .isEqualTo("java.lang.IllegalStateException");
            assertThat(text("SELECT connected || '/' || service_name FROM agents WHERE agent_id = 'agent-store'"))
                    .isEqualTo("true/doorbell");

            // The same batch again (a re-send after a lost ack): acknowledged, stored once.
            agent.sendBatch(batch);
            CollectorMessage again = expectAck(agent);
            assertThat(again.getAck().getDuplicate()).isTrue();
            assertThat(count("SELECT count(*) FROM spans WHERE agent_id = 'agent-store'")).isEqualTo(2);
        }
    }

    @Test
    void eachSpanOfABatchKeepsItsOwnColumnsAttributesAndEvents() throws Exception {
        // The span rows of a batch share one JSON writer and one row buffer: nothing of one
        // span may reach the next, whatever each has (no parent, no attributes, no events).
        try (TestAgent agent = connected("agent-spans", "doorbell")) {
            long t = nowNanos();
            Batch batch = Batch.newBuilder().setSequence(1)
                    .addSpans(Span.newBuilder().setTraceId(TestAgent.id(16, 7)).setSpanId(TestAgent.id(8, 1))
                            .setName("GET /api/events").setKind(SpanKind.SPAN_KIND_SERVER)
                            .setStartTimeUnixNano(t).setEndTimeUnixNano(t + 9_000_000)
                            .addAttributes(kv("http.route", "/api/events"))
                            .addAttributes(KeyValue.newBuilder().setKey("http.response.status_code")
                                    .setValue(AnyValue.newBuilder().setIntValue(200)))
                            .addAttributes(KeyValue.newBuilder().setKey("match.found")
                                    .setValue(AnyValue.newBuilder().setBoolValue(true)))
                            .addAttributes(KeyValue.newBuilder().setKey("match.confidence")
                                    .setValue(AnyValue.newBuilder().setDoubleValue(0.934)))
                            .addAttributes(KeyValue.newBuilder().setKey("ratio")
                                    .setValue(AnyValue.newBuilder().setDoubleValue(Double.NaN)))
                            .addAttributes(kv("quote", "say \"hi\"\n\u00e9")))
                    .addSpans(Span.newBuilder().setTraceId(TestAgent.id(16, 7)).setSpanId(TestAgent.id(8, 2))
                            .setParentSpanId(TestAgent.id(8, 1)).setName("FaceDetector.detect")
                            .setStartTimeUnixNano(t + 1_000_000).setEndTimeUnixNano(t + 3_000_000)
                            .setStatusCode(StatusCode.STATUS_CODE_ERROR).setStatusMessage("corrupt frame")
                            .addEvents(SpanEvent.newBuilder().setName("exception").setTimeUnixNano(t + 2_000_000)
                                    .addAttributes(kv("exception.type", "java.lang.IllegalStateException")))
                            .addEvents(SpanEvent.newBuilder().setName("retry").setTimeUnixNano(t + 2_500_000)))
                    .addSpans(Span.newBuilder().setTraceId(TestAgent.id(16, 7)).setSpanId(TestAgent.id(8, 3))
                            .setParentSpanId(TestAgent.id(8, 2)).setName("FaceRecognizer.recognize")
                            .setStartTimeUnixNano(t + 2_000_000).setEndTimeUnixNano(t + 2_500_000)
                            .addAttributes(kv("recognition.result", "blacklisted")))
                    .build();
            agent.sendBatch(batch);
            assertThat(expectAck(agent).getAck().getAcceptedSpans()).isEqualTo(3);

            String columns = "SELECT string_agg(encode(span_id, 'hex') || '|' || coalesce(encode(parent_span_id, 'hex'), '-')"
                    + " || '|' || operation || '|' || kind || '|' || duration_ns || '|' || status_code || '|'"
                    + " || status_message || '|' || attributes::text || '|' || coalesce(events::text, '-'), E'\\n'"
                    + " ORDER BY span_id) FROM spans WHERE agent_id = 'agent-spans'";
            assertThat(text(columns)).isEqualTo(String.join("\n",
                    "0000000000000001|-|GET /api/events|2|9000000|0||{\"quote\": \"say \\\"hi\\\"\\né\", \"ratio\": \"NaN\", "
                            + "\"http.route\": \"/api/events\", \"match.found\": true, "
                            + "\"match.confidence\": 0.934, \"http.response.status_code\": 200}|-",
                    "0000000000000002|0000000000000001|FaceDetector.detect|0|2000000|2|corrupt frame|{}|"
                            + "[{\"name\": \"exception\", \"attributes\": {\"exception.type\": "
                            + "\"java.lang.IllegalStateException\"}, \"timeUnixNano\": " + (t + 2_000_000) + "}, "
                            + "{\"name\": \"retry\", \"attributes\": {}, \"timeUnixNano\": " + (t + 2_500_000) + "}]",
                    "0000000000000003|0000000000000002|FaceRecognizer.recognize|0|500000|0||"
                            + "{\"recognition.result\": \"blacklisted\"}|-"));
        }
    }

    @Test
    void metricsAndAgentsShowWhatIngestDid() throws Exception {
        dev.peephole.collector.support.Http http = new dev.peephole.collector.support.Http(server);
        String admin = dev.peephole.collector.support.Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
        try (TestAgent agent = connected("agent-metrics", "doorbell")) {
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addMetrics(gauge("metrics.test", "k", "v", nowNanos(), 1))
                    .addSpans(span(77, 1, 0, "metrics-span", nowNanos())).build());
            expectAck(agent);

            assertThat(http.get("/metrics", null).statusCode()).isEqualTo(401);
            java.net.http.HttpResponse<String> metrics = http.get("/metrics", admin);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(metrics.body()).contains("# TYPE peephole_ingest_points_total counter")
                    .contains("peephole_ingest_batches_total{outcome=\"committed\"}")
                    .contains("peephole_ingest_commit_seconds_bucket")
                    .contains("peephole_ingest_queue_depth")
                    .contains("peephole_agents_connected")
                    .contains("hikaricp_connections_active");
            double points = metrics.body().lines().filter(l -> l.startsWith("peephole_ingest_points_total "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum();
            assertThat(points).isGreaterThanOrEqualTo(1);

            java.net.http.HttpResponse<String> agents = http.get("/api/v1/agents", admin);
            assertThat(agents.statusCode()).isEqualTo(200);
            assertThat(agents.body()).contains("\"agentId\":\"agent-metrics\"").contains("\"state\":\"connected\"")
                    .contains("\"hostName\":\"test-host\"").contains("\"samplingRatio\":1.0");
            assertThat(http.get("/api/v1/agents?withinSeconds=-1", admin).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void adminsChangeAnAgentsSettingsAndTheAgentGetsThemOnItsStream() throws Exception {
        dev.peephole.collector.support.Http http = new dev.peephole.collector.support.Http(server);
        String admin = dev.peephole.collector.support.Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
        try (TestAgent agent = connected("agent-settings", "doorbell")) {
            java.net.http.HttpResponse<String> r = http.send("PUT", "/api/v1/agents/agent-settings/settings", admin,
                    "{\"samplingRatio\":0.25,\"disabledRules\":[\"camera-capture\"]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            CollectorMessage pushed = agent.next(20);
            assertThat(pushed).isNotNull();
            assertThat(pushed.hasSettings()).isTrue();
            assertThat(pushed.getSettings().getSamplingRatio()).isEqualTo(0.25);
            assertThat(pushed.getSettings().getVersion()).isEqualTo(2);
            assertThat(pushed.getSettings().getDisabledRulesList()).containsExactly("camera-capture");
            // Not pushed twice: the 2-second poll sees the agent already has version 2.
            assertThat(agent.next(3)).isNull();

            // The ratio alone (as the dashboard sends it) keeps the rule switches as they are.
            assertThat(http.send("PUT", "/api/v1/agents/agent-settings/settings", admin,
                    "{\"samplingRatio\":0.5}").statusCode()).isEqualTo(200);
            CollectorMessage ratioOnly = agent.next(20);
            assertThat(ratioOnly).isNotNull();
            assertThat(ratioOnly.getSettings().getSamplingRatio()).isEqualTo(0.5);
            assertThat(ratioOnly.getSettings().getVersion()).isEqualTo(3);
            assertThat(ratioOnly.getSettings().getDisabledRulesList()).containsExactly("camera-capture");

            assertThat(http.send("PUT", "/api/v1/agents/agent-settings/settings", admin,
                    "{\"samplingRatio\":2}").statusCode()).isEqualTo(400);
            assertThat(http.send("PUT", "/api/v1/agents/nobody/settings", admin,
                    "{\"samplingRatio\":0.5}").statusCode()).isEqualTo(404);
            assertThat(text("SELECT DISTINCT actor || ' ' || action || ' ' || target FROM audit_log WHERE action = 'agent.settings'"))
                    .isEqualTo("admin agent.settings agent-settings");
        }
        // A reconnecting agent gets its stored settings in the first message.
        try (TestAgent again = new TestAgent(grpcPort, TOKEN, "agent-settings")) {
            again.sendHello("doorbell");
            CollectorMessage first = again.next(20);
            assertThat(first.getSettings().getSamplingRatio()).isEqualTo(0.5);
        }
    }

    @Test
    void timestampsFarFromNowAreRefusedAndCountedNotStored() throws Exception {
        try (TestAgent agent = connected("agent-skew", "doorbell")) {
            long t = nowNanos();
            long twoDays = 2L * 24 * 3600 * 1_000_000_000L;
            agent.sendBatch(Batch.newBuilder().setSequence(1)
                    .addMetrics(MetricSeries.newBuilder().setName("skew.test").setType(MetricType.METRIC_TYPE_GAUGE)
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t - twoDays).setValue(1))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t + twoDays).setValue(2))
                            .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(3)))
                    .addSpans(span(9, 1, 0, "old", t - twoDays))
                    .build());
            CollectorMessage ack = expectAck(agent);
            assertThat(ack.getAck().getAcceptedPoints()).isEqualTo(1);
            assertThat(ack.getAck().getRejectedPoints()).isEqualTo(2);
            assertThat(ack.getAck().getRejectedSpans()).isEqualTo(1);
            assertThat(ack.getAck().getReasonsList()).isNotEmpty();
            assertThat(count("SELECT count(*) FROM metric_points p JOIN metric_series s ON s.id = p.series_id "
                    + "WHERE s.metric_name = 'skew_test'")).isEqualTo(1);
            assertThat(count("SELECT count(*) FROM spans WHERE agent_id = 'agent-skew'")).isZero();
        }
    }

    @Test
    void aMetricAtItsSeriesLimitTakesNoNewSeriesButKeepsTakingPointsForExistingOnes() throws Exception {
        try (TestAgent agent = connected("agent-limit", "doorbell")) {
            long t = nowNanos();
            Batch.Builder b = Batch.newBuilder().setSequence(1);
            for (int i = 0; i < 5; i++) {
                b.addMetrics(gauge("limited", "user", "u" + i, t, i));
            }
            agent.sendBatch(b.build());
            CollectorMessage first = expectAck(agent);
            assertThat(first.getAck().getAcceptedPoints()).isEqualTo(3);
            assertThat(first.getAck().getRejectedPoints()).isEqualTo(2);
            assertThat(count("SELECT count(*) FROM metric_series WHERE metric_name = 'limited'")).isEqualTo(3);

            agent.sendBatch(Batch.newBuilder().setSequence(2)
                    .addMetrics(gauge("limited", "user", "u0", t + 1_000_000_000L, 10))
                    .addMetrics(gauge("limited", "user", "u9", t + 1_000_000_000L, 10))
                    .addMetrics(gauge("other.metric", "user", "u9", t, 1))
                    .build());
            CollectorMessage second = expectAck(agent);
            assertThat(second.getAck().getAcceptedPoints()).isEqualTo(2);
            assertThat(second.getAck().getRejectedPoints()).isEqualTo(1);
            assertThat(count("SELECT count(*) FROM metric_series WHERE metric_name = 'limited'")).isEqualTo(3);
        }
    }

    @Test
    void aWrongTokenIsUnauthenticated() throws Exception {
        try (TestAgent agent = new TestAgent(grpcPort, "not-the-token", "agent-bad-token")) {
            agent.sendHello("doorbell");
            Status status = agent.ended.get(20, TimeUnit.SECONDS);
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        assertThat(count("SELECT count(*) FROM agents WHERE agent_id = 'agent-bad-token'")).isZero();
    }

    @Test
    void aBatchBeforeHelloIsInvalidArgument() throws Exception {
        try (TestAgent agent = new TestAgent(grpcPort, TOKEN, "agent-no-hello")) {
            agent.sendBatch(Batch.newBuilder().setSequence(1).build());
            assertThat(agent.ended.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void malformedAndOversizedMessagesEndOnlyTheSendersStream() throws Exception {
        try (TestAgent healthy = connected("agent-healthy", "doorbell")) {
            // Garbage bytes where an AgentMessage belongs.
            Status malformed = sendRaw(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01, 0x02});
            assertThat(malformed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

            // A message over the 4 MiB limit.
            Status oversized = sendRaw(AgentMessage.newBuilder().setBatch(Batch.newBuilder().setSequence(1)
                    .addSpans(span(5, 1, 0, "x".repeat(5 * 1024 * 1024), nowNanos()))).build().toByteArray());
            assertThat(oversized.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

            // A span with a bad trace id: the protocol check, not the parser.
            try (TestAgent bad = connected("agent-bad-span", "doorbell")) {
                bad.sendBatch(Batch.newBuilder().setSequence(1).addSpans(Span.newBuilder()
                        .setTraceId(TestAgent.id(3, 1)).setSpanId(TestAgent.id(8, 1)).setName("bad")
                        .setStartTimeUnixNano(nowNanos()).setEndTimeUnixNano(nowNanos())).build());
                assertThat(bad.ended.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            }

            // The other agent streams on.
            healthy.sendBatch(Batch.newBuilder().setSequence(1).addSpans(span(6, 1, 0, "still-here", nowNanos())).build());
            assertThat(expectAck(healthy).getAck().getAcceptedSpans()).isEqualTo(1);
            assertThat(healthy.ended).isNotDone();
        }
    }

    /** Sends raw bytes as one message of the Connect method and returns how the call ended. */
    private static Status sendRaw(byte[] payload) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName("peephole.v1.AgentService/Connect")
                    .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
            ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
            CompletableFuture<Status> closed = new CompletableFuture<>();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, headers);
            call.request(10);
            call.sendMessage(payload);
            return closed.get(20, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow();
        }
    }

    static MetricSeries gauge(String name, String label, String value, long t, double v) {
        return MetricSeries.newBuilder().setName(name).setType(MetricType.METRIC_TYPE_GAUGE)
                .addLabels(Label.newBuilder().setName(label).setValue(value))
                .addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(v)).build();
    }

    static Span span(long trace, long id, long parent, String name, long start) {
        Span.Builder s = Span.newBuilder()
                .setTraceId(TestAgent.id(16, trace))
                .setSpanId(TestAgent.id(8, id))
                .setName(name)
                .setKind(SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(start + 5_000_000)
                .addAttributes(kv("recognition.result", "known"));
        if (parent != 0) {
            s.setParentSpanId(TestAgent.id(8, parent));
        }
        return s.build();
    }

    static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    static long count(String sql) throws Exception {
        return Long.parseLong(text(sql));
    }

    static String text(String sql) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
