package dev.peephole.collector.promql;

import dev.peephole.collector.promql.Evaluator.Ctx;
import dev.peephole.collector.promql.Values.Collector;
import dev.peephole.collector.promql.Values.SS;
import dev.peephole.collector.promql.Values.ScalarV;
import dev.peephole.collector.promql.Values.Val;
import dev.peephole.collector.promql.Values.VectorV;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.BinaryOp;
import dev.peephole.collector.promql.ast.VectorMatching;
import dev.peephole.collector.promql.ast.VectorMatching.Cardinality;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Binary operators: scalar/scalar, vector/scalar and vector/vector with matching (port of Prometheus' binops). */
final class BinaryOps {
    private final Evaluator ev;

    BinaryOps(Evaluator ev) {
        this.ev = ev;
    }

    Val eval(BinaryExpr b, Ctx ctx) {
        Val l = ev.eval(b.lhs(), ctx);
        Val r = ev.eval(b.rhs(), ctx);
        if (l instanceof ScalarV && r instanceof ScalarV) {
            double[] a = ((ScalarV) l).v;
            double[] c = ((ScalarV) r).v;
            double[] v = new double[a.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = scalarBinop(b.op(), a[i], c[i]);
            }
            return new ScalarV(v);
        }
        if (l instanceof VectorV && r instanceof ScalarV) {
            return vectorScalar(b, (VectorV) l, ((ScalarV) r).v, false, ctx);
        }
        if (l instanceof ScalarV && r instanceof VectorV) {
            return vectorScalar(b, (VectorV) r, ((ScalarV) l).v, true, ctx);
        }
        VectorV lv = (VectorV) l;
        VectorV rv = (VectorV) r;
        switch (b.op()) {
            case AND:
            case OR:
            case UNLESS:
                return setOp(b, lv, rv, ctx);
            default:
                return vectorBinop(b, lv, rv, ctx);
        }
    }

    static double scalarBinop(BinaryOp op, double l, double r) {
        switch (op) {
            case ADD: return l + r;
            case SUB: return l - r;
            case MUL: return l * r;
            case DIV: return l / r;
            case POW: return GoMath.pow(l, r);
            case MOD: return l % r;
            case ATAN2: return StrictMath.atan2(l, r);
            case EQLC: return l == r ? 1 : 0;
            case NEQ: return l != r ? 1 : 0;
            case GTR: return l > r ? 1 : 0;
            case LSS: return l < r ? 1 : 0;
            case GTE: return l >= r ? 1 : 0;
            case LTE: return l <= r ? 1 : 0;
            default:
                throw new PromQLEvalException("operator " + GoStrings.quote(op.symbol()) + " not allowed for Scalar operations");
        }
    }

    /** Comparison result for float operands. */
    static boolean compare(BinaryOp op, double l, double r) {
        switch (op) {
            case EQLC: return l == r;
            case NEQ: return l != r;
            case GTR: return l > r;
            case LSS: return l < r;
            case GTE: return l >= r;
            case LTE: return l <= r;
            default: throw new IllegalStateException();
        }
    }

    private Val vectorScalar(BinaryExpr b, VectorV vec, double[] sc, boolean swap, Ctx ctx) {
        int n = ctx.n();
        BinaryOp op = b.op();
        boolean cmp = op.isComparison();
        boolean dropName = op.changesMetricSchema() || b.returnBool();
        Collector col = new Collector(n);
        for (SS s : vec.series) {
            int idx = -1;
            for (int i = 0; i < n; i++) {
                if (!s.has[i]) {
                    continue;
                }
                double lf = s.v[i];
                double rf = sc[i];
                if (swap) {
                    double t = lf;
                    lf = rf;
                    rf = t;
                }
                double value;
                boolean keep = true;
                if (cmp) {
                    keep = compare(op, lf, rf);
                    value = s.v[i];
                } else {
                    value = scalarBinop(op, lf, rf);
                }
                if (b.returnBool()) {
                    value = keep ? 1 : 0;
                    keep = true;
                }
                if (!keep) {
                    continue;
                }
                if (idx < 0) {
                    idx = col.index(dropName ? s.labels.withoutMetricName() : s.labels);
                }
                col.put(idx, i, value);
            }
        }
        return col.result();
    }

    /** Join signature function of a vector matching. */
    private static final class Sigs {
        final Map<Labels, Integer> ordinals = new HashMap<>();
        final boolean on;
        final Set<String> names;

        Sigs(VectorMatching m) {
            this.on = m.on();
            this.names = new HashSet<>(m.matchingLabels());
            if (!on) {
                names.add(Labels.METRIC_NAME);
            }
        }

        Labels sig(Labels l) {
            return on ? l.keep(names) : l.without(names);
        }

        int[] ordinals(List<SS> series) {
            int[] r = new int[series.size()];
            for (int i = 0; i < r.length; i++) {
                Labels s = sig(series.get(i).labels);
                Integer o = ordinals.get(s);
                if (o == null) {
                    o = ordinals.size();
                    ordinals.put(s, o);
                }
                r[i] = o;
            }
            return r;
        }
    }

    private static boolean anyAt(List<SS> series, int i) {
        for (SS s : series) {
            if (s.has[i]) {
                return true;
            }
        }
        return false;
    }

    private Val setOp(BinaryExpr b, VectorV lv, VectorV rv, Ctx ctx) {
        int n = ctx.n();
        Sigs sigs = new Sigs(b.matching());
        List<SS> lhs = lv.series;
        List<SS> rhs = rv.series;
        int[] ls = sigs.ordinals(lhs);
        int[] rs = sigs.ordinals(rhs);
        int nsig = sigs.ordinals.size();
        int[] stamp = new int[nsig];
        Collector col = new Collector(n);
        int[] lIdx = new int[lhs.size()];
        int[] rIdx = new int[rhs.size()];
        Arrays.fill(lIdx, -1);
        Arrays.fill(rIdx, -1);
        for (int i = 0; i < n; i++) {
            int mark = i + 1;
            switch (b.op()) {
                case AND: {
                    for (int j = 0; j < rhs.size(); j++) {
                        if (rhs.get(j).has[i]) {
                            stamp[rs[j]] = mark;
                        }
                    }
                    for (int j = 0; j < lhs.size(); j++) {
                        SS s = lhs.get(j);
                        if (s.has[i] && stamp[ls[j]] == mark) {
                            lIdx[j] = put(col, lIdx[j], s, i);
                        }
                    }
                    break;
                }
                case OR: {
                    for (int j = 0; j < lhs.size(); j++) {
                        SS s = lhs.get(j);
                        if (s.has[i]) {
                            stamp[ls[j]] = mark;
                            lIdx[j] = put(col, lIdx[j], s, i);
                        }
                    }
                    for (int j = 0; j < rhs.size(); j++) {
                        SS s = rhs.get(j);
                        if (s.has[i] && stamp[rs[j]] != mark) {
                            rIdx[j] = put(col, rIdx[j], s, i);
                        }
                    }
                    break;
                }
                default: {
                    for (int j = 0; j < rhs.size(); j++) {
                        if (rhs.get(j).has[i]) {
                            stamp[rs[j]] = mark;
                        }
                    }
                    for (int j = 0; j < lhs.size(); j++) {
                        SS s = lhs.get(j);
                        if (s.has[i] && stamp[ls[j]] != mark) {
                            lIdx[j] = put(col, lIdx[j], s, i);
                        }
                    }
                }
            }
        }
        return col.result();
    }

    private static int put(Collector col, int idx, SS s, int i) {
        if (idx < 0) {
            idx = col.index(s.labels);
        }
        col.put(idx, i, s.v[i]);
        return idx;
    }

    private Val vectorBinop(BinaryExpr b, VectorV lv, VectorV rv, Ctx ctx) {
        int n = ctx.n();
        VectorMatching m = b.matching();
        BinaryOp op = b.op();
        boolean swapped = m.card() == Cardinality.ONE_TO_MANY;
        List<SS> lhs = swapped ? rv.series : lv.series;
        List<SS> rhs = swapped ? lv.series : rv.series;
        Sigs sigs = new Sigs(m);
        int[] ls = sigs.ordinals(lhs);
        int[] rs = sigs.ordinals(rhs);
        int nsig = sigs.ordinals.size();
        int[] rStamp = new int[nsig];
        int[] rOf = new int[nsig];
        int[] mStamp = new int[nsig];
        int[] lastR = new int[lhs.size()];
        int[] lastOut = new int[lhs.size()];
        Arrays.fill(lastR, -1);
        Map<Long, Integer> pairOut = new HashMap<>();
        int[] usedStamp = new int[16];
        int[] usedSig = new int[16];
        boolean cmp = op.isComparison();
        Collector col = new Collector(n);
        for (int i = 0; i < n; i++) {
            if ((i & 255) == 0) {
                ev.checkTimeout();
            }
            if (!anyAt(lhs, i) || !anyAt(rhs, i)) {
                continue;
            }
            int mark = i + 1;
            for (int j = 0; j < rhs.size(); j++) {
                SS r = rhs.get(j);
                if (!r.has[i]) {
                    continue;
                }
                int sig = rs[j];
                if (rStamp[sig] == mark) {
                    SS dup = rhs.get(rOf[sig]);
                    Labels matched = m.on() ? r.labels.keep(m.matchingLabels())
                        : r.labels.without(sigs.names);
                    throw new PromQLEvalException("found duplicate series for the match group " + matched + " on the "
                        + (swapped ? "left" : "right") + " hand-side of the operation: [" + r.labels + ", "
                        + dup.labels + "];many-to-many matching not allowed: matching labels must be unique on one side");
                }
                rStamp[sig] = mark;
                rOf[sig] = j;
            }
            for (int j = 0; j < lhs.size(); j++) {
                SS l = lhs.get(j);
                if (!l.has[i]) {
                    continue;
                }
                int sig = ls[j];
                if (rStamp[sig] != mark) {
                    continue;
                }
                int rj = rOf[sig];
                SS r = rhs.get(rj);
                double fl = l.v[i];
                double fr = r.v[i];
                if (swapped) {
                    double t = fl;
                    fl = fr;
                    fr = t;
                }
                double value;
                boolean keep = true;
                if (cmp) {
                    keep = compare(op, fl, fr);
                    value = fl;
                } else {
                    value = scalarBinop(op, fl, fr);
                }
                if (b.returnBool()) {
                    value = keep ? 1 : 0;
                }
                int out;
                if (lastR[j] == rj) {
                    out = lastOut[j];
                } else {
                    long key = ((long) j << 32) | rj;
                    Integer o = pairOut.get(key);
                    if (o == null) {
                        o = col.index(resultMetric(l.labels, r.labels, b));
                        pairOut.put(key, o);
                    }
                    out = o;
                    lastR[j] = rj;
                    lastOut[j] = out;
                }
                if (m.card() == Cardinality.ONE_TO_ONE) {
                    if (mStamp[sig] == mark) {
                        throw new PromQLEvalException(
                            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                    }
                    mStamp[sig] = mark;
                } else {
                    if (out >= usedStamp.length) {
                        int len = Math.max(out + 1, usedStamp.length * 2);
                        usedStamp = Arrays.copyOf(usedStamp, len);
                        usedSig = Arrays.copyOf(usedSig, len);
                    }
                    if (usedStamp[out] == mark && usedSig[out] == sig) {
                        throw new PromQLEvalException(
                            "multiple matches for labels: grouping labels must ensure unique matches");
                    }
                    if (usedStamp[out] != mark) {
                        usedStamp[out] = mark;
                        usedSig[out] = sig;
                    }
                }
                if (!keep && !b.returnBool()) {
                    continue;
                }
                col.put(out, i, value);
            }
        }
        return col.result();
    }

    /** Prometheus' resultMetric. */
    private static Labels resultMetric(Labels lhs, Labels rhs, BinaryExpr b) {
        VectorMatching m = b.matching();
        Labels l = lhs;
        if (b.op().changesMetricSchema()) {
            l = l.withoutMetricName();
        }
        if (m.card() == Cardinality.ONE_TO_ONE) {
            l = m.on() ? l.keep(m.matchingLabels()) : l.without(m.matchingLabels());
        }
        for (String ln : m.include()) {
            l = l.with(ln, rhs.get(ln));
        }
        if (b.returnBool()) {
            l = l.withoutMetricName();
        }
        return l;
    }
}
