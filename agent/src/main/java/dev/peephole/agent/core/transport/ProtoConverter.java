package dev.peephole.agent.core.transport;

import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;

/** OpenTelemetry SDK spans in the Peephole protocol's form. */
public final class ProtoConverter {
    static final int MAX_STRING = 8192;

    private ProtoConverter() {
    }

    public static Span span(SpanData s) {
        Span.Builder b = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(s.getSpanContext().getTraceIdBytes()))
                .setSpanId(ByteString.copyFrom(s.getSpanContext().getSpanIdBytes()))
                .setName(s.getName())
                .setKind(kind(s.getKind()))
                .setStartTimeUnixNano(s.getStartEpochNanos())
                .setEndTimeUnixNano(s.getEndEpochNanos())
                .setStatusCode(status(s.getStatus().getStatusCode()));
        if (s.getParentSpanContext().isValid()) {
            b.setParentSpanId(ByteString.copyFrom(s.getParentSpanContext().getSpanIdBytes()));
        }
        String desc = s.getStatus().getDescription();
        if (desc != null && !desc.isEmpty()) {
            b.setStatusMessage(truncate(desc));
        }
        s.getAttributes().forEach((k, v) -> b.addAttributes(keyValue(k, v)));
        for (EventData e : s.getEvents()) {
            SpanEvent.Builder eb = SpanEvent.newBuilder().setName(e.getName()).setTimeUnixNano(e.getEpochNanos());
            e.getAttributes().forEach((k, v) -> eb.addAttributes(keyValue(k, v)));
            b.addEvents(eb);
        }
        return b.build();
    }

    static KeyValue keyValue(AttributeKey<?> k, Object v) {
        AnyValue.Builder av = AnyValue.newBuilder();
        if (v instanceof String) {
            av.setStringValue(truncate((String) v));
        } else if (v instanceof Boolean) {
            av.setBoolValue((Boolean) v);
        } else if (v instanceof Long || v instanceof Integer) {
            av.setIntValue(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            av.setDoubleValue(((Number) v).doubleValue());
        } else if (v instanceof List) {
            av.setStringValue(truncate(String.valueOf(v)));
        } else {
            av.setStringValue(truncate(String.valueOf(v)));
        }
        return KeyValue.newBuilder().setKey(k.getKey()).setValue(av).build();
    }

    static String truncate(String s) {
        return s.length() <= MAX_STRING ? s : s.substring(0, MAX_STRING);
    }

    static SpanKind kind(io.opentelemetry.api.trace.SpanKind k) {
        switch (k) {
            case SERVER: return SpanKind.SPAN_KIND_SERVER;
            case CLIENT: return SpanKind.SPAN_KIND_CLIENT;
            case PRODUCER: return SpanKind.SPAN_KIND_PRODUCER;
            case CONSUMER: return SpanKind.SPAN_KIND_CONSUMER;
            default: return SpanKind.SPAN_KIND_INTERNAL;
        }
    }

    static StatusCode status(io.opentelemetry.api.trace.StatusCode c) {
        switch (c) {
            case OK: return StatusCode.STATUS_CODE_OK;
            case ERROR: return StatusCode.STATUS_CODE_ERROR;
            default: return StatusCode.STATUS_CODE_UNSET;
        }
    }
}
