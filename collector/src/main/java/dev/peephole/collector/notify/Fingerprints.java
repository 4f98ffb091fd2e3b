package dev.peephole.collector.notify;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** Alertmanager's alert fingerprint: FNV-1a 64 over the sorted label names and values, 16 hex digits. */
public final class Fingerprints {

    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Fingerprints() {
    }

    public static String of(Map<String, String> labels) {
        long h = OFFSET;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            h = add(h, e.getKey());
            h = (h ^ 0xff) * PRIME;
            h = add(h, e.getValue());
            h = (h ^ 0xff) * PRIME;
        }
        String hex = Long.toHexString(h);
        return "0".repeat(16 - hex.length()) + hex;
    }

    private static long add(long h, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= PRIME;
        }
        return h;
    }

    /** Labels as in a group key: {@code {a="1",b="2"}}, sorted by name. */
    public static String format(Map<String, String> labels) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(e.getKey()).append("=\"")
                    .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return b.append('}').toString();
    }
}
