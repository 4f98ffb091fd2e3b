package dev.peephole.bench.agent;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VariantsTest {

    @Test
    void variantsKeepTheirOrderAndSplitJvmArgumentsOnBlanks() throws Exception {
        Variants v = new Variants(new String[] {"--variant", "none=", "--runs", "3", "--variant",
                "otel=-javaagent:o.jar  -Dotel.instrumentation.methods.include=a.B[c];a.D[e]"},
                Map.of("runs", "5"));
        assertEquals(2, v.variants.size());
        assertEquals("none", v.variants.get(0).name());
        assertEquals(List.of(), v.variants.get(0).jvmArgs());
        assertEquals("otel", v.variants.get(1).name());
        assertEquals(List.of("-javaagent:o.jar", "-Dotel.instrumentation.methods.include=a.B[c];a.D[e]"),
                v.variants.get(1).jvmArgs());
        assertEquals(3, v.positiveInt("runs"));
    }

    @Test
    void aToolThatMeasuresItselfTakesItsOptionsWithoutAVariant() throws Exception {
        Variants v = Variants.ofThisRun(new String[] {"--seconds", "4"}, Map.of("seconds", "60", "seed", "42"));
        assertEquals(4, v.positiveInt("seconds"));
        assertEquals(42, v.positiveInt("seed"));
        assertThrows(Variants.BadArgs.class,
                () -> Variants.ofThisRun(new String[] {"--nope", "1"}, Map.of("seconds", "60")));
    }

    @Test
    void badCommandLinesAreRefused() {
        Map<String, String> defaults = Map.of("runs", "5");
        assertThrows(Variants.BadArgs.class, () -> new Variants(new String[] {"--runs", "2"}, defaults));
        assertThrows(Variants.BadArgs.class, () -> new Variants(new String[] {"--variant", "=x"}, defaults));
        assertThrows(Variants.BadArgs.class, () -> new Variants(new String[] {"--variant", "none"}, defaults));
        assertThrows(Variants.BadArgs.class, () -> new Variants(new String[] {"--variant", "a=", "--nope", "1"}, defaults));
        assertThrows(Variants.BadArgs.class, () -> new Variants(new String[] {"--variant", "a=", "--runs"}, defaults));
        assertThrows(Variants.BadArgs.class,
                () -> new Variants(new String[] {"--variant", "a=", "--runs", "0"}, defaults).positiveInt("runs"));
    }

    @Test
    void quantilesAreRanksOfTheSortedValues() {
        double[] values = new double[100];
        for (int i = 0; i < values.length; i++) {
            values[(i * 37) % 100] = i + 1; // 1..100, shuffled
        }
        assertEquals(50, Variants.quantile(values, 0.5));
        assertEquals(99, Variants.quantile(values, 0.99));
        assertEquals(100, Variants.quantile(values, 1.0));
        assertEquals(1, Variants.quantile(values, 0.0));
        assertEquals(3, Variants.quantile(new double[] {5, 1, 3}, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Variants.quantile(new double[0], 0.5));
    }

    @Test
    void frameClockAdvancesOneFrameIntervalPerReading() {
        Instant start = Instant.parse("2026-01-01T12:00:00Z");
        DemoFrames.FrameClock clock = new DemoFrames.FrameClock(start, 10);
        assertEquals(start, clock.instant());
        assertEquals(start.plusMillis(100), clock.instant());
        assertEquals(start.plusMillis(200), clock.instant());
    }

    @Test
    void workloadIsDeterministicAndDependsOnItsArgument() {
        Workload w = new Workload();
        assertEquals(w.checksum(7), new Workload().checksum(7));
        assertNotEquals(w.checksum(7), w.checksum(8));
    }
}
