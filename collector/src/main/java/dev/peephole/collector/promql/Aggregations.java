package dev.peephole.collector.promql;

import dev.peephole.collector.promql.Evaluator.Ctx;
import dev.peephole.collector.promql.Values.Collector;
import dev.peephole.collector.promql.Values.SS;
import dev.peephole.collector.promql.Values.Val;
import dev.peephole.collector.promql.Values.VectorV;
import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.AggregateOp;
import dev.peephole.collector.promql.ast.StringLiteral;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Aggregation operators (a port of Prometheus' aggregation / aggregationK / aggregationCountValues). */
final class Aggregations {
    private static final Pattern LEGACY_LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final double MAX_INT64 = 9223372036854774784.0;
    private static final double MIN_INT64 = -9223372036854775808.0;
    private final Evaluator ev;

    Aggregations(Evaluator ev) {
        this.ev = ev;
    }

    static Labels groupLabels(Labels l, boolean without, Set<String> grouping) {
        if (without) {
            return l.without(grouping);
        }
        if (grouping.isEmpty()) {
            return Labels.EMPTY;
        }
        return l.keep(grouping);
    }

    Val eval(AggregateExpr a, Ctx ctx) {
        AggregateOp op = a.op();
        double[] param = null;
        String label = null;
        if (op == AggregateOp.COUNT_VALUES) {
            label = ((StringLiteral) Evaluator.unwrapParens(a.param())).value();
        } else if (a.param() != null) {
            param = ev.evalScalar(Evaluator.unwrapParens(a.param()), ctx).v;
        }
        if (op == AggregateOp.COUNT_VALUES) {
            if (!LEGACY_LABEL_NAME.matcher(label).matches()) {
                throw new PromQLEvalException("invalid label name " + GoStrings.quote(label));
            }
        }
        VectorV in = ev.evalVector(Evaluator.unwrapParens(a.expr()), ctx);
        Set<String> grouping = new HashSet<>(a.grouping());
        if (a.without()) {
            grouping.add(Labels.METRIC_NAME);
        }
        switch (op) {
            case TOPK:
            case BOTTOMK:
                return topk(a, param, in, ctx, grouping);
            case COUNT_VALUES:
                return countValues(a, label, in, ctx);
            default:
                return aggregate(op, param, in, ctx, a.without(), grouping);
        }
    }

    private Val aggregate(AggregateOp op, double[] param, VectorV in, Ctx ctx, boolean without, Set<String> grouping) {
        int n = ctx.n();
        List<SS> series = in.series;
        int ns = series.size();
        Map<Labels, Integer> groupIndex = new HashMap<>();
        List<Labels> groupLabels = new ArrayList<>();
        int[] gidx = new int[ns];
        for (int s = 0; s < ns; s++) {
            Labels g = groupLabels(series.get(s).labels, without, grouping);
            Integer i = groupIndex.get(g);
            if (i == null) {
                i = groupLabels.size();
                groupIndex.put(g, i);
                groupLabels.add(g);
            }
            gidx[s] = i;
        }
        int ng = groupLabels.size();
        if (op == AggregateOp.QUANTILE && param != null) {
            for (double q : param) {
                if (Double.isNaN(q) || q < 0 || q > 1) {
                    ev.warnings.add("PromQL warning: quantile value should be between 0 and 1, got "
                        + PromQLFormat.formatValue(q));
                    break;
                }
            }
        }
        double[] val = new double[ng];
        double[] mean = new double[ng];
        double[] kc = new double[ng];
        double[] cnt = new double[ng];
        boolean[] seen = new boolean[ng];
        boolean[] incr = new boolean[ng];
        double[][] qv = op == AggregateOp.QUANTILE ? new double[ng][] : null;
        int[] qn = op == AggregateOp.QUANTILE ? new int[ng] : null;
        SS[] outs = new SS[ng];
        for (int i = 0; i < n; i++) {
            if ((i & 255) == 0) {
                ev.checkTimeout();
            }
            Arrays.fill(seen, false);
            for (int s = 0; s < ns; s++) {
                SS ss = series.get(s);
                if (!ss.has[i]) {
                    continue;
                }
                int g = gidx[s];
                double f = ss.v[i];
                if (!seen[g]) {
                    seen[g] = true;
                    val[g] = f;
                    mean[g] = f;
                    kc[g] = 0;
                    cnt[g] = 1;
                    incr[g] = false;
                    switch (op) {
                        case STDDEV:
                        case STDVAR:
                            val[g] = (Double.isNaN(f) || Double.isInfinite(f)) ? Double.NaN : 0;
                            break;
                        case QUANTILE:
                            if (qv[g] == null) {
                                qv[g] = new double[8];
                            }
                            qv[g][0] = f;
                            qn[g] = 1;
                            break;
                        case GROUP:
                            val[g] = 1;
                            break;
                        default:
                            break;
                    }
                    continue;
                }
                switch (op) {
                    case SUM: {
                        double sum = val[g];
                        double t = sum + f;
                        if (Double.isInfinite(t)) {
                            kc[g] = 0;
                        } else if (Math.abs(sum) >= Math.abs(f)) {
                            kc[g] += (sum - t) + f;
                        } else {
                            kc[g] += (f - t) + sum;
                        }
                        val[g] = t;
                        break;
                    }
                    case AVG: {
                        cnt[g]++;
                        if (!incr[g]) {
                            double sum = val[g];
                            double t = sum + f;
                            double c = kc[g];
                            if (Double.isInfinite(t)) {
                                c = 0;
                            } else if (Math.abs(sum) >= Math.abs(f)) {
                                c += (sum - t) + f;
                            } else {
                                c += (f - t) + sum;
                            }
                            if (!Double.isInfinite(t)) {
                                val[g] = t;
                                kc[g] = c;
                                break;
                            }
                            incr[g] = true;
                            mean[g] = val[g] / (cnt[g] - 1);
                            kc[g] /= cnt[g] - 1;
                        }
                        double q = (cnt[g] - 1) / cnt[g];
                        double inc = f / cnt[g];
                        double m = q * mean[g];
                        double c = q * kc[g];
                        double t = m + inc;
                        if (Double.isInfinite(t)) {
                            c = 0;
                        } else if (Math.abs(m) >= Math.abs(inc)) {
                            c += (m - t) + inc;
                        } else {
                            c += (inc - t) + m;
                        }
                        mean[g] = t;
                        kc[g] = c;
                        break;
                    }
                    case GROUP:
                        break;
                    case MAX:
                        if (val[g] < f || Double.isNaN(val[g])) {
                            val[g] = f;
                        }
                        break;
                    case MIN:
                        if (val[g] > f || Double.isNaN(val[g])) {
                            val[g] = f;
                        }
                        break;
                    case COUNT:
                        cnt[g]++;
                        break;
                    case STDDEV:
                    case STDVAR: {
                        cnt[g]++;
                        double delta = f - mean[g];
                        mean[g] += delta / cnt[g];
                        val[g] += delta * (f - mean[g]);
                        break;
                    }
                    case QUANTILE:
                        if (qn[g] == qv[g].length) {
                            qv[g] = Arrays.copyOf(qv[g], qn[g] * 2);
                        }
                        qv[g][qn[g]++] = f;
                        break;
                    default:
                        throw new IllegalStateException();
                }
            }
            for (int g = 0; g < ng; g++) {
                if (!seen[g]) {
                    continue;
                }
                double r;
                switch (op) {
                    case AVG:
                        r = incr[g] ? mean[g] + kc[g] : val[g] / cnt[g] + kc[g] / cnt[g];
                        break;
                    case COUNT:
                        r = cnt[g];
                        break;
                    case STDVAR:
                        r = val[g] / cnt[g];
                        break;
                    case STDDEV:
                        r = Math.sqrt(val[g] / cnt[g]);
                        break;
                    case QUANTILE:
                        r = GoMath.quantile(param[i], qv[g], qn[g]);
                        break;
                    case SUM:
                        r = val[g] + kc[g];
                        break;
                    default:
                        r = val[g];
                }
                if (outs[g] == null) {
                    outs[g] = new SS(groupLabels.get(g), n);
                }
                outs[g].set(i, r);
            }
        }
        List<SS> out = new ArrayList<>();
        for (SS o : outs) {
            if (o != null) {
                out.add(o);
            }
        }
        return new VectorV(out);
    }

    // ------------------------------------------------------------------ topk / bottomk

    private Val topk(AggregateExpr a, double[] param, VectorV in, Ctx ctx, Set<String> grouping) {
        int n = ctx.n();
        boolean top = a.op() == AggregateOp.TOPK;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        boolean nan = false;
        for (double p : param) {
            if (Double.isNaN(p)) {
                nan = true;
            } else {
                max = Math.max(max, p);
                min = Math.min(min, p);
            }
        }
        if (!nan && max < 1) {
            return new VectorV(List.of());
        }
        if (nan) {
            throw new PromQLEvalException("Parameter value is NaN");
        }
        if (min <= MIN_INT64) {
            throw new PromQLEvalException("Scalar value " + goG(min) + " underflows int64");
        }
        if (max >= MAX_INT64) {
            throw new PromQLEvalException("Scalar value " + goG(max) + " overflows int64");
        }
        List<SS> series = in.series;
        int ns = series.size();
        Map<Labels, Integer> groupIndex = new HashMap<>();
        int[] gidx = new int[ns];
        for (int s = 0; s < ns; s++) {
            Labels g = groupLabels(series.get(s).labels, a.without(), grouping);
            Integer i = groupIndex.get(g);
            if (i == null) {
                i = groupIndex.size();
                groupIndex.put(g, i);
            }
            gidx[s] = i;
        }
        int ng = groupIndex.size();
        int[][] heaps = new int[ng][];
        int[] size = new int[ng];
        boolean[] seen = new boolean[ng];
        Collector col = new Collector(n);
        int[] colIdx = new int[ns];
        Arrays.fill(colIdx, -1);
        for (int i = 0; i < n; i++) {
            long k = Math.min((long) param[i], (long) ns);
            if (k < 1) {
                continue;
            }
            Arrays.fill(seen, false);
            for (int s = 0; s < ns; s++) {
                SS ss = series.get(s);
                if (!ss.has[i]) {
                    continue;
                }
                int g = gidx[s];
                if (!seen[g]) {
                    seen[g] = true;
                    if (heaps[g] == null || heaps[g].length < k) {
                        heaps[g] = new int[(int) Math.min(k, ns)];
                    }
                    heaps[g][0] = s;
                    size[g] = 1;
                    continue;
                }
                int[] h = heaps[g];
                double f = ss.v[i];
                if (size[g] < k) {
                    h[size[g]] = s;
                    size[g]++;
                    up(h, size[g] - 1, series, i, top);
                } else {
                    double h0 = series.get(h[0]).v[i];
                    boolean replace = top ? (h0 < f || (Double.isNaN(h0) && !Double.isNaN(f)))
                        : (h0 > f || (Double.isNaN(h0) && !Double.isNaN(f)));
                    if (replace) {
                        h[0] = s;
                        if (k > 1) {
                            if (!down(h, 0, size[g], series, i, top)) {
                                up(h, 0, series, i, top);
                            }
                        }
                    }
                }
            }
            for (int g = 0; g < ng; g++) {
                if (!seen[g]) {
                    continue;
                }
                int[] h = heaps[g];
                int len = size[g];
                Integer[] order = new Integer[len];
                for (int x = 0; x < len; x++) {
                    order[x] = h[x];
                }
                if (len > 1) {
                    int step = i;
                    // sort.Reverse(heap): descending for topk, ascending for bottomk, NaN last (stable)
                    Arrays.sort(order, (p, q) -> {
                        double x = series.get(p).v[step];
                        double y = series.get(q).v[step];
                        boolean xn = Double.isNaN(x);
                        boolean yn = Double.isNaN(y);
                        if (xn || yn) {
                            return Boolean.compare(xn, yn);
                        }
                        return top ? Double.compare(y, x) : Double.compare(x, y);
                    });
                }
                for (Integer s : order) {
                    if (colIdx[s] < 0) {
                        colIdx[s] = col.index(series.get(s).labels);
                    }
                    col.put(colIdx[s], i, series.get(s).v[i]);
                }
            }
        }
        return col.result();
    }

    /** Go's vectorByValueHeap.Less (top) or vectorByReverseValueHeap.Less (bottom). */
    private static boolean less(int[] h, int i, int j, List<SS> series, int step, boolean top) {
        double vi = series.get(h[i]).v[step];
        double vj = series.get(h[j]).v[step];
        if (Double.isNaN(vi)) {
            return true;
        }
        return top ? vi < vj : vi > vj;
    }

    private static void up(int[] h, int j, List<SS> series, int step, boolean top) {
        while (true) {
            int i = (j - 1) / 2;
            if (i == j || !less(h, j, i, series, step, top)) {
                break;
            }
            int tmp = h[i];
            h[i] = h[j];
            h[j] = tmp;
            j = i;
        }
    }

    private static boolean down(int[] h, int i0, int n, List<SS> series, int step, boolean top) {
        int i = i0;
        while (true) {
            int j1 = 2 * i + 1;
            if (j1 >= n || j1 < 0) {
                break;
            }
            int j = j1;
            int j2 = j1 + 1;
            if (j2 < n && less(h, j2, j1, series, step, top)) {
                j = j2;
            }
            if (!less(h, j, i, series, step, top)) {
                break;
            }
            int tmp = h[i];
            h[i] = h[j];
            h[j] = tmp;
            i = j;
        }
        return i > i0;
    }

    private static String goG(double v) {
        return Double.toString(v).replace("E", "e+").replace("e+-", "e-");
    }

    // ------------------------------------------------------------------ count_values

    private Val countValues(AggregateExpr a, String label, VectorV in, Ctx ctx) {
        int n = ctx.n();
        Set<String> grouping = new HashSet<>(a.grouping());
        if (a.without()) {
            grouping.add(Labels.METRIC_NAME);
        } else {
            grouping.add(label);
        }
        Collector col = new Collector(n);
        for (int i = 0; i < n; i++) {
            Map<Labels, Integer> counts = new LinkedHashMap<>();
            for (SS s : in.series) {
                if (!s.has[i]) {
                    continue;
                }
                Labels l = s.labels.with(label, PromQLFormat.formatValue(s.v[i]));
                Labels g = groupLabels(l, a.without(), grouping);
                counts.merge(g, 1, Integer::sum);
            }
            for (Map.Entry<Labels, Integer> e : counts.entrySet()) {
                col.put(col.index(e.getKey()), i, e.getValue());
            }
        }
        return col.result();
    }
}
