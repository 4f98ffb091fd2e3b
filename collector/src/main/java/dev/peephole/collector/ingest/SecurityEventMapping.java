package dev.peephole.collector.ingest;

import dev.peephole.collector.storage.PgBinaryCopy;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Span;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which spans are recognition results, and how their attributes become a row of
 * {@code security_events}. The attribute names are the ones the agent's built-in doorbell
 * profile records on {@code FaceRecognizer.recognize} (agent resource
 * {@code dev/peephole/agent/core/rules/doorbell.yaml}, from the doorbell demo's
 * {@code RecognitionResult}); any app whose spans carry the same attributes gives events too.
 *
 * <table>
 *   <tr><th>column</th><th>from</th></tr>
 *   <tr><td>kind</td><td>span attribute {@code recognition.result}: {@code KNOWN}, {@code UNKNOWN} or
 *       {@code BLACKLISTED} (any case) become known / unknown / blacklisted. A span without it, or with
 *       another value, is not a recognition result and gives no event.</td></tr>
 *   <tr><td>person_id, person_name</td><td>{@code person.id}, {@code person.name} (absent for unknown faces)</td></tr>
 *   <tr><td>person_role</td><td>{@code person.role}, lower case (resident, visitor, blacklisted)</td></tr>
 *   <tr><td>confidence</td><td>{@code recognition.confidence} (a number; a numeric string is read too)</td></tr>
 *   <tr><td>frame_id</td><td>{@code frame.id}</td></tr>
 *   <tr><td>at</td><td>the span's end: when the result was known</td></tr>
 *   <tr><td>agent_id, service_name, host_name</td><td>the sending agent (its Hello)</td></tr>
 *   <tr><td>trace_id, span_id</td><td>the span's ids</td></tr>
 * </table>
 */
public final class SecurityEventMapping {

    public static final String ATTR_RESULT = "recognition.result";
    public static final String ATTR_CONFIDENCE = "recognition.confidence";
    public static final String ATTR_PERSON_ID = "person.id";
    public static final String ATTR_PERSON_NAME = "person.name";
    public static final String ATTR_PERSON_ROLE = "person.role";
    public static final String ATTR_FRAME_ID = "frame.id";

    public static final List<String> KINDS = List.of("known", "unknown", "blacklisted");

    /** The columns of {@code security_events} in the order {@link #appendRow} encodes them. */
    public static final String COLUMNS = "security_events (at, kind, person_id, person_name, person_role, confidence, "
            + "agent_id, service_name, host_name, trace_id, span_id, frame_id)";

    /** One counter series of {@code peephole_security_events_total}. */
    public record TotalKey(String agentId, String kind, String serviceName, String hostName) {
    }

    private SecurityEventMapping() {
    }

    /** The event kind of a recognition span, or null when the span is not one. */
    public static String kindOf(Span s) {
        for (KeyValue kv : s.getAttributesList()) {
            if (kv.getKey().equals(ATTR_RESULT)) {
                if (kv.getValue().getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
                    return null;
                }
                String kind = kv.getValue().getStringValue().toLowerCase(Locale.ROOT);
                return KINDS.contains(kind) ? kind : null;
            }
        }
        return null;
    }

    /** Encodes the event of a recognition span (whose kind {@link #kindOf} gave) as a COPY row. */
    public static void appendRow(PgBinaryCopy rows, AgentIdentity agent, Span s, String kind) {
        String personId = null;
        String personName = null;
        String personRole = null;
        Double confidence = null;
        Long frameId = null;
        for (KeyValue kv : s.getAttributesList()) {
            switch (kv.getKey()) {
                case ATTR_PERSON_ID -> personId = string(kv.getValue());
                case ATTR_PERSON_NAME -> personName = string(kv.getValue());
                case ATTR_PERSON_ROLE -> {
                    String r = string(kv.getValue());
                    personRole = r == null ? null : r.toLowerCase(Locale.ROOT);
                }
                case ATTR_CONFIDENCE -> confidence = number(kv.getValue());
                case ATTR_FRAME_ID -> {
                    Double f = number(kv.getValue());
                    frameId = f == null ? null : f.longValue();
                }
                default -> {
                    // not part of the event
                }
            }
        }
        rows.startRow(12).timestampFromUnixNanos(s.getEndTimeUnixNano()).text(kind).text(personId).text(personName)
                .text(personRole);
        if (confidence == null || !Double.isFinite(confidence)) {
            rows.nul();
        } else {
            rows.float8(confidence);
        }
        rows.text(agent.agentId()).text(agent.serviceName()).text(agent.hostName())
                .bytea(s.getTraceId().toByteArray()).bytea(s.getSpanId().toByteArray());
        if (frameId == null) {
            rows.nul();
        } else {
            rows.int8(frameId);
        }
    }

