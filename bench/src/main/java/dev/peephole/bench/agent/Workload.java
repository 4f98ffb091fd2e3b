package dev.peephole.bench.agent;

/**
 * The method whose per-call cost the agents are measured on: an FNV-1a hash over 96 bytes, a
 * chain of dependent multiplies that takes about 100 ns and that the JIT cannot fold away.
 * The Peephole agent weaves {@link #checksum} from a rule file, the OpenTelemetry agent from
 * {@code otel.instrumentation.methods.include=dev.peephole.bench.agent.Workload[checksum]}.
 */
public final class Workload {
    private final byte[] data = new byte[96];

    public Workload() {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
    }

    public long checksum(long salt) {
        long h = 0xcbf29ce484222325L ^ salt;
        for (byte b : data) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
