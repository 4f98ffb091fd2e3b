package dev.peephole.collector.otlp;

import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.peephole.collector.grpc.RawBytesMarshaller;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OTLP ingest end to end on the embedded PostgreSQL: a real OpenTelemetry SDK exports over
 * OTLP/gRPC and OTLP/HTTP (protobuf), hand-written OTLP/JSON goes to /v1/traces and
 * /v1/metrics, and everything comes back through the Jaeger and Prometheus APIs.
 */
class OtlpIngestTest {

    private static final String TOKEN = "otlp-test-token";
    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static EmbeddedServer server;
    private static Http http;
    private static int grpcPort;
    private static int httpPort;

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.otlp.grpc.port", 0);
        props.put("peephole.otlp.http.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        grpcPort = server.getApplicationContext().getBean(OtlpGrpcServer.class).port();
        httpPort = server.getApplicationContext().getBean(OtlpHttpServer.class).port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static io.opentelemetry.sdk.resources.Resource resource(String service, String instance) {
        return io.opentelemetry.sdk.resources.Resource.getDefault().merge(io.opentelemetry.sdk.resources.Resource.create(
                Attributes.of(stringKey("service.name"), service, stringKey("host.name"), "otlp-host",
                        stringKey("service.instance.id"), instance)));
    }

    private static SpanExporter spanExporter(String transport, String token) {
        return transport.equals("grpc")
                ? OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
                        .addHeader("Authorization", "Bearer " + token).setTimeout(Duration.ofSeconds(60)).build()
                : OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + token).setTimeout(Duration.ofSeconds(60)).build();
    }

