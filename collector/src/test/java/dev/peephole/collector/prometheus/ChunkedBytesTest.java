package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkedBytesTest {

    /** Writes of every size (single bytes, runs across chunk ends, whole chunks and more) and appends, against a plain stream. */
    @Test
    void holdsExactlyTheBytesWrittenAndAppendedInOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 40; round++) {
            ChunkedBytes chunked = new ChunkedBytes(1 + random.nextInt(5000));
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            int ops = 1 + random.nextInt(60);
            for (int op = 0; op < ops; op++) {
                switch (random.nextInt(4)) {
                    case 0 -> {
                        int b = random.nextInt(256);
                        chunked.write(b);
                        plain.write(b);
                    }
                    case 1, 2 -> {
                        byte[] run = new byte[random.nextInt(3) == 0 ? random.nextInt(3 * ChunkedBytes.CHUNK) : random.nextInt(300)];
                        random.nextBytes(run);
                        int off = run.length == 0 ? 0 : random.nextInt(run.length);
                        int len = run.length - off == 0 ? 0 : random.nextInt(run.length - off + 1);
                        chunked.write(run, off, len);
                        plain.write(run, off, len);
                    }
                    default -> {
                        ChunkedBytes other = new ChunkedBytes(random.nextInt(100_000));
                        byte[] run = new byte[random.nextInt(2 * ChunkedBytes.CHUNK)];
                        random.nextBytes(run);
                        other.write(run, 0, run.length);
                        chunked.append(other);
                        plain.write(run, 0, run.length);
                    }
                }
            }
            byte[] expected = plain.toByteArray();
            assertThat(chunked.size()).isEqualTo(expected.length);
            assertThat(chunked.toByteArray()).isEqualTo(expected);
            ByteBuf buf = chunked.toByteBuf();
            try {
                assertThat(buf.readableBytes()).isEqualTo(expected.length);
                assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(expected);
            } finally {
                buf.release();
            }
            // reading the buffer does not consume the stream's own bytes
            assertThat(chunked.toByteArray()).isEqualTo(expected);
        }
    }

    @Test
    void noChunkIsLargeEnoughToBeHumongous() {
        ChunkedBytes chunked = new ChunkedBytes(1 << 20);
        chunked.write(new byte[3 << 20], 0, 3 << 20);
        ByteBuf buf = chunked.toByteBuf();
        try {
            assertThat(buf.nioBufferCount()).isGreaterThanOrEqualTo((3 << 20) / ChunkedBytes.CHUNK);
            for (java.nio.ByteBuffer b : buf.nioBuffers()) {
                assertThat(b.remaining()).isLessThanOrEqualTo(ChunkedBytes.CHUNK);
            }
            // direct memory: Netty writes it as it is; a composite of heap chunks it would first merge
            // into one heap array of the whole answer (humongous) to copy it to direct memory
            assertThat(buf.isDirect()).isTrue();
        } finally {
            assertThat(buf.release()).isTrue();
        }
    }

    @Test
    void aSingleChunkStaysAsItIs() {
        ChunkedBytes chunked = new ChunkedBytes();
        chunked.write(new byte[] {'{', '}'}, 0, 2);
        ByteBuf buf = chunked.toByteBuf();
        try {
            assertThat(ByteBufUtil.getBytes(buf)).containsExactly('{', '}');
            assertThat(buf.isDirect()).isFalse();
        } finally {
            buf.release();
        }
    }
}
