package dev.peephole.collector.prometheus;

import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON text already encoded as UTF-8 bytes, for {@code JsonGenerator.writeRawValue}: the UTF-8 generator
 * copies the bytes as they are (a raw String or char array would be re-encoded character by character).
 */
class RawJson implements SerializableString {

    protected byte[] buf;
    protected int len;

    RawJson(byte[] bytes, int length) {
        this.buf = bytes;
        this.len = length;
    }

    @Override
    public String getValue() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    @Override
    public int appendUnquotedUTF8(byte[] out, int offset) {
        if (out.length - offset < len) {
            return -1;
        }
        System.arraycopy(buf, 0, out, offset, len);
        return len;
    }

    @Override
    public byte[] asUnquotedUTF8() {
        return Arrays.copyOf(buf, len);
    }

    @Override
    public int appendUnquoted(char[] out, int offset) {
        String s = getValue();
        if (out.length - offset < s.length()) {
            return -1;
        }
        s.getChars(0, s.length(), out, offset);
        return s.length();
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
        out.write(buf, 0, len);
        return len;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer out) {
        if (out.remaining() < len) {
            return -1;
        }
        out.put(buf, 0, len);
        return len;
    }

    // The quoted forms (this text as the contents of a JSON string) are never asked of a raw value.

    @Override
    public char[] asQuotedChars() {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }

    @Override
    public int appendQuotedUTF8(byte[] out, int offset) {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }

    @Override
    public int appendQuoted(char[] out, int offset) {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }

    @Override
    public int putQuotedUTF8(ByteBuffer out) {
        throw new UnsupportedOperationException("raw JSON value, not string contents");
    }
}
