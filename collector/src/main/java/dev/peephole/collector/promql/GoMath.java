package dev.peephole.collector.promql;

import java.util.Arrays;

/** Float helpers replicating Go's math package and Prometheus' numeric helpers bit-for-bit where possible. */
final class GoMath {
    private static final double LOG2E = 1.44269504088896340735992468100189214;
    private static final double LOG10E = 0.43429448190325182765112891891660508;
    private static final double MIN_NORMAL = Double.longBitsToDouble(0x0010000000000000L);
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    private GoMath() {
    }

    static boolean isStale(double v) {
        return Double.doubleToRawLongBits(v) == STALE_NAN_BITS;
    }

    /** Go's math.Pow special cases on top of Java's. */
    static double pow(double x, double y) {
        if (y == 0) {
            return 1;
        }
        if (x == 1) {
            return 1;
        }
        if (x == -1 && Double.isInfinite(y)) {
            return 1;
        }
        return StrictMath.pow(x, y);
    }

    static double log(double x) {
        return StrictMath.log(x);
    }

    /** Go's math.Log2: frexp based, exact for powers of two. */
    static double log2(double x) {
        if (Double.isNaN(x) || x <= 0 || Double.isInfinite(x)) {
            return StrictMath.log(x);
        }
        int exp = Math.getExponent(x);
        double frac;
        if (exp == Double.MIN_EXPONENT - 1) {
            // subnormal
            double scaled = x * 0x1p54;
            exp = Math.getExponent(scaled) - 54;
            frac = scaled / Math.scalb(1.0, Math.getExponent(scaled));
        } else {
            frac = x / Math.scalb(1.0, exp);
        }
        // frac in [1,2): Go's Frexp gives [0.5,1)
        frac /= 2;
        exp += 1;
        if (frac == 0.5) {
            return exp - 1;
        }
        return StrictMath.log(frac) * LOG2E + exp;
    }

    /** Go's math.Log10 = Log(x) * (1/Ln10). */
    static double log10(double x) {
        return StrictMath.log(x) * LOG10E;
    }

    /** Prometheus util/almost.Equal. */
    static boolean almostEqual(double a, double b, double epsilon) {
        if (Double.isNaN(a) && Double.isNaN(b)) {
            return true;
        }
        if (a == b) {
            return true;
        }
        double absSum = Math.abs(a) + Math.abs(b);
        double diff = Math.abs(a - b);
        if (a == 0 || b == 0 || absSum < MIN_NORMAL) {
            return diff < epsilon * MIN_NORMAL;
        }
        return diff / Math.min(absSum, Double.MAX_VALUE) < epsilon;
    }

    /**
     * Prometheus' quantile() over values[0..n) (sorted in place, NaNs first like Go's vectorByValueHeap).
     */
    static double quantile(double q, double[] values, int n) {
        if (n == 0 || Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        sortNaNFirst(values, n);
        double rank = q * (n - 1);
        double lowerIndex = Math.max(0, Math.floor(rank));
        double upperIndex = Math.min(n - 1, lowerIndex + 1);
        double weight = rank - Math.floor(rank);
        return values[(int) lowerIndex] * (1 - weight) + values[(int) upperIndex] * weight;
    }

    static void sortNaNFirst(double[] v, int n) {
        Arrays.sort(v, 0, n);
        int nan = 0;
        for (int i = n - 1; i >= 0 && Double.isNaN(v[i]); i--) {
            nan++;
        }
        if (nan > 0 && nan < n) {
            System.arraycopy(v, 0, v, nan, n - nan);
            for (int i = 0; i < nan; i++) {
                v[i] = Double.NaN;
            }
        }
    }

    /**
     * Prometheus' BucketQuantile for classic histograms; upper/count [0..n) are modified. Returns NaN for the
     * documented special cases.
     */
    static double bucketQuantile(double q, double[] upper, double[] count, int n) {
        if (Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        // sort by upper bound (insertion sort: bucket counts are small; stable like Go's for small n)
        for (int i = 1; i < n; i++) {
            double u = upper[i];
            double c = count[i];
            int j = i - 1;
            while (j >= 0 && upper[j] > u) {
                upper[j + 1] = upper[j];
                count[j + 1] = count[j];
                j--;
            }
            upper[j + 1] = u;
            count[j + 1] = c;
        }
        if (upper[n - 1] != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        // coalesce buckets with the same upper bound
        int k = 0;
        double lastU = upper[0];
        double lastC = count[0];
        for (int i = 1; i < n; i++) {
            if (upper[i] == lastU) {
                lastC += count[i];
            } else {
                upper[k] = lastU;
                count[k] = lastC;
                k++;
                lastU = upper[i];
                lastC = count[i];
            }
        }
        upper[k] = lastU;
        count[k] = lastC;
        n = k + 1;
        // ensureMonotonicAndIgnoreSmallDeltas
        double prev = count[0];
        for (int i = 1; i < n; i++) {
            double curr = count[i];
            if (curr == prev) {
                continue;
            }
            if (almostEqual(prev, curr, 1e-12)) {
                count[i] = prev;
                continue;
            }
            if (curr < prev) {
                count[i] = prev;
                continue;
            }
            prev = curr;
        }
        if (n < 2) {
            return Double.NaN;
        }
        double observations = count[n - 1];
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        // sort.Search(n-1, count[i] >= rank)
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (!(count[mid] >= rank)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int b = lo;
        if (b == n - 1) {
            return upper[n - 2];
        }
        if (b == 0 && upper[0] <= 0) {
            return upper[0];
        }
        double bucketStart = 0;
        double bucketEnd = upper[b];
        double c = count[b];
        if (b > 0) {
            bucketStart = upper[b - 1];
            c -= count[b - 1];
            rank -= count[b - 1];
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / c);
    }

    /** Go's time.Duration.Seconds() for a duration given in milliseconds. */
    static double durationSeconds(long ms) {
        long sec = ms / 1000;
        long nsec = (ms % 1000) * 1_000_000L;
        return (double) sec + (double) nsec / 1e9;
    }
}
