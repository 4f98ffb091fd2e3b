package dev.peephole.collector.jaeger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Jaeger's query API JSON (the shape the Jaeger UI and Grafana's Jaeger data
 * source read): {@code {"data": ..., "total": n, "limit": 0, "offset": 0, "errors": null}}.
 */
final class JaegerJson {

    private static final JsonFactory JSON = new JsonFactory();
    private static final String[] KINDS = {"unspecified", "internal", "server", "client", "producer", "consumer"};

    private JaegerJson() {
    }

    static String kindName(int kind) {
        return kind >= 0 && kind < KINDS.length ? KINDS[kind] : "unspecified";
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** The envelope around {@code data}; {@code total} counts its items. */
    static String envelope(int total, Body data) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("data");
            data.write(g);
            g.writeNumberField("total", total);
            g.writeNumberField("limit", 0);
            g.writeNumberField("offset", 0);
            g.writeNullField("errors");
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Jaeger's error envelope, with Prometheus' error fields beside it for clients of either. */
    static String error(int code, String message) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", "error");
            g.writeStringField("errorType", code == 404 ? "not_found" : "bad_data");
            g.writeStringField("error", message);
            g.writeNullField("data");
            g.writeNumberField("total", 0);
            g.writeNumberField("limit", 0);
            g.writeNumberField("offset", 0);
            g.writeArrayFieldStart("errors");
            g.writeStartObject();
            g.writeNumberField("code", code);
            g.writeStringField("msg", message);
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static void strings(JsonGenerator g, List<String> values) throws IOException {
        g.writeStartArray();
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** One trace: its spans and one process per (service, agent). */
    static void trace(JsonGenerator g, String traceId, List<SpanRow> spans) throws IOException {
        Map<String, SpanRow> processes = new LinkedHashMap<>();
        Map<String, String> processIds = new LinkedHashMap<>();
        for (SpanRow s : spans) {
            String key = s.serviceName() + '\n' + s.agentId();
            if (!processIds.containsKey(key)) {
                String id = "p" + (processIds.size() + 1);
                processIds.put(key, id);
                processes.put(id, s);
            }
        }
        g.writeStartObject();
        g.writeStringField("traceID", traceId);
        g.writeArrayFieldStart("spans");
        for (SpanRow s : spans) {
            span(g, traceId, s, processIds.get(s.serviceName() + '\n' + s.agentId()));
        }
        g.writeEndArray();
        g.writeObjectFieldStart("processes");
        for (Map.Entry<String, SpanRow> p : processes.entrySet()) {
            g.writeObjectFieldStart(p.getKey());
            g.writeStringField("serviceName", p.getValue().serviceName());
            g.writeArrayFieldStart("tags");
            tag(g, "hostname", p.getValue().hostName());
            tag(g, "service.instance.id", p.getValue().agentId());
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeNullField("warnings");
        g.writeEndObject();
    }

    private static void span(JsonGenerator g, String traceId, SpanRow s, String processId) throws IOException {
        g.writeStartObject();
        g.writeStringField("traceID", traceId);
        g.writeStringField("spanID", hex(s.spanId()));
        g.writeStringField("operationName", s.operation());
        g.writeArrayFieldStart("references");
        if (s.parentSpanId() != null) {
            g.writeStartObject();
            g.writeStringField("refType", "CHILD_OF");
            g.writeStringField("traceID", traceId);
            g.writeStringField("spanID", hex(s.parentSpanId()));
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("startTime", s.startMicros());
        g.writeNumberField("duration", s.durationNanos() / 1000);
        g.writeArrayFieldStart("tags");
        copyAttributesAsTags(g, s.attributesJson());
        if (s.kind() > 1) {
            tag(g, "span.kind", kindName(s.kind()));
        }
        if (s.statusCode() == 2) {
            g.writeStartObject();
            g.writeStringField("key", "error");
            g.writeStringField("type", "bool");
            g.writeBooleanField("value", true);
            g.writeEndObject();
            tag(g, "otel.status_code", "ERROR");
            if (!s.statusMessage().isEmpty()) {
                tag(g, "otel.status_description", s.statusMessage());
            }
        } else if (s.statusCode() == 1) {
            tag(g, "otel.status_code", "OK");
        }
        g.writeEndArray();
        g.writeArrayFieldStart("logs");
        writeLogs(g, s.eventsJson());
        g.writeEndArray();
        g.writeStringField("processID", processId);
        g.writeNullField("warnings");
        g.writeNumberField("flags", 1);
        g.writeEndObject();
    }

    private static void tag(JsonGenerator g, String key, String value) throws IOException {
        g.writeStartObject();
        g.writeStringField("key", key);
        g.writeStringField("type", "string");
        g.writeStringField("value", value);
        g.writeEndObject();
    }

    /** {"k": v, ...} as Jaeger tags with their types. */
    private static void copyAttributesAsTags(JsonGenerator g, String attributesJson) throws IOException {
        if (attributesJson == null) {
            return;
        }
        try (JsonParser p = JSON.createParser(attributesJson)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                g.writeStartObject();
                g.writeStringField("key", key);
                switch (t) {
                    case VALUE_TRUE, VALUE_FALSE -> {
                        g.writeStringField("type", "bool");
                        g.writeBooleanField("value", t == JsonToken.VALUE_TRUE);
                    }
                    case VALUE_NUMBER_INT -> {
                        g.writeStringField("type", "int64");
                        g.writeNumberField("value", p.getLongValue());
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        g.writeStringField("type", "float64");
                        g.writeNumberField("value", p.getDoubleValue());
                    }
                    case START_OBJECT, START_ARRAY -> {
                        g.writeStringField("type", "string");
                        p.skipChildren();
                        g.writeStringField("value", "(nested)");
                    }
                    default -> {
                        g.writeStringField("type", "string");
                        g.writeStringField("value", t == JsonToken.VALUE_NULL ? "" : p.getText());
                    }
                }
                g.writeEndObject();
            }
        }
    }

    /** Span events as Jaeger logs: {"timestamp": µs, "fields": [{"key":"event","value":name}, attributes...]}. */
    private static void writeLogs(JsonGenerator g, String eventsJson) throws IOException {
        if (eventsJson == null) {
            return;
        }
        try (JsonParser p = JSON.createParser(eventsJson)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return;
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                long timeNanos = 0;
                String name = "";
                String attributes = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (field) {
                        case "timeUnixNano" -> timeNanos = p.getLongValue();
                        case "name" -> name = p.getText();
                        case "attributes" -> {
                            StringWriter sw = new StringWriter();
                            try (JsonGenerator copy = JSON.createGenerator(sw)) {
                                copy.copyCurrentStructure(p);
                            }
                            attributes = sw.toString();
                        }
                        default -> {
                            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                                p.skipChildren();
                            }
                        }
                    }
                }
                g.writeStartObject();
                g.writeNumberField("timestamp", timeNanos / 1000);
                g.writeArrayFieldStart("fields");
                tag(g, "event", name);
                copyAttributesAsTags(g, attributes);
                g.writeEndArray();
                g.writeEndObject();
            }
        }
    }
}
