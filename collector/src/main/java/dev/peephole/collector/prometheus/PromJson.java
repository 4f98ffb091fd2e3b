package dev.peephole.collector.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Point;
import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.Series;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Prometheus' HTTP API JSON, written with a streaming generator (matrices can be large). */
final class PromJson {

    private static final JsonFactory JSON = new JsonFactory();

    interface Data {
        void write(JsonGenerator g) throws IOException;
    }

    private PromJson() {
    }

    static byte[] success(Data data, List<String> warnings, List<String> infos) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", "success");
            g.writeFieldName("data");
            data.write(g);
            if (!warnings.isEmpty()) {
                g.writeArrayFieldStart("warnings");
                for (String w : warnings) {
                    g.writeString(w);
                }
                g.writeEndArray();
            }
            if (!infos.isEmpty()) {
                g.writeArrayFieldStart("infos");
                for (String i : infos) {
                    g.writeString(i);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void result(JsonGenerator g, QueryResult r) throws IOException {
        g.writeStartObject();
        g.writeStringField("resultType", r.resultType());
        g.writeFieldName("result");
        switch (r.resultType()) {
            case "vector" -> {
                g.writeStartArray();
                for (Sample s : r.vector()) {
                    g.writeStartObject();
                    g.writeFieldName("metric");
                    labels(g, s.labels());
                    g.writeFieldName("value");
                    point(g, s.tMs(), s.v());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            case "matrix" -> {
                PointBuffer buf = new PointBuffer();
                g.writeStartArray();
                for (Series s : r.matrix()) {
                    g.writeStartObject();
                    g.writeFieldName("metric");
                    labels(g, s.labels());
                    g.writeArrayFieldStart("values");
                    long[] t = s.timestampsMs();
                    double[] v = s.values();
                    for (int i = 0; i < t.length; i++) {
                        rawPoint(g, buf, t[i], v[i]);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            case "scalar" -> {
                Point p = r.scalar();
                point(g, p.tMs(), p.v());
            }
            default -> {
                g.writeStartArray();
                g.writeRawValue(PromQLFormat.formatTimestamp(r.string().tMs()));
                g.writeString(r.string().value());
                g.writeEndArray();
            }
        }
        g.writeEndObject();
    }

    static void labels(JsonGenerator g, Labels labels) throws IOException {
        g.writeStartObject();
        for (int i = 0; i < labels.size(); i++) {
            g.writeStringField(labels.name(i), labels.value(i));
        }
        g.writeEndObject();
    }

    /** Characters of one {@code [t,"v"]} pair, reused for every pair of a matrix. */
    private static final class PointBuffer {
        final StringBuilder sb = new StringBuilder(64);
        char[] chars = new char[64];
    }

    /**
     * Writes {@code [t,"v"]} as one raw value: the same text as {@link #point}, without a
     * string for the timestamp and the value of each of a matrix's hundred thousand pairs.
     */
    private static void rawPoint(JsonGenerator g, PointBuffer buf, long tMs, double v) throws IOException {
        StringBuilder sb = buf.sb;
        sb.setLength(0);
        sb.append('[');
        PromQLFormat.appendTimestamp(sb, tMs);
        sb.append(",\"");
        PromQLFormat.appendApiValue(sb, v);
        sb.append("\"]");
        int n = sb.length();
        if (n > buf.chars.length) {
            buf.chars = new char[Math.max(n, buf.chars.length * 2)];
        }
        sb.getChars(0, n, buf.chars, 0);
        g.writeRawValue(buf.chars, 0, n);
    }

    private static void point(JsonGenerator g, long tMs, double v) throws IOException {
        g.writeStartArray();
        g.writeRawValue(PromQLFormat.formatTimestamp(tMs));
        g.writeString(PromQLFormat.formatApiValue(v));
        g.writeEndArray();
    }
}
