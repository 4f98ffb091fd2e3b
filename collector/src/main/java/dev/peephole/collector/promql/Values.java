package dev.peephole.collector.promql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/** Intermediate values of the evaluator: dense per-step arrays over the evaluation timestamps. */
final class Values {
    private Values() {
    }

    /** A value of a node over all steps. */
    interface Val {
        long points();
    }

    /** Scalar: one value per step. */
    static final class ScalarV implements Val {
        final double[] v;

        ScalarV(double[] v) {
            this.v = v;
        }

        @Override
        public long points() {
            return v.length;
        }
    }

    /** String. */
    static final class StringV implements Val {
        final String s;

        StringV(String s) {
            this.s = s;
        }

        @Override
        public long points() {
            return 0;
        }
    }

    /** Instant vector over all steps. */
    static final class VectorV implements Val {
        final List<SS> series;

        VectorV(List<SS> series) {
            this.series = series;
        }

        @Override
        public long points() {
            long p = 0;
            for (SS s : series) {
                p += s.count;
            }
            return p;
        }
    }

    /** Matrix (only as the top-level result of an instant query). */
    static final class MatrixV implements Val {
        final List<Series> series;

        MatrixV(List<Series> series) {
            this.series = series;
        }

        @Override
        public long points() {
            long p = 0;
            for (Series s : series) {
                p += s.size();
            }
            return p;
        }
    }

    /** One series of an instant vector over all steps: value and presence per step. */
    static final class SS {
        final Labels labels;
        final double[] v;
        final boolean[] has;
        int count;

        SS(Labels labels, int n) {
            this.labels = labels;
            this.v = new double[n];
            this.has = new boolean[n];
        }

        void set(int i, double x) {
            if (!has[i]) {
                has[i] = true;
                count++;
            }
            v[i] = x;
        }
    }

    /** Builds output series keyed by labels; a second value for the same labels at the same step is an error. */
    static final class Collector {
        final int n;
        final ArrayList<SS> list = new ArrayList<>();
        private final HashMap<Labels, Integer> index = new HashMap<>();

        Collector(int n) {
            this.n = n;
        }

        int index(Labels l) {
            Integer i = index.get(l);
            if (i == null) {
                i = list.size();
                list.add(new SS(l, n));
                index.put(l, i);
            }
            return i;
        }

        void put(int idx, int step, double v) {
            SS s = list.get(idx);
            if (s.has[step]) {
                throw new PromQLEvalException("vector cannot contain metrics with the same labelset");
            }
            s.set(step, v);
        }

        VectorV result() {
            List<SS> out = new ArrayList<>(list.size());
            for (SS s : list) {
                if (s.count > 0) {
                    out.add(s);
                }
            }
            return new VectorV(out);
        }
    }
}
