package dev.peephole.collector.promql;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a storage adds to a counter series it has partly summarized, for {@code rate} and
 * {@code increase} only: each stretch of raw samples it summarized (a minute of the rollups)
 * appears as the stretch's first and last sample, and the step between the two carries how many
 * samples it hides and the counter-reset correction they add (the sum of the value before each
 * fall, which Prometheus adds to last - first). With these, Prometheus' extrapolatedRate over the
 * summarized samples takes the same first and last sample, the same sample count and the same
 * corrections as over the raw ones.
 *
 * @param hidden for the step from sample i to i + 1: -1 for an ordinary step between two
 *               consecutive raw samples (the reset rule applies to the pair), else the number of
 *               raw samples between the two (the step is a summarized stretch)
 * @param resets for a summarized step, the correction of the resets inside the stretch (0 for none)
 */
public record CounterSteps(int[] hidden, double[] resets) {
    public CounterSteps {
        Objects.requireNonNull(hidden, "hidden");
        Objects.requireNonNull(resets, "resets");
        if (hidden.length != resets.length) {
            throw new IllegalArgumentException("hidden and resets differ in length");
        }
    }

    /** Whether the step from sample i to i + 1 is a summarized stretch. */
    public boolean summarized(int i) {
        return hidden[i] >= 0;
    }

    /** The steps of the samples kept by {@code keep} (the dropped ones being ordinary samples). */
    CounterSteps keep(boolean[] keep, int kept) {
        int[] h = new int[kept];
        double[] r = new double[kept];
        int j = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                h[j] = hidden[i];
                r[j++] = resets[i];
            }
        }
        return new CounterSteps(h, r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CounterSteps c && Arrays.equals(hidden, c.hidden) && Arrays.equals(resets, c.resets);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(hidden) + Arrays.hashCode(resets);
    }

    @Override
    public String toString() {
        return "CounterSteps" + Arrays.toString(hidden) + Arrays.toString(resets);
    }
}