    private static String string(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue().isEmpty() ? null : v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> null;
        };
    }

    private static Double number(AnyValue v) {
        return switch (v.getValueCase()) {
            case DOUBLE_VALUE -> v.getDoubleValue();
            case INT_VALUE -> (double) v.getIntValue();
            case STRING_VALUE -> {
                try {
                    yield Double.parseDouble(v.getStringValue().trim());
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }

    /** How long without events makes the next one start a new burst (see {@link #addToTotals}). */
    public static final int IDLE_SECONDS = 600;

    /**
     * Adds the counts to the running totals, in the caller's (ingest) transaction: one
     * statement, rows in key order, so concurrent writers lock them in the same order. A new
     * series, or one idle for {@link #IDLE_SECONDS}, records the total just before this
     * increment (burst_at, burst_total), which the publisher writes first so that
     * {@code increase()} sees the step from the previous value.
     */
    public static void addToTotals(Connection c, Map<TotalKey, Integer> counts) throws SQLException {
        if (counts.isEmpty()) {
            return;
        }
        List<Map.Entry<TotalKey, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Comparator.comparing((Map.Entry<TotalKey, Integer> e) -> e.getKey().agentId())
                .thenComparing(e -> e.getKey().kind())
                .thenComparing(e -> e.getKey().serviceName())
                .thenComparing(e -> e.getKey().hostName()));
        int n = sorted.size();
        String[] agents = new String[n];
        String[] kinds = new String[n];
        String[] services = new String[n];
        String[] hosts = new String[n];
        Long[] adds = new Long[n];
        for (int i = 0; i < n; i++) {
            TotalKey k = sorted.get(i).getKey();
            agents[i] = PgBinaryCopy.withoutNul(k.agentId());
            kinds[i] = k.kind();
            services[i] = PgBinaryCopy.withoutNul(k.serviceName());
            hosts[i] = PgBinaryCopy.withoutNul(k.hostName());
            adds[i] = (long) sorted.get(i).getValue();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO security_event_totals AS t (agent_id, kind, service_name, host_name, total, "
                        + "last_event_at, burst_at, burst_total) "
                        + "SELECT a, k, s, h, n, clock_timestamp(), clock_timestamp() - interval '1 millisecond', 0 "
                        + "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY "
                        + "AS i(a, k, s, h, n, o) ORDER BY o "
                        + "ON CONFLICT (agent_id, kind, service_name, host_name) DO UPDATE SET "
                        + "total = t.total + excluded.total, last_event_at = excluded.last_event_at, "
                        + "burst_at = CASE WHEN t.last_event_at < excluded.last_event_at - make_interval(secs => ?) "
                        + "THEN excluded.burst_at ELSE t.burst_at END, "
                        + "burst_total = CASE WHEN t.last_event_at < excluded.last_event_at - make_interval(secs => ?) "
                        + "THEN t.total ELSE t.burst_total END")) {
            ps.setArray(1, c.createArrayOf("text", agents));
            ps.setArray(2, c.createArrayOf("text", kinds));
            ps.setArray(3, c.createArrayOf("text", services));
            ps.setArray(4, c.createArrayOf("text", hosts));
            ps.setArray(5, c.createArrayOf("bigint", adds));
            ps.setInt(6, IDLE_SECONDS);
            ps.setInt(7, IDLE_SECONDS);
            ps.executeUpdate();
        }
    }
}
