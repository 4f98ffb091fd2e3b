package dev.peephole.collector.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Point;
import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.Series;
import java.io.IOException;
import java.io.OutputStream;
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

    static ChunkedBytes success(Data data, List<String> warnings, List<String> infos) {
        ChunkedBytes out = new ChunkedBytes();
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
        return out;
    }

    static void result(JsonGenerator g, QueryResult r) throws IOException {
        result(g, r, PARALLEL_MIN_POINTS);
    }

    /** {@link #result}, formatting matrices of at least {@code parallelMinPoints} points in two halves at once. */
    static void result(JsonGenerator g, QueryResult r, long parallelMinPoints) throws IOException {
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
                List<Series> matrix = r.matrix();
                long points = 0;
                for (Series s : matrix) {
                    points += s.size();
                }
                g.writeStartArray();
                if (points >= parallelMinPoints && matrix.size() >= 2 && g.getOutputTarget() instanceof ChunkedBytes out) {
                    // Two halves formatted at once (both cores); the text is the same as in one go. Whoever
                    // gets to the first half first formats it, so a busy formatter never makes a query wait.
                    int half = matrix.size() / 2;
                    java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
                    java.util.concurrent.Future<ChunkedBytes> first = FORMATTERS.submit(
                            () -> claimed.compareAndSet(false, true) ? seriesText(matrix.subList(0, half)) : null);
                    ChunkedBytes second = seriesText(matrix.subList(half, matrix.size()));
                    ChunkedBytes firstText;
                    try {
                        if (claimed.compareAndSet(false, true)) {
                            first.cancel(false);
                            firstText = seriesText(matrix.subList(0, half));
                        } else {
                            firstText = first.get();
                        }
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new IOException(e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                    // The halves' chunks join the answer as they are (no copy): the generator's own
                    // buffer goes out first, then the series, then it closes the array it opened.
                    g.flush();
                    out.append(firstText);
                    out.write(',');
                    out.append(second);
                    g.writeEndArray();
                    break;
                }
                matrixSeries(g, matrix);
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

    /** Matrices with at least this many points are formatted in two halves at once. */
    static final long PARALLEL_MIN_POINTS = 20_000;
    private static final java.util.concurrent.ExecutorService FORMATTERS = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "peephole-json-format");
        t.setDaemon(true);
        return t;
    });

    /** The series objects of a matrix, comma-separated, as the generator writes them inside the result array. */
    static ChunkedBytes seriesText(List<Series> series) throws IOException {
        // The same (UTF-8) generator as the response's, so escapes are the same (it writes a
        // character outside the BMP as a \\u escape pair where a Writer-based one would not); the
        // objects are root values separated by a comma, as an array's elements are.
        ChunkedBytes out = new ChunkedBytes(ChunkedBytes.CHUNK);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString(","));
            matrixSeries(g, series, out);
        }
        return out;
    }

    /** The series in one go, straight to the generator's stream where it writes to one. */
    private static void matrixSeries(JsonGenerator g, List<Series> series) throws IOException {
        matrixSeries(g, series, g.getOutputTarget() instanceof OutputStream out ? out : null);
    }

    /**
     * With {@code out}, the stream g writes to, each series' values go to it straight from
     * {@link SamplePairs}' buffer: the generator takes a raw value longer than its own buffer
     * (8,000 bytes; a day of minute steps is about 48 KB a series) as a copy of it
     * ({@code asUnquotedUTF8}), 2.3 MB a request for such a day of 100 series. The generator is
     * told a value comes (an empty raw value: the ':' after the field name), flushed, and the
     * pairs written after it.
     */
    private static void matrixSeries(JsonGenerator g, List<Series> series, OutputStream out) throws IOException {
        SamplePairs pairs = new SamplePairs();
        for (Series s : series) {
            g.writeStartObject();
            g.writeFieldName("metric");
            labels(g, s.labels());
            g.writeFieldName("values");
            pairs.format(s.timestampsMs(), s.values(), s.text());
            if (out != null) {
                g.writeRawValue("");
                g.flush();
                pairs.writeUnquotedUTF8(out);
            } else {
                g.writeRawValue(pairs);
            }
            g.writeEndObject();
        }
    }

    static void labels(JsonGenerator g, Labels labels) throws IOException {
        g.writeStartObject();
        for (int i = 0; i < labels.size(); i++) {
            g.writeStringField(labels.name(i), labels.value(i));
        }
        g.writeEndObject();
    }

    private static void point(JsonGenerator g, long tMs, double v) throws IOException {
        g.writeStartArray();
        g.writeRawValue(PromQLFormat.formatTimestamp(tMs));
        g.writeString(PromQLFormat.formatApiValue(v));
        g.writeEndArray();
    }
}
