package dev.peephole.collector.export;

import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.List;

/**
 * Spans of one agent batch with the agent's resource, converted to OpenTelemetry's
 * {@link SpanData} on the export thread: ids, parent, kind, status, attributes, events
 * (exceptions are events named {@code exception}) and the original start and end nanos.
 */
public final class AgentSpans implements ExportableSpans {

    private final AgentResource resource;
    private final List<Span> spans;

    public AgentSpans(AgentResource resource, List<Span> spans) {
        this.resource = resource;
        this.spans = spans;
    }

    /** The OpenTelemetry resource and instrumentation scope of one agent, from its Hello. */
    public record AgentResource(Resource resource, InstrumentationScopeInfo scope) {

        /**
         * {@code service.name}, {@code service.version}, {@code service.instance.id} (the agent id),
         * {@code host.name}, {@code process.pid}, {@code process.runtime.version} and the agent's
         * extra resource attributes (which cannot override the standard ones).
         */
        public static AgentResource of(Hello hello) {
            AttributesBuilder b = Attributes.builder();
            for (KeyValue kv : hello.getResourceAttributesList()) {
                put(b, kv);
            }
            b.put(AttributeKey.stringKey("service.name"), hello.getServiceName());
            putIfSet(b, "service.version", hello.getServiceVersion());
            putIfSet(b, "service.instance.id", hello.getAgentId());
            putIfSet(b, "host.name", hello.getHostName());
            if (hello.getPid() > 0) {
                b.put(AttributeKey.longKey("process.pid"), hello.getPid());
            }
            putIfSet(b, "process.runtime.version", hello.getJvmVersion());
            InstrumentationScopeInfo scope = InstrumentationScopeInfo.builder("peephole-agent")
                    .setVersion(hello.getAgentVersion().isEmpty() ? null : hello.getAgentVersion())
                    .build();
            return new AgentResource(Resource.create(b.build()), scope);
        }

        private static void putIfSet(AttributesBuilder b, String key, String value) {
            if (!value.isEmpty()) {
                b.put(AttributeKey.stringKey(key), value);
            }
        }
    }

    @Override
    public int count() {
        return spans.size();
    }

    @Override
    public List<SpanData> toSpanData() {
        List<SpanData> out = new ArrayList<>(spans.size());
        for (Span s : spans) {
            out.add(convert(s));
        }
        return out;
    }

    private SpanData convert(Span s) {
        String traceId = TraceId.fromBytes(s.getTraceId().toByteArray());
        SpanContext context = SpanContext.create(traceId, SpanId.fromBytes(s.getSpanId().toByteArray()),
                TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parent = s.getParentSpanId().isEmpty() ? SpanContext.getInvalid()
                : SpanContext.create(traceId, SpanId.fromBytes(s.getParentSpanId().toByteArray()),
                        TraceFlags.getSampled(), TraceState.getDefault());
        Attributes attributes = attributes(s.getAttributesList());
        List<EventData> events = new ArrayList<>(s.getEventsCount());
        for (SpanEvent e : s.getEventsList()) {
            Attributes ea = attributes(e.getAttributesList());
            events.add(EventData.create(e.getTimeUnixNano(), e.getName(), ea, ea.size()));
        }
        return new Data(s.getName(), kind(s.getKind()), context, parent, status(s), s.getStartTimeUnixNano(),
                s.getEndTimeUnixNano(), attributes, List.copyOf(events), resource.resource(), resource.scope());
    }

    static SpanKind kind(dev.peephole.proto.v1.SpanKind kind) {
        return switch (kind) {
            case SPAN_KIND_SERVER -> SpanKind.SERVER;
            case SPAN_KIND_CLIENT -> SpanKind.CLIENT;
            case SPAN_KIND_PRODUCER -> SpanKind.PRODUCER;
            case SPAN_KIND_CONSUMER -> SpanKind.CONSUMER;
            // OpenTelemetry has no "unspecified" span kind: its default is INTERNAL.
            default -> SpanKind.INTERNAL;
        };
    }

    private static StatusData status(Span s) {
        return switch (s.getStatusCode()) {
            case STATUS_CODE_OK -> StatusData.ok();
            case STATUS_CODE_ERROR -> StatusData.create(StatusCode.ERROR, s.getStatusMessage());
            default -> StatusData.unset();
        };
    }

    static Attributes attributes(List<KeyValue> kvs) {
        if (kvs.isEmpty()) {
            return Attributes.empty();
        }
        AttributesBuilder b = Attributes.builder();
        for (KeyValue kv : kvs) {
            put(b, kv);
        }
        return b.build();
    }

    private static void put(AttributesBuilder b, KeyValue kv) {
        AnyValue v = kv.getValue();
        switch (v.getValueCase()) {
            case STRING_VALUE -> b.put(AttributeKey.stringKey(kv.getKey()), v.getStringValue());
            case BOOL_VALUE -> b.put(AttributeKey.booleanKey(kv.getKey()), v.getBoolValue());
            case INT_VALUE -> b.put(AttributeKey.longKey(kv.getKey()), v.getIntValue());
            case DOUBLE_VALUE -> b.put(AttributeKey.doubleKey(kv.getKey()), v.getDoubleValue());
            default -> {
                // an attribute without a value has nothing to export
            }
        }
    }

    /** One span as the OTLP exporters read it. */
    private record Data(String name, SpanKind kind, SpanContext context, SpanContext parent, StatusData status,
                        long startNanos, long endNanos, Attributes attributes, List<EventData> events,
                        Resource resource, InstrumentationScopeInfo scope) implements SpanData {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public SpanKind getKind() {
            return kind;
        }

        @Override
        public SpanContext getSpanContext() {
            return context;
        }

        @Override
        public SpanContext getParentSpanContext() {
            return parent;
        }

        @Override
        public StatusData getStatus() {
            return status;
        }

        @Override
        public long getStartEpochNanos() {
            return startNanos;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public List<EventData> getEvents() {
            return events;
        }

        @Override
        public List<LinkData> getLinks() {
            return List.of();
        }

        @Override
        public long getEndEpochNanos() {
            return endNanos;
        }

        @Override
        public boolean hasEnded() {
            return true;
        }

        @Override
        public int getTotalRecordedEvents() {
            return events.size();
        }

        @Override
        public int getTotalRecordedLinks() {
            return 0;
        }

        @Override
        public int getTotalAttributeCount() {
            return attributes.size();
        }

        @Override
        @SuppressWarnings("deprecation")
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion());
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return scope;
        }

        @Override
        public Resource getResource() {
            return resource;
        }
    }
}
