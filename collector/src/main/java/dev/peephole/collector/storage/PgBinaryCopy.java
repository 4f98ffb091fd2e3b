package dev.peephole.collector.storage;


import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows encoded in PostgreSQL's binary COPY format into one growing buffer, then sent
 * with a single {@code COPY ... FROM STDIN (FORMAT binary)}. This is the hot path of
 * ingest: no object per row, no text formatting, no parsing on the server beyond the
 * fixed-width fields. Format: https://www.postgresql.org/docs/current/sql-copy.html
 * (section "Binary Format").
 */
public final class PgBinaryCopy {

    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};
    /** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01. */
    private static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;
    private static final byte JSONB_VERSION = 1;

    private byte[] buf;
    private int len;
    private int rows;

    public PgBinaryCopy(int initialCapacity) {
        buf = new byte[Math.max(64, initialCapacity)];
        len = 0;
        writeBytes(HEADER, 0, HEADER.length);
    }

    public int rows() {
        return rows;
    }

    public int sizeBytes() {
        return len;
    }

    /** Appends the rows another buffer holds (same table layout) to this one. */
    public PgBinaryCopy appendRowsOf(PgBinaryCopy other) {
        int bytes = other.len - HEADER.length;
        ensure(bytes);
        System.arraycopy(other.buf, HEADER.length, buf, len, bytes);
        len += bytes;
        rows += other.rows;
        return this;
    }

    public PgBinaryCopy startRow(int fields) {
        ensure(2);
        putShort(fields);
        rows++;
        return this;
    }

    public PgBinaryCopy int8(long v) {
        ensure(12);
        putInt(8);
        putLong(v);
        return this;
    }

    public PgBinaryCopy int2(int v) {
        ensure(6);
        putInt(2);
        putShort(v);
        return this;
    }

    public PgBinaryCopy float8(double v) {
        return int8Raw(Double.doubleToRawLongBits(v));
    }

    private PgBinaryCopy int8Raw(long bits) {
        ensure(12);
        putInt(8);
        putLong(bits);
        return this;
    }

    /** A timestamptz from nanoseconds since the Unix epoch (PostgreSQL keeps microseconds). */
    public PgBinaryCopy timestampFromUnixNanos(long unixNanos) {
        return int8Raw(Math.floorDiv(unixNanos, 1000L) - PG_EPOCH_OFFSET_MICROS);
    }

    /** A timestamptz from milliseconds since the Unix epoch. */
    public PgBinaryCopy timestampFromUnixMillis(long unixMillis) {
        return int8Raw(unixMillis * 1000L - PG_EPOCH_OFFSET_MICROS);
    }

    public PgBinaryCopy bytea(byte[] v) {
        if (v == null) {
            return nul();
        }
        ensure(4 + v.length);
        putInt(v.length);
        writeBytes(v, 0, v.length);
        return this;
    }

    public PgBinaryCopy text(String v) {
        if (v == null) {
            return nul();
        }
        byte[] b = withoutNul(v).getBytes(StandardCharsets.UTF_8);
        ensure(4 + b.length);
        putInt(b.length);
        writeBytes(b, 0, b.length);
        return this;
    }

    /** A jsonb value from its UTF-8 JSON text. */
    public PgBinaryCopy jsonb(byte[] utf8Json) {
        if (utf8Json == null) {
            return nul();
        }
        ensure(5 + utf8Json.length);
        putInt(utf8Json.length + 1);
        buf[len++] = JSONB_VERSION;
        writeBytes(utf8Json, 0, utf8Json.length);
        return this;
    }

    /**
     * PostgreSQL text and jsonb cannot hold U+0000; an app's string that has one would fail
     * the whole COPY. It becomes U+FFFD (the replacement character) instead.
     */
    public static String withoutNul(String s) {
        return s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }

    public PgBinaryCopy nul() {
        ensure(4);
        putInt(-1);
        return this;
    }

    /** Sends the rows with {@code COPY table (columns) FROM STDIN (FORMAT binary)} on this connection. */
    public long copyInto(Connection connection, String tableAndColumns) throws SQLException {
        if (rows == 0) {
            return 0;
        }
        ensure(2);
        putShort(-1); // trailer
        PGConnection pg = connection.unwrap(PGConnection.class);
        CopyIn copy = pg.getCopyAPI().copyIn("COPY " + tableAndColumns + " FROM STDIN (FORMAT binary)");
        try {
            final int chunk = 1 << 16;
            for (int off = 0; off < len; off += chunk) {
                copy.writeToCopy(buf, off, Math.min(chunk, len - off));
            }
            return copy.endCopy();
        } catch (SQLException e) {
            if (copy.isActive()) {
                // The COPY broke off mid-stream, most likely with the connection. Cancelling it
                // would wait for a server that may be gone; close the socket instead, so the
                // pool throws this connection away.
                connection.unwrap(java.sql.Connection.class).abort(Runnable::run);
            }
            throw e;
        } finally {
            len -= 2; // the trailer is not part of the rows: the buffer may be sent again after a retry
        }
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    private void writeBytes(byte[] b, int off, int n) {
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    private void putShort(int v) {
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void putInt(int v) {
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

}
