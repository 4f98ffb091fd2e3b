package dev.peephole.agent.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.agent.bootstrap.Bridge;
import dev.peephole.agent.bootstrap.Dispatcher;
import dev.peephole.agent.core.config.AgentConfig;
import dev.peephole.testapp.Fixtures;
import dev.peephole.agent.core.metrics.SeriesBuilder;
import dev.peephole.agent.core.transport.Buffer;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.Settings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rules woven into app-like classes in this JVM, through the real Byte Buddy agent. */
class InstrumentationTest {
    static Buffer buffer;
    static TracingSetup setup;

    @BeforeAll
    static void weave() throws Exception {
        Path dir = Files.createTempDirectory("rules");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n",
                "rules.default: false",
                "rules:",
                "  - name: test.recognize",
                "    class: dev.peephole.testapp.Fixtures$Recognizer",
                "    method: recognize",
                "    parameters: [dev.peephole.testapp.Fixtures$Frame, String]",
                "    span: 'face.recognize'",
                "    attributes:",
                "      frame.id: arg0.id",
                "      recognition.result: return.kind",
                "      person.name: return.personName",
                "      recognition.confidence: return.confidence",
                "    metricLabels: [recognition.result]",
                "  - name: test.detect",
                "    class: { glob: 'dev.peephole.testapp.Fixtures$Rec*' }",
                "    method: { glob: 'det*' }",
                "    attributes:",
                "      faces.count: return.size",
                "      frame.width: arg0.width",
                "  - name: test.pipeline",
                "    class: { supertype: dev.peephole.testapp.Fixtures$Recognizer }",
                "    method: pipeline",
                "    span: '{simpleClass}.{method}'",
                "  - name: test.counter",
                "    class: dev.peephole.testapp.Fixtures$Counter",
                "    method: tick",
                "  - name: test.counter.fail",
                "    class: dev.peephole.testapp.Fixtures$Counter",
                "    method: tickOrFail",
                "  - name: test.broken",
                "    class: some.Class",
                "    method: m",
                "    attributes: { x: nonsense.path }",
                ""));
        AgentConfig c = AgentConfig.load("config=" + config, new Properties(), new HashMap<>());
        buffer = new Buffer(100_000, 1000, 100_000);
        Instrumentation inst = ByteBuddyAgent.install();
        setup = TracingSetup.install(c, buffer, inst);
    }

    @BeforeEach
    void drain() {
        spans();
    }

    static List<SpanData> spans() {
        List<SpanData> out = new ArrayList<>();
        SpanData s;
        while ((s = buffer.pollSpan()) != null) {
            out.add(s);
        }
        return out;
    }

    static SpanData only(List<SpanData> spans, String name) {
        List<SpanData> m = new ArrayList<>();
        for (SpanData s : spans) {
            if (s.getName().equals(name)) {
                m.add(s);
            }
        }
        assertThat(m).as("spans named " + name + " in " + spans).hasSize(1);
        return m.get(0);
    }

    @Test
    void aBrokenRuleIsLeftOutAndTheOthersLoad() {
        assertThat(setup.rules).extracting(r -> r.name).contains("test.recognize", "test.detect", "test.pipeline")
                .doesNotContain("test.broken");
    }

    @Test
    void spansCarryAttributesFromArgumentsAndReturnValueAndTheMethodReturnsTheSame() {
        Fixtures.Recognizer r = new Fixtures.Recognizer();
        Fixtures.Result res = r.recognize(new Fixtures.Frame(4, 320), "region");
        assertThat(res.getPersonName()).isEqualTo("Alice");
        SpanData s = only(spans(), "face.recognize");
        assertThat(s.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(s.getAttributes().get(AttributeKey.longKey("frame.id"))).isEqualTo(4L);
        assertThat(s.getAttributes().get(AttributeKey.stringKey("recognition.result"))).isEqualTo("KNOWN");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("person.name"))).isEqualTo("Alice");
        assertThat(s.getAttributes().get(AttributeKey.doubleKey("recognition.confidence"))).isEqualTo(0.91);
        assertThat(s.getParentSpanContext().isValid()).isFalse();
    }

    @Test
    void nestedCallsAreNestedSpansOfOneTrace() {
        assertThat(new Fixtures.Recognizer().pipeline(new Fixtures.Frame(2, 250))).isEqualTo(102);
        List<SpanData> spans = spans();
        SpanData parent = only(spans, "Recognizer.pipeline");
        SpanData detect = only(spans, "Fixtures$Recognizer.detect".replace("Fixtures$", ""));
        SpanData recognize = only(spans, "face.recognize");
        assertThat(detect.getParentSpanId()).isEqualTo(parent.getSpanId());
        assertThat(recognize.getParentSpanId()).isEqualTo(parent.getSpanId());
        assertThat(detect.getTraceId()).isEqualTo(parent.getTraceId()).isEqualTo(recognize.getTraceId());
        assertThat(detect.getAttributes().get(AttributeKey.longKey("faces.count"))).isEqualTo(2L);
        assertThat(detect.getAttributes().get(AttributeKey.longKey("frame.width"))).isEqualTo(250L);
    }

    @Test
    void anExceptionIsRecordedOnTheSpanAndStillThrownAsIs() {
        Fixtures.Frame corrupt = new Fixtures.Frame(9, -1);
        assertThatThrownBy(() -> new Fixtures.Recognizer().detect(corrupt))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("corrupt frame 9");
        SpanData s = only(spans(), "Recognizer.detect");
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(s.getStatus().getDescription()).contains("IllegalArgumentException").contains("corrupt frame 9");
        assertThat(s.getEvents()).hasSize(1);
        assertThat(s.getEvents().get(0).getName()).isEqualTo("exception");
        assertThat(s.getEvents().get(0).getAttributes().get(AttributeKey.stringKey("exception.type")))
                .isEqualTo(IllegalArgumentException.class.getName());
    }

    @Test
    void withSpanIsMatchedByAnnotationNameWithItsNameAndKind() {
        Fixtures.Annotated a = new Fixtures.Annotated();
        assertThat(a.greet("Bob")).isEqualTo("hello Bob");
        assertThat(a.plain()).isEqualTo(7);
        assertThat(a.notAnnotated()).isEqualTo(8);
        List<SpanData> spans = spans();
        assertThat(spans).extracting(SpanData::getName).containsExactlyInAnyOrder("greeting.make", "Annotated.plain");
        assertThat(only(spans, "Annotated.plain").getKind()).isEqualTo(SpanKind.CLIENT);
    }

    @Test
    void spanMetricsCountEverySpanEvenWhenSamplingKeepsNone() {
        setup.apply(Settings.newBuilder().setVersion(5).setSamplingRatio(0.0).build());
        try {
            Fixtures.Recognizer r = new Fixtures.Recognizer();
            for (int i = 0; i < 10; i++) {
                r.recognize(new Fixtures.Frame(i, 320), "x");
            }
            assertThat(spans()).isEmpty();
        } finally {
            setup.apply(Settings.newBuilder().setVersion(6).setSamplingRatio(1.0).build());
        }
        List<MetricSeries> out = new ArrayList<>();
        setup.spanMetrics.collect(new SeriesBuilder(out::add, 1));
        Map<String, Double> calls = new HashMap<>();
        for (MetricSeries m : out) {
            if (m.getName().equals("traces.span.metrics.calls")) {
                Map<String, String> labels = new HashMap<>();
                m.getLabelsList().forEach(l -> labels.put(l.getName(), l.getValue()));
                if ("face.recognize".equals(labels.get("span_name"))) {
                    assertThat(labels).containsEntry("span_kind", "SPAN_KIND_INTERNAL")
                            .containsEntry("status_code", "STATUS_CODE_UNSET");
                    calls.merge(labels.get("recognition_result"), m.getPoints(0).getValue(), Double::sum);
                }
            }
            if (m.getName().equals("traces.span.metrics.duration")) {
                assertThat(m.getUnit()).isEqualTo("s");
                assertThat(m.getHistogramPoints(0).getBucketCountsCount())
                        .isEqualTo(m.getHistogramPoints(0).getExplicitBoundsCount() + 1);
            }
        }
        assertThat(calls.get("KNOWN")).isGreaterThanOrEqualTo(5.0);
        assertThat(calls.get("UNKNOWN")).isGreaterThanOrEqualTo(5.0);
    }

    @Test
    void aPrimitiveResultIsReturnedAsIsAndCarriesNoTraceContextWhileAnObjectResultDoes() {
        Fixtures.Counter c = new Fixtures.Counter();
        // a root span returning a long: were it boxed for the agent, the box would be the JDK's
        // cached Long.valueOf(5), which any code may hold and queue
        assertThat(c.tick(5)).isEqualTo(5L);
        Fixtures.Result res = new Fixtures.Recognizer().recognize(new Fixtures.Frame(3, 320), "x");
        List<SpanData> roots = spans();
        SpanData tick = only(roots, "Counter.tick");
        assertThat(tick.getParentSpanContext().isValid()).isFalse();
        SpanData recognize = only(roots, "face.recognize");
        Dispatcher d = Bridge.dispatcher();
        try {
            // as if this thread queued each result and took it back
            assertThat(d.enqueue(Long.valueOf(5))).as("the boxed long carries nothing").isFalse();
            d.dequeued(Long.valueOf(5));
            new Fixtures.Recognizer().detect(new Fixtures.Frame(1, 10));
            assertThat(only(spans(), "Recognizer.detect").getParentSpanContext().isValid()).isFalse();
            assertThat(d.enqueue(res)).isTrue();
            d.dequeued(res);
            new Fixtures.Recognizer().detect(new Fixtures.Frame(2, 10));
            SpanData child = only(spans(), "Recognizer.detect");
            assertThat(child.getTraceId()).isEqualTo(recognize.getTraceId());
            assertThat(child.getParentSpanId()).isEqualTo(recognize.getSpanId());
        } finally {
            d.dequeued(new Object()); // clears this thread's hand-off context
        }
    }

    @Test
    void aPrimitiveReturningMethodThatThrowsHasTheExceptionOnItsSpanAndInItsSpanMetrics() {
        Fixtures.Counter c = new Fixtures.Counter();
        assertThat(c.tickOrFail(3)).isEqualTo(3L);
        assertThatThrownBy(() -> c.tickOrFail(-2)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative tick -2");
        assertThat(c.tickOrFail(4)).isEqualTo(7L);
        List<SpanData> spans = spans();
        assertThat(spans).extracting(SpanData::getName).containsOnly("Counter.tickOrFail").hasSize(3);
        List<SpanData> failed = spans.stream().filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)
                .collect(java.util.stream.Collectors.toList());
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getStatus().getDescription())
                .isEqualTo(IllegalArgumentException.class.getName() + ": negative tick -2");
        assertThat(failed.get(0).getEvents()).extracting(e -> e.getName()).containsExactly("exception");
        List<MetricSeries> out = new ArrayList<>();
        setup.spanMetrics.collect(new SeriesBuilder(out::add, 1));
        Map<String, Double> calls = new HashMap<>();
        Map<String, Long> histogramCounts = new HashMap<>();
        for (MetricSeries m : out) {
            Map<String, String> labels = new HashMap<>();
            m.getLabelsList().forEach(l -> labels.put(l.getName(), l.getValue()));
            if (!"Counter.tickOrFail".equals(labels.get("span_name"))) {
                continue;
            }
            if (m.getName().equals("traces.span.metrics.calls")) {
                calls.put(labels.get("status_code"), m.getPoints(0).getValue());
            } else if (m.getName().equals("traces.span.metrics.duration")) {
                long sum = 0;
                for (long n : m.getHistogramPoints(0).getBucketCountsList()) {
                    sum += n;
                }
                assertThat(m.getHistogramPoints(0).getCount()).isEqualTo(sum);
                histogramCounts.put(labels.get("status_code"), sum);
            }
        }
        assertThat(calls).containsOnly(Map.entry("STATUS_CODE_UNSET", 2.0), Map.entry("STATUS_CODE_ERROR", 1.0));
        assertThat(histogramCounts).containsOnly(Map.entry("STATUS_CODE_UNSET", 2L), Map.entry("STATUS_CODE_ERROR", 1L));
    }

    @Test
    void aRuleSwitchedOffByTheCollectorStopsMakingSpans() {
        setup.apply(Settings.newBuilder().setVersion(7).setSamplingRatio(1.0).addDisabledRules("test.recognize").build());
        try {
            new Fixtures.Recognizer().recognize(new Fixtures.Frame(1, 1), "x");
            assertThat(spans()).isEmpty();
        } finally {
            setup.apply(Settings.newBuilder().setVersion(8).setSamplingRatio(1.0).build());
        }
        new Fixtures.Recognizer().recognize(new Fixtures.Frame(1, 1), "x");
        assertThat(spans()).hasSize(1);
    }

    @Test
    void overheadOfAWovenMethod() {
        Fixtures.Counter c = new Fixtures.Counter();
        // sampled and exported spans: the full cost an app thread pays
        long traced = time(() -> c.tick(1), 200_000);
        spans();
        setup.apply(Settings.newBuilder().setVersion(9).setSamplingRatio(0.0).build());
        long unsampled;
        try {
            unsampled = time(() -> c.tick(1), 200_000);
        } finally {
            setup.apply(Settings.newBuilder().setVersion(10).setSamplingRatio(1.0).build());
        }
        long plain = time(() -> c.untraced(1), 200_000);
        System.out.printf("OVERHEAD per call: woven+sampled %d ns, woven+unsampled %d ns, not woven %d ns%n",
                traced, unsampled, plain);
        spans();
    }

    private static long time(Runnable r, int n) {
        for (int i = 0; i < n; i++) {
            r.run(); // warm-up
            if (i % 5000 == 0) {
                spans();
            }
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                r.run();
            }
            best = Math.min(best, (System.nanoTime() - t0) / n);
            spans();
        }
        return best;
    }
}
