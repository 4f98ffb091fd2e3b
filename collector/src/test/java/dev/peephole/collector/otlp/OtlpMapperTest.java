package dev.peephole.collector.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.peephole.collector.ingest.AgentIdentity;
import dev.peephole.proto.v1.MetricType;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The OTLP-to-agent-protocol mapping on its own: identities, what is refused and counted, OTLP/JSON ids. */
class OtlpMapperTest {

    private static final long NOW = 1_700_000_000_000_000_000L;
    private static final long DAY = 86_400_000_000_000L;

    private static Resource resource(String... keyValues) {
        Resource.Builder r = Resource.newBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            r.addAttributes(kv(keyValues[i], keyValues[i + 1]));
        }
        return r.build();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    @Test
    void identityFallsBackFromInstanceToHostToService() {
        assertThat(OtlpMapper.identity(resource("service.name", "door", "host.name", "h1", "service.instance.id", "i1"), "s"))
                .isEqualTo(new AgentIdentity("i1", "s", "door", "h1"));
        assertThat(OtlpMapper.identity(resource("service.name", "door", "host.name", "h1"), "s"))
                .isEqualTo(new AgentIdentity("h1", "s", "door", "h1"));
        assertThat(OtlpMapper.identity(resource("service.name", "door"), "s"))
                .isEqualTo(new AgentIdentity("door", "s", "door", ""));
        assertThat(OtlpMapper.identity(Resource.getDefaultInstance(), "s").serviceName()).isEqualTo("unknown_service");
    }

    private static ExportMetricsServiceRequest metrics(Metric... metrics) {
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (Metric m : metrics) {
            scope.addMetrics(m);
        }
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(resource("service.name", "door")).addScopeMetrics(scope)).build();
    }

    private static NumberDataPoint.Builder point(long t, double v) {
        return NumberDataPoint.newBuilder().setTimeUnixNano(t).setAsDouble(v);
    }

    @Test
    void unsupportedKindsAndBadPointsAreRefusedAndCountedTheRestKept() {
        Metric good = Metric.newBuilder().setName("queue.depth").setGauge(Gauge.newBuilder()
                .addDataPoints(point(NOW, 3))
                .addDataPoints(point(NOW, 4).addAttributes(kv("", "x")))             // no label name: refused
                .addDataPoints(point(NOW - 2 * DAY, 5))                                // too old
                .addDataPoints(point(NOW, 6).setFlags(1))                              // no recorded value: skipped
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(NOW)))     // no value
                .build();
        Metric exponential = Metric.newBuilder().setName("latency").setExponentialHistogram(ExponentialHistogram
                .newBuilder().setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(NOW))).build();
        Metric summary = Metric.newBuilder().setName("gc.pause").setSummary(Summary.newBuilder()
                .addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(NOW))
                .addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(NOW))).build();
        Metric badHistogram = Metric.newBuilder().setName("size").setHistogram(Histogram.newBuilder()
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(NOW).setCount(2)
                        .addExplicitBounds(1).addExplicitBounds(2).addBucketCounts(2))           // counts != bounds + 1
                .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(NOW).setCount(2)
                        .addExplicitBounds(2).addExplicitBounds(1).addBucketCounts(1).addBucketCounts(1).addBucketCounts(0))
                .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(NOW).setCount(7).setSum(3)))  // no buckets: ok
                .build();
        OtlpMapper.Mapped mapped = OtlpMapper.metrics(metrics(good, exponential, summary, badHistogram), "s",
                NOW - DAY, NOW + DAY);
        assertThat(mapped.received()).isEqualTo(5 + 1 + 2 + 3);
        assertThat(mapped.rejected()).isEqualTo(3 + 1 + 2 + 2);
        assertThat(mapped.parts()).hasSize(1);
        var batch = mapped.parts().get(0).batch();
        assertThat(batch.getMetricsCount()).isEqualTo(2);
        assertThat(batch.getMetrics(0).getType()).isEqualTo(MetricType.METRIC_TYPE_GAUGE);
        assertThat(batch.getMetrics(0).getPoints(0).getValue()).isEqualTo(3.0);
        var onlyInf = batch.getMetrics(1).getHistogramPoints(0);
        assertThat(onlyInf.getBucketCountsList()).containsExactly(7L);
        assertThat(onlyInf.getExplicitBoundsList()).isEmpty();
        // the answer names the first five reasons
        assertThat(mapped.reasons()).hasSize(5);
        assertThat(String.join("\n", mapped.reasons())).contains("cannot be a label name").contains("too far from now")
                .contains("without a value").contains("exponential histograms").contains("summaries");
        OtlpMapper.Mapped histograms = OtlpMapper.metrics(metrics(badHistogram), "s", NOW - DAY, NOW + DAY);
        assertThat(histograms.rejected()).isEqualTo(2);
        assertThat(String.join("\n", histograms.reasons())).contains("one more entry").contains("ascend");
    }

    @Test
    void otlpJsonHexIdsBecomeBytes() throws Exception {
        String json = """
                {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C",
                 "spanId":"eee19b7ec3c1b174","parentSpanId":"","name":"x","kind":"SPAN_KIND_SERVER",
                 "links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000001"}]}]}]}]}
                """;
        ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
        JsonFormat.parser().merge(OtlpMapper.hexIdsToBase64(json), b);
        var span = b.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray())).isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(HexFormat.of().formatHex(span.getSpanId().toByteArray())).isEqualTo("eee19b7ec3c1b174");
        assertThat(span.getParentSpanId().isEmpty()).isTrue();
        assertThat(span.getLinks(0).getSpanId().byteAt(7)).isEqualTo((byte) 1);
        assertThatThrownBy(() -> OtlpMapper.hexIdsToBase64("{\"spanId\":\"not hex\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spanId must be hex");
        assertThat(new ObjectMapper().readTree(OtlpMapper.hexIdsToBase64("{\"name\":\"traceId\"}")).get("name").asText())
                .isEqualTo("traceId");
    }
}
