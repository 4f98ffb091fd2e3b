package dev.peephole.collector.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans stored through the agent protocol are forwarded over OTLP to a receiver built from
 * the official opentelemetry-proto service definitions, on loopback, over gRPC and
 * HTTP/protobuf, with their content intact; a dead receiver never holds ingest back.
 */
class OtlpExportTest {

    private static final String TOKEN = "test-agent-token";
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final AtomicLong IDS = new AtomicLong(1_000);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private EmbeddedServer collector(Map<String, Object> export) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.alerting.enabled", false);
        props.putAll(export);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
        toClose.add(server);
        return server;
    }

    private TestAgent agent(EmbeddedServer server, String agentId, String service) throws InterruptedException {
        TestAgent agent = new TestAgent(server.getApplicationContext().getBean(AgentGrpcServer.class).port(), TOKEN,
                agentId);
        toClose.add(agent);
        agent.send(AgentMessage.newBuilder().setHello(agent.hello(service).toBuilder()
                .setServiceVersion("2.7.1")
                .setHostName("door-host-1")
                .addResourceAttributes(kv("deployment.environment", "staging"))).build());
        CollectorMessage settings = agent.next(30);
        assertThat(settings).isNotNull();
        assertThat(settings.hasSettings()).isTrue();
        return agent;
    }

    private static CollectorMessage.KindCase ackOf(TestAgent agent, Batch batch) throws InterruptedException {
        agent.sendBatch(batch);
        CollectorMessage m = agent.next(30);
        assertThat(m).as("ack of batch %d", batch.getSequence()).isNotNull();
        assertThat(m.hasAck()).as("an ack, got %s", m).isTrue();
        assertThat(m.getAck().getSequence()).isEqualTo(batch.getSequence());
        return m.getKindCase();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue kv(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }

    private static KeyValue kv(String key, double value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
    }

    private static KeyValue kv(String key, boolean value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
    }

    private static long nowNanos() {
        return System.currentTimeMillis() * 1_000_000L + 123;
    }

    private static ByteString newTraceId() {
        return TestAgent.id(16, IDS.incrementAndGet() << 20 | 0xABCDEF);
    }

    /** A trace of three spans: a server root, a client child that failed with an exception, an internal grandchild. */
    private static List<Span> trace(ByteString traceId, long t) {
        ByteString root = TestAgent.id(8, IDS.incrementAndGet());
        ByteString child = TestAgent.id(8, IDS.incrementAndGet());
        ByteString grandchild = TestAgent.id(8, IDS.incrementAndGet());
        return List.of(
                Span.newBuilder().setTraceId(traceId).setSpanId(root).setName("GET /api/events")
                        .setKind(SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(t).setEndTimeUnixNano(t + 9_876_543)
                        .setStatusCode(StatusCode.STATUS_CODE_OK)
                        .addAttributes(kv("http.request.method", "GET"))
                        .addAttributes(kv("http.response.status_code", 200L))
                        .addAttributes(kv("doorbell.confidence", 0.875))
                        .addAttributes(kv("doorbell.known", true))
                        .build(),
                Span.newBuilder().setTraceId(traceId).setSpanId(child).setParentSpanId(root)
                        .setName("FaceRecognizer.recognize").setKind(SpanKind.SPAN_KIND_CLIENT)
                        .setStartTimeUnixNano(t + 1_000).setEndTimeUnixNano(t + 5_000_001)
                        .setStatusCode(StatusCode.STATUS_CODE_ERROR).setStatusMessage("model not loaded")
                        .addAttributes(kv("code.function", "recognize"))
                        .addEvents(SpanEvent.newBuilder().setName("exception").setTimeUnixNano(t + 4_999_999)
                                .addAttributes(kv("exception.type", "java.lang.IllegalStateException"))
                                .addAttributes(kv("exception.message", "model not loaded"))
                                .addAttributes(kv("exception.stacktrace",
                                        "java.lang.IllegalStateException: model not loaded\n\tat Face.recognize(Face.java:42)")))
                        .build(),
                Span.newBuilder().setTraceId(traceId).setSpanId(grandchild).setParentSpanId(child)
                        .setName("Model.load").setKind(SpanKind.SPAN_KIND_INTERNAL)
                        .setStartTimeUnixNano(t + 2_000).setEndTimeUnixNano(t + 3_000)
                        .build());
    }

    private static Batch batch(long sequence, List<Span> spans) {
        return Batch.newBuilder().setSequence(sequence).addAllSpans(spans).build();
    }

    /** Every field of a sent span against what the receiver got. */
    private static void assertIntact(Span sent, io.opentelemetry.proto.trace.v1.Span got) {
        assertThat(got.getTraceId()).isEqualTo(sent.getTraceId());
        assertThat(got.getSpanId()).isEqualTo(sent.getSpanId());
        assertThat(got.getParentSpanId()).isEqualTo(sent.getParentSpanId());
        assertThat(got.getName()).isEqualTo(sent.getName());
        // Peephole's SpanKind numbers are OTLP's
        assertThat(got.getKindValue()).isEqualTo(sent.getKindValue());
        assertThat(got.getStartTimeUnixNano()).isEqualTo(sent.getStartTimeUnixNano());
        assertThat(got.getEndTimeUnixNano()).isEqualTo(sent.getEndTimeUnixNano());
        assertThat(got.getStatus().getCodeValue()).isEqualTo(sent.getStatusCodeValue());
        assertThat(got.getStatus().getMessage()).isEqualTo(sent.getStatusMessage());
        assertThat(OtlpReceiver.attributes(got.getAttributesList())).isEqualTo(peepholeAttributes(sent.getAttributesList()));
        assertThat(got.getEventsCount()).isEqualTo(sent.getEventsCount());
        for (int i = 0; i < sent.getEventsCount(); i++) {
            SpanEvent e = sent.getEvents(i);
            var g = got.getEvents(i);
            assertThat(g.getName()).isEqualTo(e.getName());
            assertThat(g.getTimeUnixNano()).isEqualTo(e.getTimeUnixNano());
            assertThat(OtlpReceiver.attributes(g.getAttributesList())).isEqualTo(peepholeAttributes(e.getAttributesList()));
        }
    }

    private static Map<String, Object> peepholeAttributes(List<KeyValue> kvs) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (KeyValue kv : kvs) {
            AnyValue v = kv.getValue();
            out.put(kv.getKey(), switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case BOOL_VALUE -> v.getBoolValue();
                case INT_VALUE -> v.getIntValue();
                case DOUBLE_VALUE -> v.getDoubleValue();
                default -> v.toString();
            });
        }
        return out;
    }

    private static void assertResource(OtlpReceiver.Received r, String service, String agentId) {
        Map<String, Object> resource = OtlpReceiver.attributes(r.resource().getAttributesList());
        assertThat(resource).containsEntry("service.name", service)
                .containsEntry("service.version", "2.7.1")
                .containsEntry("service.instance.id", agentId)
                .containsEntry("host.name", "door-host-1")
                .containsEntry("process.pid", 42L)
                .containsEntry("deployment.environment", "staging");
        assertThat(r.scope()).isEqualTo("peephole-agent");
    }

    private static double metric(Http http, String series) throws Exception {
        String body = http.get("/metrics", ADMIN).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void overGrpcEveryStoredSpanArrivesOnceWithContentIntact() throws Exception {
        OtlpReceiver receiver = OtlpReceiver.grpc(0);
        toClose.add(receiver);
        EmbeddedServer server = collector(Map.of(
                "peephole.otlp.export.endpoint", "http://127.0.0.1:" + receiver.port,
                "peephole.otlp.export.headers", "authorization=Bearer jaeger-s3cret, x-scope-orgid=tenant-7"));
        TestAgent agent = agent(server, "export-grpc-1", "doorbell");
        long t = nowNanos();
        ByteString traceId = newTraceId();
        List<Span> sent = new ArrayList<>(trace(traceId, t));
        // refused for its timestamp (two days old): not stored, so not forwarded
        Span old = sent.get(2).toBuilder().setSpanId(TestAgent.id(8, IDS.incrementAndGet()))
                .setStartTimeUnixNano(t - TimeUnit.DAYS.toNanos(2)).setEndTimeUnixNano(t - TimeUnit.DAYS.toNanos(2) + 5)
                .build();
        List<Span> withOld = new ArrayList<>(sent);
        withOld.add(old);
        Batch first = batch(1, withOld);
        ackOf(agent, first);

        List<OtlpReceiver.Received> got = receiver.await(s -> s.getTraceId().equals(traceId), 3, 60);
        assertThat(got).hasSize(3);
        for (Span s : sent) {
            OtlpReceiver.Received r = got.stream().filter(g -> g.span().getSpanId().equals(s.getSpanId()))
                    .findFirst().orElseThrow(() -> new AssertionError("span " + s.getName() + " not received"));
            assertIntact(s, r.span());
            assertResource(r, "doorbell", "export-grpc-1");
            assertThat(r.headers()).containsEntry("authorization", "Bearer jaeger-s3cret")
                    .containsEntry("x-scope-orgid", "tenant-7");
        }

        // The same batch again (a lost ack): stored once, so forwarded once; then a new batch.
        agent.sendBatch(first);
        CollectorMessage dup = agent.next(30);
        assertThat(dup.getAck().getDuplicate()).isTrue();
        ByteString secondTrace = newTraceId();
        ackOf(agent, batch(2, trace(secondTrace, t + 1_000_000)));
        assertThat(receiver.await(s -> s.getTraceId().equals(secondTrace), 3, 60)).hasSize(3);
        assertThat(receiver.spans(s -> s.getTraceId().equals(traceId))).hasSize(3);

        Http http = new Http(server);
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"exported\"}")).isEqualTo(6.0);
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"dropped\"}")).isEqualTo(0.0);
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"failed\"}")).isEqualTo(0.0);
        // the header's secret is nowhere in what the collector shows
        assertThat(http.get("/metrics", ADMIN).body()).doesNotContain("jaeger-s3cret");
    }

    /** Spans that came in over OTLP are forwarded too, with their own resource. */
    @Test
    void spansIngestedOverOtlpAreForwardedWithTheirResource() throws Exception {
        OtlpReceiver receiver = OtlpReceiver.grpc(0);
        toClose.add(receiver);
        EmbeddedServer server = collector(Map.of("peephole.otlp.export.endpoint", "http://127.0.0.1:" + receiver.port));
        int otlpPort = server.getApplicationContext().getBean(dev.peephole.collector.otlp.OtlpGrpcServer.class).port();
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", otlpPort)
                .usePlaintext().build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        io.grpc.Metadata auth = new io.grpc.Metadata();
        auth.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        var stub = io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc.newBlockingStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth))
                .withDeadlineAfter(60, TimeUnit.SECONDS);

        ByteString traceId = newTraceId();
        ByteString spanId = TestAgent.id(8, IDS.incrementAndGet());
        long t = nowNanos();
        var otlpSpan = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(traceId).setSpanId(spanId).setName("GET /api/people")
                .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(t).setEndTimeUnixNano(t + 2_000_000)
                .addAttributes(otlpKv("http.route", "/api/people"))
                .build();
        var request = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
                        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                                .addAttributes(otlpKv("service.name", "sdk-doorbell"))
                                .addAttributes(otlpKv("service.version", "3.1.0"))
                                .addAttributes(otlpKv("host.name", "sdk-host"))
                                .addAttributes(otlpKv("service.instance.id", "sdk-instance-1"))
                                .addAttributes(otlpKv("deployment.environment", "prod")))
                        .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder().addSpans(otlpSpan)))
                .build();
        stub.export(request);

        List<OtlpReceiver.Received> got = receiver.await(s -> s.getTraceId().equals(traceId), 1, 60);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).span().getSpanId()).isEqualTo(spanId);
        assertThat(got.get(0).span().getName()).isEqualTo("GET /api/people");
        assertThat(got.get(0).span().getStartTimeUnixNano()).isEqualTo(t);
        assertThat(OtlpReceiver.attributes(got.get(0).span().getAttributesList())).containsEntry("http.route", "/api/people");
        assertThat(OtlpReceiver.attributes(got.get(0).resource().getAttributesList()))
                .containsEntry("service.name", "sdk-doorbell")
                .containsEntry("service.version", "3.1.0")
                .containsEntry("host.name", "sdk-host")
                .containsEntry("service.instance.id", "sdk-instance-1")
                .containsEntry("deployment.environment", "prod");
    }

    private static io.opentelemetry.proto.common.v1.KeyValue otlpKv(String key, String value) {
        return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(key)
                .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(value)).build();
    }

    @Test
    void overHttpProtobufWithGzipTheSpansArriveIntact() throws Exception {
        OtlpReceiver receiver = OtlpReceiver.http(0, null, false);
        toClose.add(receiver);
        EmbeddedServer server = collector(Map.of(
                "peephole.otlp.export.endpoint", "http://127.0.0.1:" + receiver.port,
                "peephole.otlp.export.protocol", "http/protobuf",
                "peephole.otlp.export.compression", "gzip",
                "peephole.otlp.export.headers", "x-api-key=k3y=with=equals"));
        TestAgent agent = agent(server, "export-http-1", "doorbell-http");
        ByteString traceId = newTraceId();
        List<Span> sent = trace(traceId, nowNanos());
        ackOf(agent, batch(1, sent));
        List<OtlpReceiver.Received> got = receiver.await(s -> s.getTraceId().equals(traceId), 3, 60);
        assertThat(got).hasSize(3);
        for (Span s : sent) {
            OtlpReceiver.Received r = got.stream().filter(g -> g.span().getSpanId().equals(s.getSpanId()))
                    .findFirst().orElseThrow();
            assertIntact(s, r.span());
            assertResource(r, "doorbell-http", "export-http-1");
            assertThat(r.headers()).containsEntry("x-api-key", "k3y=with=equals")
                    .containsEntry("content-encoding", "gzip");
        }
    }

    @Test
    void aDeadReceiverNeverHoldsIngestBackDropsAreCountedAndSpansFlowWhenItReturns() throws Exception {
        int port = FreePorts.next();
        EmbeddedServer server = collector(Map.of(
                "peephole.otlp.export.endpoint", "http://127.0.0.1:" + port,
                "peephole.otlp.export.queue.size", 30,
                "peephole.otlp.export.batch.size", 10,
                "peephole.otlp.export.retry.attempts", 5,
                "peephole.otlp.export.retry.backoff", "2s",
                "peephole.otlp.export.timeout", "5s"));
        Http http = new Http(server);
        TestAgent agent = agent(server, "export-down-1", "doorbell-down");
        long seq = 0;
        long stored = 0;
        // Nobody listens: every batch is still acknowledged (stored) while the export queue
        // fills and what does not fit is dropped and counted.
        while (metric(http, "peephole_otlp_export_spans_total{outcome=\"dropped\"}") <= 0 && seq < 200) {
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                spans.addAll(trace(newTraceId(), nowNanos()));
            }
            ackOf(agent, batch(++seq, spans));
            stored += spans.size();
        }
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"dropped\"}")).isPositive();
        assertThat(metric(http, "peephole_otlp_export_queue_spans")).isBetween(0.0, 30.0);
        assertThat(metric(http, "peephole_ingest_spans_total")).isEqualTo((double) stored);
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"exported\"}")).isEqualTo(0.0);

        // The receiver comes up on that port: spans flow again.
        OtlpReceiver receiver = OtlpReceiver.grpc(port);
        toClose.add(receiver);
        ByteString[] later = new ByteString[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        List<OtlpReceiver.Received> got = List.of();
        // one new trace now and then until one arrives (the first may still meet a full queue)
        while (got.isEmpty() && System.nanoTime() < deadline) {
            later[0] = newTraceId();
            ackOf(agent, batch(++seq, trace(later[0], nowNanos())));
            got = receiver.await(s -> s.getTraceId().equals(later[0]), 3, 10);
        }
        assertThat(got).as("spans forwarded once the receiver is back").hasSize(3);
        assertResource(got.get(0), "doorbell-down", "export-down-1");
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"exported\"}")).isGreaterThanOrEqualTo(3.0);
    }

    @Test
    void overHttpsTheCollectorTrustsTheConfiguredCaAndPresentsItsClientCertificate(@TempDir Path dir)
            throws Exception {
        TestCertificates.Identity serverId = TestCertificates.create(dir, "receiver");
        TestCertificates.Identity clientId = TestCertificates.create(dir, "peephole");
        OtlpReceiver receiver = OtlpReceiver.http(0, TestCertificates.serverContext(serverId, clientId), true);
        toClose.add(receiver);
        Map<String, Object> export = new HashMap<>(Map.of(
                "peephole.otlp.export.endpoint", "https://127.0.0.1:" + receiver.port,
                "peephole.otlp.export.protocol", "http/protobuf",
                "peephole.otlp.export.certificate", serverId.certificatePem().toString(),
                "peephole.otlp.export.client.certificate", clientId.certificatePem().toString(),
                "peephole.otlp.export.client.key", clientId.keyPem().toString()));
        EmbeddedServer server = collector(export);
        TestAgent agent = agent(server, "export-tls-1", "doorbell-tls");
        ByteString traceId = newTraceId();
        List<Span> sent = trace(traceId, nowNanos());
        ackOf(agent, batch(1, sent));
        List<OtlpReceiver.Received> got = receiver.await(s -> s.getTraceId().equals(traceId), 3, 60);
        assertThat(got).hasSize(3);
        assertIntact(sent.get(1), got.stream().filter(g -> g.span().getSpanId().equals(sent.get(1).getSpanId()))
                .findFirst().orElseThrow().span());

        // Without its client certificate the receiver refuses the collector: the spans are
        // stored all the same, and counted as failed exports.
        agent.close();
        server.close();
        toClose.remove(agent);
        toClose.remove(server);
        export.remove("peephole.otlp.export.client.certificate");
        export.remove("peephole.otlp.export.client.key");
        export.put("peephole.otlp.export.retry.attempts", 1);
        EmbeddedServer noClientCert = collector(export);
        TestAgent other = agent(noClientCert, "export-tls-2", "doorbell-tls");
        ByteString refused = newTraceId();
        ackOf(other, batch(1, trace(refused, nowNanos())));
        Http http = new Http(noClientCert);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (metric(http, "peephole_otlp_export_spans_total{outcome=\"failed\"}") < 3
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(metric(http, "peephole_otlp_export_spans_total{outcome=\"failed\"}")).isEqualTo(3.0);
        assertThat(metric(http, "peephole_otlp_export_requests_total{outcome=\"failure\"}")).isEqualTo(1.0);
        assertThat(receiver.spans(s -> s.getTraceId().equals(refused))).isEmpty();
    }

    @Test
    void overGrpcWithTlsTheCollectorTrustsTheConfiguredCa(@TempDir Path dir) throws Exception {
        TestCertificates.Identity serverId = TestCertificates.create(dir, "receiver");
        OtlpReceiver receiver = OtlpReceiver.grpc(0, serverId.certificatePem(), serverId.keyPem());
        toClose.add(receiver);
        EmbeddedServer server = collector(Map.of(
                "peephole.otlp.export.endpoint", "https://127.0.0.1:" + receiver.port,
                "peephole.otlp.export.certificate", serverId.certificatePem().toString()));
        TestAgent agent = agent(server, "export-grpc-tls-1", "doorbell-grpc-tls");
        ByteString traceId = newTraceId();
        List<Span> sent = trace(traceId, nowNanos());
        ackOf(agent, batch(1, sent));
        List<OtlpReceiver.Received> got = receiver.await(s -> s.getTraceId().equals(traceId), 3, 60);
        assertThat(got).hasSize(3);
        assertResource(got.get(0), "doorbell-grpc-tls", "export-grpc-tls-1");
    }
}