    private static MetricExporter metricExporter(String transport) {
        return transport.equals("grpc")
                ? OtlpGrpcMetricExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
                        .addHeader("Authorization", "Bearer " + TOKEN).setTimeout(Duration.ofSeconds(60)).build()
                : OtlpHttpMetricExporter.builder().setEndpoint("http://127.0.0.1:" + httpPort + "/v1/metrics")
                        .addHeader("Authorization", "Bearer " + TOKEN).setTimeout(Duration.ofSeconds(60)).build();
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.get(path, ADMIN);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode query(String promql) throws Exception {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("data").get("result");
    }

    private static double onlyValue(String promql) throws Exception {
        JsonNode result = query(promql);
        assertThat(result.size()).as(promql + " -> " + result).isEqualTo(1);
        return result.get(0).get("value").get(1).asDouble();
    }

    private static Map<String, String> tags(JsonNode tags) {
        Map<String, String> out = new HashMap<>();
        tags.forEach(t -> out.put(t.get("key").asText(), t.get("value").asText()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void spansFromTheSdkComeBackThroughTheJaegerApi(String transport) throws Exception {
        String service = "otlp-sdk-" + transport;
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource(service, "inst-" + transport))
                .addSpanProcessor(SimpleSpanProcessor.create(spanExporter(transport, TOKEN))).build();
        Tracer tracer = provider.get("peephole-otlp-test", "1.2.3");
        Span root = tracer.spanBuilder("GET /doors").setSpanKind(SpanKind.SERVER)
                .setAttribute("http.route", "/doors").setAttribute("http.response.status_code", 200L).startSpan();
        try (Scope ignored = root.makeCurrent()) {
            Span child = tracer.spanBuilder("Camera.capture").setAttribute("frame.ok", false)
                    .setAttribute("confidence", 0.25).startSpan();
            child.recordException(new IllegalStateException("lens cap on"));
            child.setStatus(StatusCode.ERROR, "no picture");
            child.end();
        }
        root.end();
        assertThat(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
        provider.shutdown().join(30, TimeUnit.SECONDS);

        String traceId = root.getSpanContext().getTraceId();
        JsonNode trace = get("/api/traces/" + traceId).get("data").get(0);
        assertThat(trace.get("traceID").asText()).isEqualTo(traceId);
        JsonNode spans = trace.get("spans");
        assertThat(spans.size()).isEqualTo(2);
        JsonNode rootJson = null;
        JsonNode childJson = null;
        for (JsonNode s : spans) {
            if (s.get("operationName").asText().equals("GET /doors")) {
                rootJson = s;
            } else {
                childJson = s;
            }
        }
        assertThat(rootJson.get("spanID").asText()).isEqualTo(root.getSpanContext().getSpanId());
        assertThat(rootJson.get("references").size()).isZero();
        Map<String, String> rootTags = tags(rootJson.get("tags"));
        assertThat(rootTags).containsEntry("span.kind", "server").containsEntry("http.route", "/doors")
                .containsEntry("http.response.status_code", "200").containsEntry("otel.scope.name", "peephole-otlp-test")
                .containsEntry("otel.scope.version", "1.2.3");

        assertThat(childJson.get("operationName").asText()).isEqualTo("Camera.capture");
        assertThat(childJson.get("references").get(0).get("spanID").asText()).isEqualTo(root.getSpanContext().getSpanId());
        Map<String, String> childTags = tags(childJson.get("tags"));
        assertThat(childTags).containsEntry("error", "true").containsEntry("otel.status_description", "no picture")
                .containsEntry("frame.ok", "false").containsEntry("confidence", "0.25");
        assertThat(childTags).doesNotContainKey("span.kind"); // internal
        JsonNode log = childJson.get("logs").get(0);
        Map<String, String> fields = tags(log.get("fields"));
        assertThat(fields).containsEntry("exception.type", "java.lang.IllegalStateException")
                .containsEntry("exception.message", "lens cap on");
        assertThat(fields.get("exception.stacktrace")).contains("OtlpIngestTest");

        JsonNode process = trace.get("processes").get(rootJson.get("processID").asText());
        assertThat(process.get("serviceName").asText()).isEqualTo(service);
        assertThat(tags(process.get("tags"))).containsEntry("hostname", "otlp-host")
                .containsEntry("service.instance.id", "inst-" + transport);
        assertThat(get("/api/services").get("data").toString()).contains("\"" + service + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void metricsFromTheSdkGetPrometheusNamesAndTheStandardLabels(String transport) throws Exception {
        String service = "otlp-metrics-" + transport;
        SdkMeterProvider provider = SdkMeterProvider.builder().setResource(resource(service, "m-" + transport))
                .registerMetricReader(PeriodicMetricReader.builder(metricExporter(transport))
                        .setInterval(Duration.ofHours(1)).build())
                .build();
        Meter meter = provider.get("peephole-otlp-test");
        LongCounter rings = meter.counterBuilder("doorbell.rings").setUnit("{ring}").setDescription("rings").build();
        rings.add(3, Attributes.of(stringKey("door"), "front"));
        meter.gaugeBuilder("door.temperature").setUnit("Cel").buildWithCallback(g -> g.record(21.5));
        meter.upDownCounterBuilder("door.visitors.waiting").build().add(4);
        DoubleHistogram open = meter.histogramBuilder("door.open.duration").setUnit("s")
                .setExplicitBucketBoundariesAdvice(List.of(0.5, 1.0, 2.0)).build();
        open.record(0.3);
        open.record(1.5);
        assertThat(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
        provider.shutdown().join(30, TimeUnit.SECONDS);

        String sel = "{service_name=\"" + service + "\"}";
        JsonNode ringsSeries = query("doorbell_rings_total" + sel);
        assertThat(ringsSeries.size()).isEqualTo(1);
        JsonNode labels = ringsSeries.get(0).get("metric");
        assertThat(labels.get("door").asText()).isEqualTo("front");
        assertThat(labels.get("host_name").asText()).isEqualTo("otlp-host");
        assertThat(labels.get("instance").asText()).isEqualTo("m-" + transport);
        assertThat(ringsSeries.get(0).get("value").get(1).asDouble()).isEqualTo(3.0);
        assertThat(onlyValue("door_temperature_celsius" + sel)).isEqualTo(21.5);
        assertThat(onlyValue("door_visitors_waiting" + sel)).isEqualTo(4.0); // non-monotonic sum: a gauge
        assertThat(onlyValue("door_open_duration_seconds_bucket{le=\"0.5\",service_name=\"" + service + "\"}")).isEqualTo(1.0);
        assertThat(onlyValue("door_open_duration_seconds_bucket{le=\"1\",service_name=\"" + service + "\"}")).isEqualTo(1.0);
        assertThat(onlyValue("door_open_duration_seconds_bucket{le=\"2\",service_name=\"" + service + "\"}")).isEqualTo(2.0);
        assertThat(onlyValue("door_open_duration_seconds_bucket{le=\"+Inf\",service_name=\"" + service + "\"}")).isEqualTo(2.0);
        assertThat(onlyValue("door_open_duration_seconds_count" + sel)).isEqualTo(2.0);
        assertThat(onlyValue("door_open_duration_seconds_sum" + sel)).isEqualTo(1.8, org.assertj.core.data.Offset.offset(1e-9));
        JsonNode metadata = get("/api/v1/metadata?metric=doorbell_rings_total").get("data").get("doorbell_rings_total");
        assertThat(metadata.get(0).get("type").asText()).isEqualTo("counter");
    }

    private static HttpResponse<String> postOtlp(String path, String contentType, byte[] body, String token,
                                                 String encoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(90));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void otlpJsonWithHexIdsAndEnumNamesOrNumbers() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        String traceId = "5b8efff798038103d269b633813fc60c";
        String body = """
                {"resourceSpans":[{"resource":{"attributes":[
                   {"key":"service.name","value":{"stringValue":"otlp-json"}},
                   {"key":"host.name","value":{"stringValue":"json-host"}}]},
                 "scopeSpans":[{"scope":{"name":"hand-written"},"spans":[
                   {"traceId":"%1$s","spanId":"eee19b7ec3c1b174","name":"POST /ring","kind":2,
                    "startTimeUnixNano":"%2$d","endTimeUnixNano":"%3$d",
                    "attributes":[{"key":"retries","value":{"intValue":"2"}},
                                  {"key":"doors","value":{"arrayValue":{"values":[{"stringValue":"front"},{"stringValue":"back"}]}}}]},
                   {"traceId":"%1$s","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174","name":"notify",
                    "kind":"SPAN_KIND_CLIENT","startTimeUnixNano":%2$d,"endTimeUnixNano":%3$d,
                    "status":{"code":"STATUS_CODE_ERROR","message":"phone off"},
                    "events":[{"timeUnixNano":"%2$d","name":"exception","attributes":[
                      {"key":"exception.type","value":{"stringValue":"PushException"}}]}]},
                   {"traceId":"%1$s","spanId":"0102","name":"too short an id","startTimeUnixNano":"%2$d","endTimeUnixNano":"%3$d"}
                 ]}]}]}
                """.formatted(traceId, now - 5_000_000, now);
        HttpResponse<String> r = postOtlp("/v1/traces", "application/json", body.getBytes(StandardCharsets.UTF_8), TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode partial = JSON.readTree(r.body()).get("partialSuccess");
        assertThat(partial.get("rejectedSpans").asLong()).isEqualTo(1);
        assertThat(partial.get("errorMessage").asText()).contains("span_id must be 8 bytes");

        JsonNode trace = get("/api/traces/" + traceId).get("data").get(0);
        assertThat(trace.get("spans").size()).isEqualTo(2);
        for (JsonNode s : trace.get("spans")) {
            Map<String, String> tags = tags(s.get("tags"));
            if (s.get("spanID").asText().equals("eee19b7ec3c1b174")) {
                assertThat(tags).containsEntry("span.kind", "server").containsEntry("retries", "2")
                        .containsEntry("doors", "[\"front\",\"back\"]").containsEntry("otel.scope.name", "hand-written");
            } else {
                assertThat(s.get("references").get(0).get("spanID").asText()).isEqualTo("eee19b7ec3c1b174");
                assertThat(tags).containsEntry("span.kind", "client").containsEntry("error", "true")
                        .containsEntry("otel.status_description", "phone off");
                assertThat(tags(s.get("logs").get(0).get("fields"))).containsEntry("exception.type", "PushException");
            }
        }
        JsonNode process = trace.get("processes").elements().next();
        assertThat(tags(process.get("tags"))).containsEntry("hostname", "json-host")
                .containsEntry("service.instance.id", "json-host");

        String metrics = """
                {"resourceMetrics":[{"resource":{"attributes":[
                   {"key":"service.name","value":{"stringValue":"otlp-json"}},
                   {"key":"service.instance.id","value":{"stringValue":"json-1"}}]},
                 "scopeMetrics":[{"metrics":[
                   {"name":"system.cpu.utilization","unit":"1","gauge":{"dataPoints":[
                      {"timeUnixNano":"%1$d","asDouble":0.42,"attributes":[{"key":"cpu","value":{"intValue":"0"}}]}]}},
                   {"name":"jvm.memory.used","unit":"By","sum":{"aggregationTemporality":2,"isMonotonic":false,"dataPoints":[
                      {"timeUnixNano":"%1$d","asInt":"1048576"}]}},
                   {"name":"http.requests","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,
                      "dataPoints":[{"timeUnixNano":"%1$d","asInt":"5"}]}},
                   {"name":"bytes.sent","unit":"By","sum":{"aggregationTemporality":1,"isMonotonic":true,
                      "dataPoints":[{"timeUnixNano":"%1$d","asInt":"7"}]}}
                 ]}]}]}
                """.formatted(now);
        r = postOtlp("/v1/metrics", "application/json; charset=utf-8", metrics.getBytes(StandardCharsets.UTF_8), TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        partial = JSON.readTree(r.body()).get("partialSuccess");
        assertThat(partial.get("rejectedDataPoints").asLong()).isEqualTo(1);
        assertThat(partial.get("errorMessage").asText()).contains("bytes.sent").contains("cumulative");
        assertThat(onlyValue("system_cpu_utilization_ratio{service_name=\"otlp-json\",cpu=\"0\",instance=\"json-1\"}"))
                .isEqualTo(0.42);
        assertThat(onlyValue("jvm_memory_used_bytes{service_name=\"otlp-json\"}")).isEqualTo(1048576.0);
        assertThat(onlyValue("http_requests_total{service_name=\"otlp-json\"}")).isEqualTo(5.0);
        assertThat(query("{__name__=~\"bytes_sent.*\",service_name=\"otlp-json\"}").size()).isZero();
    }

    @Test
    void gzippedProtobufOverHttpAnswersProtobuf() throws Exception {
        byte[] traceId = HexFormat.of().parseHex("0af7651916cd43dd8448eb211c80319c");
        long now = System.currentTimeMillis() * 1_000_000L;
        ExportTraceServiceRequest request = request("otlp-gzip", io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .setName("gzipped").setStartTimeUnixNano(now - 1_000_000).setEndTimeUnixNano(now).build());
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(request.toByteArray());
        }
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
                .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "gzip")
                .header("Authorization", "Bearer " + TOKEN).build();
        HttpResponse<byte[]> r = CLIENT.send(post, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();
        assertThat(get("/api/traces/0af7651916cd43dd8448eb211c80319c").get("data").get(0).get("spans").get(0)
                .get("operationName").asText()).isEqualTo("gzipped");
    }

    private static ExportTraceServiceRequest request(String service, io.opentelemetry.proto.trace.v1.Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue(service))))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
    }

    @Test
    void wrongOrMissingTokenIsRefusedOnBothTransports() throws Exception {
        HttpResponse<String> r = postOtlp("/v1/traces", "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                "not-the-token", null);
        assertThat(r.statusCode()).isEqualTo(401);
        JsonNode error = JSON.readTree(r.body());
        assertThat(error.get("status").asText()).isEqualTo("error");
        assertThat(error.get("errorType").asText()).isEqualTo("unauthorized");
        assertThat(error.get("error").asText()).isEqualTo("wrong agent token");
        assertThat(r.body()).doesNotContain(TOKEN);
        HttpResponse<byte[]> noToken = CLIENT.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/v1/metrics"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                .header("Content-Type", "application/x-protobuf").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(noToken.statusCode()).isEqualTo(401);
        com.google.rpc.Status status = com.google.rpc.Status.parseFrom(noToken.body());
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED.value());
        assertThat(status.getMessage()).contains("missing agent token");

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            for (String token : new String[] {"wrong", null}) {
                Metadata headers = new Metadata();
                if (token != null) {
                    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                }
                TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
                assertThatThrownBy(() -> stub.export(ExportTraceServiceRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }

        // The SDK's exporter is told too: its export fails, nothing is stored.
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource("otlp-wrong-token", "x"))
                .addSpanProcessor(SimpleSpanProcessor.create(spanExporter("grpc", "wrong"))).build();
        provider.get("t").spanBuilder("refused").startSpan().end();
        assertThat(provider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).isFalse();
        provider.shutdown().join(30, TimeUnit.SECONDS);
        assertThat(get("/api/services").get("data").toString()).doesNotContain("otlp-wrong-token");
    }

    @Test
    void malformedAndOversizedRequestsAreRefusedWithClearErrors() throws Exception {
        HttpResponse<String> r = postOtlp("/v1/traces", "application/json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}"
                .getBytes(StandardCharsets.UTF_8), TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("errorType").asText()).isEqualTo("bad_data");
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("traceId must be hex");
        r = postOtlp("/v1/traces", "application/json", "{not json".getBytes(StandardCharsets.UTF_8), TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(400);
        r = postOtlp("/v1/traces", "application/x-protobuf", new byte[] {(byte) 0xff, 0x01, 0x02}, TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(400);
        r = postOtlp("/v1/traces", "text/plain", "x".getBytes(StandardCharsets.UTF_8), TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(415);
        r = postOtlp("/v1/traces", "application/x-protobuf", new byte[] {1}, TOKEN, "br");
        assertThat(r.statusCode()).isEqualTo(415);
        byte[] big = new byte[5 * 1024 * 1024];
        r = postOtlp("/v1/traces", "application/x-protobuf", big, TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(413);

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024).build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
            io.grpc.Channel authed = io.grpc.ClientInterceptors.intercept(channel,
                    MetadataUtils.newAttachHeadersInterceptor(headers));
            var raw = TraceServiceGrpc.getExportMethod().toBuilder(new RawBytesMarshaller(),
                    TraceServiceGrpc.getExportMethod().getResponseMarshaller()).build();
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(authed, raw, options, new byte[] {(byte) 0xff, 0x01}))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(authed, raw, options, big))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            // partial success over gRPC: a span with a bad id is refused, the good one stored
            long now = System.currentTimeMillis() * 1_000_000L;
            ExportTraceServiceResponse answer = TraceServiceGrpc.newBlockingStub(authed)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .export(request("otlp-grpc-partial",
                            io.opentelemetry.proto.trace.v1.Span.newBuilder()
                                    .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex("1af7651916cd43dd8448eb211c80319c")))
                                    .setSpanId(ByteString.copyFrom(new byte[] {9, 9, 9, 9, 9, 9, 9, 9})).setName("kept")
                                    .setStartTimeUnixNano(now - 1000).setEndTimeUnixNano(now).build(),
                            io.opentelemetry.proto.trace.v1.Span.newBuilder()
                                    .setTraceId(ByteString.copyFrom(new byte[] {1, 2})).setSpanId(ByteString.copyFrom(new byte[8]))
                                    .setName("bad").setStartTimeUnixNano(now - 1000).setEndTimeUnixNano(now).build(),
                            io.opentelemetry.proto.trace.v1.Span.newBuilder()
                                    .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex("1af7651916cd43dd8448eb211c80319c")))
                                    .setSpanId(ByteString.copyFrom(new byte[] {8, 8, 8, 8, 8, 8, 8, 8})).setName("from last year")
                                    .setStartTimeUnixNano(now - 365L * 86_400_000_000_000L)
                                    .setEndTimeUnixNano(now - 365L * 86_400_000_000_000L + 1000).build()));
            assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
            assertThat(answer.getPartialSuccess().getErrorMessage()).contains("trace_id must be 16 bytes")
                    .contains("too far from now");
            assertThat(get("/api/traces/1af7651916cd43dd8448eb211c80319c").get("data").get(0).get("spans").size())
                    .isEqualTo(1);
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }

        // The collector's /metrics counts OTLP data received and refused.
        HttpResponse<String> metrics = http.get("/metrics", ADMIN);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(counter(metrics.body(), "peephole_otlp_spans_received_total")).isGreaterThanOrEqualTo(3);
        assertThat(counter(metrics.body(), "peephole_otlp_spans_rejected_total")).isGreaterThanOrEqualTo(2);
        assertThat(metrics.body()).contains("peephole_otlp_points_received_total")
                .containsPattern("peephole_otlp_requests_total\\{[^}]*outcome=\"invalid\"[^}]*transport=\"http\"");
    }

    private static double counter(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " not in /metrics");
    }

    @Test
    void otlpPathsAnswerOnlyOnTheOtlpPort() throws Exception {
        // On the API port the OTLP paths are no routes (the admin is let in, and finds nothing).
        HttpResponse<String> r = http.send("POST", "/v1/traces", ADMIN, "{}");
        assertThat(r.statusCode()).isEqualTo(404);
        // On the OTLP port the API is absent, and only POST is taken.
        HttpResponse<String> api = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/api/v1/query?query=up")).header("Authorization", ADMIN)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(api.body()).get("errorType").asText()).isEqualTo("not_found");
        HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(404);
        HttpResponse<String> getTraces = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/v1/traces")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(getTraces.statusCode()).isEqualTo(405);
        assertThat(getTraces.headers().firstValue("Allow")).contains("POST");
    }
}
