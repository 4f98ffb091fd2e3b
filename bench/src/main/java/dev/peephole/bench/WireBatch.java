package dev.peephole.bench;

import dev.peephole.proto.v1.Batch;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch serialized once, sent many times. The message for sequence {@code n} is built
 * by copying the pre-serialized body and patching it in place, so the load generator
 * spends next to no CPU per batch and yet never sends the same rows twice:
 * <ul>
 *   <li>every timestamp (fixed64, so patching keeps the length) moves by
 *       {@code n * shiftPerSequence}: the points of a series keep ascending from batch to batch;</li>
 *   <li>the first 8 bytes of every trace id become {@code salt + n}: each batch carries new traces.</li>
 * </ul>
 * Wire format: https://protobuf.dev/programming-guides/encoding/. The offsets are found by
 * walking the serialized body; {@link IngestLoad} parses one built message back as a check.
 */
final class WireBatch {

    private static final int WT_VARINT = 0;
    private static final int WT_I64 = 1;
    private static final int WT_LEN = 2;
    private static final int WT_I32 = 5;

    private final byte[] body;
    private final int[] timeOffsets;
    private final long[] timeValues;
    private final int[] traceIdOffsets;
    private final long shiftPerSequence;
    private final int rows;

    /** @param batch the batch's spans and metrics; its sequence must be unset (0) */
    WireBatch(Batch batch, long shiftPerSequence) {
        if (batch.getSequence() != 0) {
            throw new IllegalArgumentException("the template's sequence is set per send");
        }
        this.body = batch.toByteArray();
        this.shiftPerSequence = shiftPerSequence;
        int points = 0;
        for (var m : batch.getMetricsList()) {
            points += m.getPointsCount();
        }
        this.rows = points + batch.getSpansCount();
        List<Integer> times = new ArrayList<>();
        List<Integer> traceIds = new ArrayList<>();
        walkBatch(new Reader(body, 0, body.length), times, traceIds);
        this.timeOffsets = times.stream().mapToInt(Integer::intValue).toArray();
        this.traceIdOffsets = traceIds.stream().mapToInt(Integer::intValue).toArray();
        this.timeValues = new long[timeOffsets.length];
        for (int i = 0; i < timeOffsets.length; i++) {
            timeValues[i] = getLongLE(body, timeOffsets[i]);
        }
    }

    /** Points plus spans in one batch. */
    int rows() {
        return rows;
    }

    int bodyBytes() {
        return body.length;
    }

    /** The serialized {@code AgentMessage{batch: {sequence, ...}}} for this sequence. */
    byte[] message(long sequence, long traceSalt) {
        int batchLen = 1 + varintSize(sequence) + body.length;
        byte[] out = new byte[1 + varintSize(batchLen) + batchLen];
        int p = 0;
        out[p++] = (byte) (2 << 3 | WT_LEN); // AgentMessage.batch = 2
        p = putVarint(out, p, batchLen);
        out[p++] = (byte) (1 << 3 | WT_VARINT); // Batch.sequence = 1
        p = putVarint(out, p, sequence);
        System.arraycopy(body, 0, out, p, body.length);
        long shift = sequence * shiftPerSequence;
        for (int i = 0; i < timeOffsets.length; i++) {
            putLongLE(out, p + timeOffsets[i], timeValues[i] + shift);
        }
        long prefix = traceSalt + sequence;
        for (int off : traceIdOffsets) {
            putLongBE(out, p + off, prefix);
        }
        return out;
    }

    // ------------------------------------------------------------------ walking the template

    private static final class Reader {
        final byte[] b;
        int p;
        final int end;

        Reader(byte[] b, int from, int to) {
            this.b = b;
            this.p = from;
            this.end = to;
        }

        boolean more() {
            return p < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = b[p++];
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalStateException("malformed varint");
        }

        /** Reads a length-delimited field's length; returns a reader over its content and skips it here. */
        Reader sub() {
            int len = (int) varint();
            Reader r = new Reader(b, p, p + len);
            p += len;
            return r;
        }

        void skip(int wireType) {
            switch (wireType) {
                case WT_VARINT -> varint();
                case WT_I64 -> p += 8;
                case WT_LEN -> {
                    int len = (int) varint(); // not "p += varint()": that adds to p as it was before the varint
                    p += len;
                }
                case WT_I32 -> p += 4;
                default -> throw new IllegalStateException("unexpected wire type " + wireType);
            }
        }
    }

    private static void walkBatch(Reader r, List<Integer> times, List<Integer> traceIds) {
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wt = (int) (tag & 7);
            if (wt == WT_LEN && field == 2) {
                walkSpan(r.sub(), times, traceIds);
            } else if (wt == WT_LEN && field == 3) {
                walkMetric(r.sub(), times);
            } else {
                r.skip(wt);
            }
        }
    }

    private static void walkSpan(Reader r, List<Integer> times, List<Integer> traceIds) {
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wt = (int) (tag & 7);
            if (wt == WT_LEN && field == 1) { // trace_id
                Reader id = r.sub();
                if (id.end - id.p != 16) {
                    throw new IllegalStateException("trace id of " + (id.end - id.p) + " bytes");
                }
                traceIds.add(id.p);
            } else if (wt == WT_I64 && (field == 6 || field == 7)) { // start/end_time_unix_nano
                times.add(r.p);
                r.p += 8;
            } else if (wt == WT_LEN && field == 11) { // events
                Reader e = r.sub();
                while (e.more()) {
                    long t = e.varint();
                    if ((t >>> 3) == 1 && (t & 7) == WT_I64) {
                        times.add(e.p);
                        e.p += 8;
                    } else {
                        e.skip((int) (t & 7));
                    }
                }
            } else {
                r.skip(wt);
            }
        }
    }

    private static void walkMetric(Reader r, List<Integer> times) {
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wt = (int) (tag & 7);
            if (wt == WT_LEN && field == 6) { // points
                Reader p = r.sub();
                while (p.more()) {
                    long t = p.varint();
                    if ((t >>> 3) == 1 && (t & 7) == WT_I64) {
                        times.add(p.p);
                        p.p += 8;
                    } else {
                        p.skip((int) (t & 7));
                    }
                }
            } else {
                r.skip(wt);
            }
        }
    }

    // ------------------------------------------------------------------ bytes

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int putVarint(byte[] b, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            b[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    private static long getLongLE(byte[] b, int p) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }

    private static void putLongLE(byte[] b, int p, long v) {
        for (int i = 0; i < 8; i++) {
            b[p + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putLongBE(byte[] b, int p, long v) {
        for (int i = 7; i >= 0; i--) {
            b[p + i] = (byte) v;
            v >>>= 8;
        }
    }
}
