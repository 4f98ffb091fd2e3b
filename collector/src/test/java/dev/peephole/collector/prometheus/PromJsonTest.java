package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.Series;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A large matrix formatted in two halves at once is byte for byte the matrix formatted in one go. */
class PromJsonTest {

    @Test
    void matrixInTwoHalvesIsTheSameTextAsInOneGo() throws Exception {
        Random rnd = new Random(3);
        List<Series> stored = new ArrayList<>();
        long start = 1_700_000_000_000L;
        for (int i = 0; i < 37; i++) {
            int n = 1500 + rnd.nextInt(500);
            long[] t = new long[n];
            double[] v = new double[n];
            for (int k = 0; k < n; k++) {
                t[k] = start + k * 10_000L + (i % 2 == 0 ? 0 : rnd.nextInt(999));
                v[k] = switch (k % 7) {
                    case 0 -> Double.NaN;
                    case 1 -> rnd.nextDouble() * 1e-9;
                    case 2 -> Math.pow(10, 22) * rnd.nextDouble();
                    case 3 -> -rnd.nextInt(1000);
                    default -> rnd.nextGaussian();
                };
            }
            stored.add(new Series(Labels.of(Map.of(Labels.METRIC_NAME, "pj_values", "zone", "z\u00e9\"\\ " + i,
                    "emoji", "\ud83d\udd14-" + i, "ctl", "a\tb\u0001")), t, v));
        }
        Engine engine = new Engine((List<LabelMatcher> m, dev.peephole.collector.promql.SelectHints h) -> {
            List<Series> out = new ArrayList<>();
            for (Series s : stored) {
                List<Long> ts = new ArrayList<>();
                List<Double> vs = new ArrayList<>();
                for (int k = 0; k < s.size(); k++) {
                    if (s.timestampsMs()[k] >= h.startMs() && s.timestampsMs()[k] <= h.endMs()) {
                        ts.add(s.timestampsMs()[k]);
                        vs.add(s.values()[k]);
                    }
                }
                out.add(new Series(s.labels(), ts.stream().mapToLong(Long::longValue).toArray(),
                        vs.stream().mapToDouble(Double::doubleValue).toArray()));
            }
            return out;
        });
        QueryResult r = engine.rangeQuery("pj_values", start, start + 4 * 3_600_000L, 10_000);
        assertThat(r.matrix()).hasSize(37);
        byte[] parallel = PromJson.success(g -> PromJson.result(g, r, 1), List.of("a warning"), List.of()).toByteArray();
        byte[] sequential = PromJson.success(g -> PromJson.result(g, r, Long.MAX_VALUE), List.of("a warning"), List.of()).toByteArray();
        int differ = java.util.Arrays.mismatch(parallel, sequential);
        assertThat(differ).as("first differing byte, around: %s", differ < 0 ? ""
                : new String(sequential, Math.max(0, differ - 40), Math.min(80, sequential.length - Math.max(0, differ - 40)),
                        StandardCharsets.UTF_8)).isEqualTo(-1);
        byte[] pairByPair = pairByPair(r, "a warning");
        differ = java.util.Arrays.mismatch(pairByPair, sequential);
        assertThat(differ).as("first byte differing from the pair-by-pair text, around: %s", differ < 0 ? ""
                : new String(pairByPair, Math.max(0, differ - 40), Math.min(80, pairByPair.length - Math.max(0, differ - 40)),
                        StandardCharsets.UTF_8)).isEqualTo(-1);
        JsonNode parsed = new ObjectMapper().readTree(parallel);
        assertThat(parsed.at("/data/result").size()).isEqualTo(37);
        assertThat(parsed.at("/data/result/36/metric/emoji").asText()).isEqualTo(r.matrix().get(36).labels().get("emoji"));
        assertThat(parsed.at("/data/result/0/metric/ctl").asText()).isEqualTo("a\tb\u0001");
        assertThat(parsed.at("/data/result/5/values/0/1").asText()).isEqualTo("NaN");
    }

    /** The same answer with every [t,"v"] pair written through the generator token by token. */
    private static byte[] pairByPair(QueryResult r, String warning) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", "success");
            g.writeObjectFieldStart("data");
            g.writeStringField("resultType", "matrix");
            g.writeArrayFieldStart("result");
            for (Series s : r.matrix()) {
                g.writeStartObject();
                g.writeFieldName("metric");
                PromJson.labels(g, s.labels());
                g.writeArrayFieldStart("values");
                for (int i = 0; i < s.size(); i++) {
                    g.writeStartArray();
                    g.writeRawValue(PromQLFormat.formatTimestamp(s.timestampsMs()[i]));
                    g.writeString(PromQLFormat.formatApiValue(s.values()[i]));
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("warnings");
            g.writeString(warning);
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
