package dev.peephole.collector.prometheus;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An output stream into chunks of 64 KiB, for answers of megabytes (a day of 100 series at a
 * one-minute step is 3.4 MB of JSON). A {@code ByteArrayOutputStream} doubles its array as it
 * grows and copies it once more at the end: with G1's 1 MiB regions every array from 512 KiB on is
 * a humongous allocation, and each one starts a concurrent marking cycle; measured in the query
 * bench, about ten cycles of 80-100 ms CPU every 5 s on a 2-core machine. Chunks stay small, are
 * never copied until they go to the HTTP server, as direct memory ({@link #toByteBuf}).
 */
final class ChunkedBytes extends OutputStream {

    static final int CHUNK = 64 * 1024;

    /** The finished chunks, each with the part of its array that holds bytes. */
    private final List<ByteBuffer> done = new ArrayList<>();
    private byte[] current;
    private int pos;
    private long size;

    ChunkedBytes() {
        this(4096);
    }

    /** The first chunk's size (up to {@link #CHUNK}): small answers stay one small array. */
    ChunkedBytes(int first) {
        current = new byte[Math.max(16, Math.min(first, CHUNK))];
    }

    @Override
    public void write(int b) {
        if (pos == current.length) {
            next();
        }
        current[pos++] = (byte) b;
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        size += len;
        while (len > 0) {
            if (pos == current.length) {
                next();
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(b, off, current, pos, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Appends other's bytes by reference (no copy); other must not be written to afterwards. */
    void append(ChunkedBytes other) {
        seal();
        for (ByteBuffer b : other.buffers()) {
            done.add(b);
        }
        size += other.size;
    }

    long size() {
        return size;
    }

    /**
     * The bytes as one buffer for the HTTP server to send (the caller, or the server that writes
     * it, releases it). One chunk: wrapped as it is. Several: copied into pooled direct buffers of
     * a chunk each, as one composite. Netty sends only direct memory, and turns a heap buffer into
     * a direct one first; for a composite of heap chunks its adaptive allocator does that by
     * merging all of them into one new heap array of the whole answer (4.8 MB for a day of
     * minutes of 100 series: a humongous allocation, which starts a G1 concurrent cycle, and a
     * second copy). A composite of direct chunks is written as it is.
     */
    ByteBuf toByteBuf() {
        List<ByteBuffer> parts = buffers();
        if (parts.size() <= 1) {
            return Unpooled.wrappedBuffer(parts.toArray(ByteBuffer[]::new));
        }
        CompositeByteBuf out = ByteBufAllocator.DEFAULT.compositeDirectBuffer(parts.size());
        try {
            for (ByteBuffer part : parts) {
                ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(part.remaining());
                try {
                    direct.writeBytes(part);
                } catch (RuntimeException | Error e) {
                    direct.release();
                    throw e;
                }
                out.addComponent(true, direct); // the composite owns it from here on (released with it)
            }
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
        return out;
    }

    /** The bytes as one array (a copy): for small answers and tests. */
    byte[] toByteArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too large for one array: " + size + " bytes");
        }
        byte[] out = new byte[(int) size];
        int at = 0;
        for (ByteBuffer b : buffers()) {
            int n = b.remaining();
            b.duplicate().get(out, at, n);
            at += n;
        }
        return out;
    }

    private List<ByteBuffer> buffers() {
        List<ByteBuffer> all = new ArrayList<>(done.size() + 1);
        for (ByteBuffer b : done) {
            all.add(b.duplicate());
        }
        if (pos > 0) {
            all.add(ByteBuffer.wrap(current, 0, pos));
        }
        return all;
    }

    /** Closes the current chunk (its bytes join the finished ones); writing goes on in a new one. */
    private void seal() {
        if (pos > 0) {
            done.add(ByteBuffer.wrap(current, 0, pos));
            current = new byte[Math.min(CHUNK, Math.max(4096, current.length))];
            pos = 0;
        }
    }

    private void next() {
        done.add(ByteBuffer.wrap(current, 0, pos));
        // chunks grow to CHUNK, so a small answer does not allocate 64 KiB
        current = new byte[Math.min(CHUNK, current.length * 2)];
        pos = 0;
    }

    @Override
    public String toString() {
        return "ChunkedBytes[" + size + " bytes in " + (done.size() + (pos > 0 ? 1 : 0)) + " chunks" + "]";
    }
}
