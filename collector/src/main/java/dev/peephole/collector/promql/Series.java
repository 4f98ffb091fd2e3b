package dev.peephole.collector.promql;

import java.util.Arrays;
import java.util.Objects;

/**
 * A time series: labels and samples sorted by time. Used both as input from a {@link SeriesSource} (raw samples)
 * and as matrix output of a query. A storage may answer a {@code rate} or {@code increase} read with a counter
 * partly summarized ({@code counterSteps} not null, samples strictly increasing in time): see {@link CounterSteps}.
 * {@code text}, when not null, has the API text of some of the values (see {@link SampleText}); it is no part of
 * what the series is (equality ignores it).
 */
public record Series(Labels labels, long[] timestampsMs, double[] values, CounterSteps counterSteps, SampleText text) {
    public Series {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(timestampsMs, "timestampsMs");
        Objects.requireNonNull(values, "values");
        if (timestampsMs.length != values.length) {
            throw new IllegalArgumentException("timestamps and values differ in length");
        }
        if (counterSteps != null && counterSteps.hidden().length != values.length) {
            throw new IllegalArgumentException("counter steps and values differ in length");
        }
    }

    /** Raw samples. */
    public Series(Labels labels, long[] timestampsMs, double[] values) {
        this(labels, timestampsMs, values, null, null);
    }

    /** Samples, perhaps a partly summarized counter, without text. */
    public Series(Labels labels, long[] timestampsMs, double[] values, CounterSteps counterSteps) {
        this(labels, timestampsMs, values, counterSteps, null);
    }

    /** Number of samples. */
    public int size() {
        return values.length;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Series)) {
            return false;
        }
        Series s = (Series) o;
        return labels.equals(s.labels) && Arrays.equals(timestampsMs, s.timestampsMs) && Arrays.equals(values, s.values)
                && Objects.equals(counterSteps, s.counterSteps);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * labels.hashCode() + Arrays.hashCode(timestampsMs)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(labels.toString()).append(" [");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(PromQLFormat.formatValue(values[i])).append(" @").append(PromQLFormat.formatTimestamp(timestampsMs[i]));
        }
        return sb.append(']').toString();
    }
}
