package dev.peephole.collector.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.peephole.collector.storage.PgBinaryCopy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Many small JSON values (a span's attributes, its events), one after another, written with one
 * Jackson generator and appended to COPY rows as jsonb. A generator per value cost more than the
 * writing itself (a context, buffers taken and given back, each time: a third of a span's
 * JSON time in a profile of the ingest bench); the values come out the same.
 *
 * <pre>
 * JsonGenerator g = values.start();
 * g.writeStartObject(); ...; g.writeEndObject();
 * values.appendTo(rows);
 * </pre>
 * Not thread-safe: one per batch being prepared.
 */
final class JsonValues implements AutoCloseable {
    /** No separator between root values: each value is taken out on its own. */
    private static final JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactoryBuilder()
            .rootValueSeparator((String) null).build();

    /** A byte buffer whose contents can be read without a copy. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes(int size) {
            super(size);
        }

        byte[] array() {
            return buf;
        }
    }

    private final Bytes out = new Bytes(512);
    private final JsonGenerator generator;

    JsonValues() {
        try {
            generator = FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an in-memory stream does not fail
        }
    }

    /** The generator, ready for the next value. */
    JsonGenerator start() {
        out.reset();
        return generator;
    }

    /** Appends the value written since {@link #start()} to {@code rows} as a jsonb column. */
    void appendTo(PgBinaryCopy rows) throws IOException {
        generator.flush();
        rows.jsonb(out.array(), 0, out.size());
    }

    @Override
    public void close() {
        try {
            generator.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
