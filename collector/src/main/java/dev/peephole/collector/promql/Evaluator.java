package dev.peephole.collector.promql;

import dev.peephole.collector.promql.Values.Collector;
import dev.peephole.collector.promql.Values.MatrixV;
import dev.peephole.collector.promql.Values.SS;
import dev.peephole.collector.promql.Values.ScalarV;
import dev.peephole.collector.promql.Values.StringV;
import dev.peephole.collector.promql.Values.Val;
import dev.peephole.collector.promql.Values.VectorV;
import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.At;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.NumberLiteral;
import dev.peephole.collector.promql.ast.ParenExpr;
import dev.peephole.collector.promql.ast.StringLiteral;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.UnaryExpr;
import dev.peephole.collector.promql.ast.ValueType;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Evaluates one query. Every node is evaluated once for all steps into dense per-step arrays; selectors read data
 * fetched once (per distinct selector) before evaluation and slide over the sample arrays with indices.
 */
final class Evaluator {
    final SeriesSource source;
    final EngineOptions opts;
    final long queryStart;
    final long queryEnd;
    final long queryStep;
    final long lookback;
    /** 1 for Prometheus 3 left-open intervals (t - range, t], 0 for Prometheus 2 closed ones. */
    final long open;
    private final long deadlineNanos;
    private final IdentityHashMap<VectorSelector, List<LSeries>> data = new IdentityHashMap<>();
    private long samples;
    /**
     * The read series that came with the text of their values ({@link Series#text}), by labels: an answer
     * series with the same labels may have passed their values on (a plain selector does).
     */
    final Map<Labels, Series> withText = new HashMap<>();
    final LinkedHashSet<String> warnings = new LinkedHashSet<>();
    final LinkedHashSet<String> infos = new LinkedHashSet<>();
    final Functions functions;
    final Aggregations aggregations;
    final BinaryOps binaryOps;

    /** A loaded series: raw samples and (lazily) the samples without staleness markers. */
    static final class LSeries {
        final Labels labels;
        final long[] t;
        final double[] v;
        /** A storage's summary of counter stretches (rate and increase reads only), else null. */
        final CounterSteps steps;
        private long[] ft;
        private double[] fv;
        private CounterSteps fsteps;

        LSeries(Labels labels, long[] t, double[] v) {
            this(labels, t, v, null);
        }

        LSeries(Labels labels, long[] t, double[] v, CounterSteps steps) {
            this.labels = labels;
            this.t = t;
            this.v = v;
            this.steps = steps;
        }

        CounterSteps filteredSteps() {
            filter();
            return fsteps;
        }

        long[] filteredT() {
            filter();
            return ft;
        }

        double[] filteredV() {
            filter();
            return fv;
        }

        private void filter() {
            if (ft != null) {
                return;
            }
            int stale = 0;
            for (double x : v) {
                if (GoMath.isStale(x)) {
                    stale++;
                }
            }
            if (stale == 0) {
                ft = t;
                fv = v;
                fsteps = steps;
                return;
            }
            long[] nt = new long[t.length - stale];
            double[] nv = new double[t.length - stale];
            boolean[] keep = new boolean[t.length];
            int j = 0;
            for (int i = 0; i < t.length; i++) {
                if (!GoMath.isStale(v[i])) {
                    keep[i] = true;
                    nt[j] = t[i];
                    nv[j] = v[i];
                    j++;
                }
            }
            ft = nt;
            fv = nv;
            // a staleness marker is a raw sample, its steps ordinary: dropping it joins its neighbours ordinarily
            fsteps = steps == null ? null : steps.keep(keep, j);
        }
    }

    /** Evaluation timestamps of the current context. */
    static final class Ctx {
        final long[] times;
        final long step;

        Ctx(long[] times, long step) {
            this.times = times;
            this.step = step;
        }

        int n() {
            return times.length;
        }
    }

    Evaluator(SeriesSource source, EngineOptions opts, long queryStart, long queryEnd, long queryStep) {
        this.source = source;
        this.opts = opts;
        this.queryStart = queryStart;
        this.queryEnd = queryEnd;
        this.queryStep = queryStep;
        this.lookback = opts.lookbackDeltaMs();
        this.open = opts.leftOpenIntervals() ? 1 : 0;
        this.deadlineNanos = opts.timeoutMs() > 0 ? System.nanoTime() + opts.timeoutMs() * 1_000_000L : Long.MAX_VALUE;
        this.functions = new Functions(this);
        this.aggregations = new Aggregations(this);
        this.binaryOps = new BinaryOps(this);
    }

    // ------------------------------------------------------------------ limits

    void checkTimeout() {
        if (System.nanoTime() > deadlineNanos) {
            throw new PromQLTimeoutException("query timed out in expression evaluation");
        }
    }

    void checkSamples(long extra) {
        if (samples + extra > opts.maxSamples()) {
            throw new PromQLEvalException("query processing would load too many samples into memory in query execution");
        }
    }

    // ------------------------------------------------------------------ planning and loading

    long atMs(At at) {
        if (at == null) {
            throw new IllegalStateException();
        }
        switch (at.kind()) {
            case START: return queryStart;
            case END: return queryEnd;
            default: return at.timestampMs();
        }
    }

    /** Timestamps at which a subquery's inner expression is evaluated, for outer steps [first, last]. */
    long[] subqueryTimes(SubqueryExpr sq, long first, long last) {
        long step = sq.stepMs() > 0 ? sq.stepMs() : opts.defaultSubqueryStepMs();
        if (sq.at() != null) {
            first = atMs(sq.at());
            last = first;
        }
        long lower = first - sq.offsetMs() - sq.rangeMs();
        long start = step * (lower / step);
        if (start <= lower) {
            start += step;
        }
        long end = last - sq.offsetMs();
        if (end < start) {
            return new long[0];
        }
        long count = (end - start) / step + 1;
        checkSamples(count);
        long[] t = new long[(int) count];
        for (int i = 0; i < t.length; i++) {
            t[i] = start + i * step;
        }
        return t;
    }

    /** The distinct reads {@link #load} makes for the expression, in the order it makes them. */
    List<SelectRequest> requests(Expr root, Ctx ctx) {
        Map<SelectRequest, List<VectorSelector>> requests = new HashMap<>();
        List<SelectRequest> order = new ArrayList<>();
        if (ctx.n() > 0) {
            plan(root, ctx.times[0], ctx.times[ctx.n() - 1], ctx.step, "", 0, requests, order);
        }
        return order;
    }

    /** Fetches the data of every selector of the expression, once per distinct request. */
    void load(Expr root, Ctx ctx) {
        Map<SelectRequest, List<VectorSelector>> requests = new HashMap<>();
        List<SelectRequest> order = new ArrayList<>();
        if (ctx.n() > 0) {
            plan(root, ctx.times[0], ctx.times[ctx.n() - 1], ctx.step, "", 0, requests, order);
        }
        for (SelectRequest r : order) {
            checkTimeout();
            List<Series> raw;
            try {
                raw = source.select(r.matchers(), r.hints());
            } catch (PromQLEvalException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new PromQLEvalException("expanding series: " + e.getMessage(), e);
            }
            if (raw != null) {
                for (Series s : raw) {
                    if (s != null && s.text() != null) {
                        withText.put(s.labels(), s);
                    }
                }
            }
            List<LSeries> loaded = normalize(raw == null ? List.of() : raw, r.matchers());
            for (VectorSelector vs : requests.get(r)) {
                data.put(vs, loaded);
            }
        }
    }

    private void plan(Expr e, long first, long last, long step, String func, long range,
                      Map<SelectRequest, List<VectorSelector>> requests, List<SelectRequest> order) {
        if (e instanceof VectorSelector) {
            VectorSelector vs = (VectorSelector) e;
            long refFirst = vs.at() != null ? atMs(vs.at()) : first;
            long refLast = vs.at() != null ? atMs(vs.at()) : last;
            long start = refFirst - vs.offsetMs() - (range > 0 ? range : lookback) + open;
            long end = refLast - vs.offsetMs();
            SelectRequest r = new SelectRequest(vs.matchers(), new SelectHints(start, end, step, range, func));
            requests.computeIfAbsent(r, k -> {
                order.add(k);
                return new ArrayList<>();
            }).add(vs);
        } else if (e instanceof MatrixSelector) {
            MatrixSelector ms = (MatrixSelector) e;
            plan(ms.vectorSelector(), first, last, step, func, ms.rangeMs(), requests, order);
        } else if (e instanceof SubqueryExpr) {
            SubqueryExpr sq = (SubqueryExpr) e;
            long[] inner = subqueryTimes(sq, first, last);
            if (inner.length > 0) {
                long subStep = sq.stepMs() > 0 ? sq.stepMs() : opts.defaultSubqueryStepMs();
                plan(sq.expr(), inner[0], inner[inner.length - 1], subStep, func, 0, requests, order);
            }
        } else if (e instanceof Call) {
            Call c = (Call) e;
            for (Expr a : c.args()) {
                plan(a, first, last, step, c.function().name(), 0, requests, order);
            }
        } else if (e instanceof AggregateExpr) {
            AggregateExpr a = (AggregateExpr) e;
            if (a.param() != null) {
                plan(a.param(), first, last, step, a.op().keyword(), 0, requests, order);
            }
            plan(a.expr(), first, last, step, a.op().keyword(), 0, requests, order);
        } else if (e instanceof BinaryExpr) {
            BinaryExpr b = (BinaryExpr) e;
            plan(b.lhs(), first, last, step, "", 0, requests, order);
            plan(b.rhs(), first, last, step, "", 0, requests, order);
        } else if (e instanceof ParenExpr) {
            plan(((ParenExpr) e).expr(), first, last, step, func, range, requests, order);
        } else if (e instanceof UnaryExpr) {
            plan(((UnaryExpr) e).expr(), first, last, step, func, range, requests, order);
        }
    }

    /** Defensive normalization: keep matching series, sort samples and series, merge duplicate label sets. */
    private List<LSeries> normalize(List<Series> raw, List<LabelMatcher> matchers) {
        Map<Labels, LSeries> byLabels = new HashMap<>();
        List<LSeries> out = new ArrayList<>(raw.size());
        for (Series s : raw) {
            if (s == null) {
                continue;
            }
            boolean ok = true;
            for (LabelMatcher m : matchers) {
                if (!m.matches(s.labels())) {
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                continue;
            }
            long[] t = s.timestampsMs();
            double[] v = s.values();
            if (s.counterSteps() != null && (!isStrictlyIncreasing(t) || byLabels.containsKey(s.labels()))) {
                // a summarized counter cannot be re-ordered or merged: the storage sends neither
                throw new PromQLEvalException("internal error: summarized counter series out of order or repeated: "
                        + s.labels());
            }
            if (!isSorted(t)) {
                Integer[] idx = new Integer[t.length];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = i;
                }
                long[] tt = t;
                Arrays.sort(idx, (a, b) -> Long.compare(tt[a], tt[b]));
                long[] nt = new long[t.length];
                double[] nv = new double[t.length];
                for (int i = 0; i < idx.length; i++) {
                    nt[i] = t[idx[i]];
                    nv[i] = v[idx[i]];
                }
                t = nt;
                v = nv;
            }
            LSeries prev = byLabels.get(s.labels());
            if (prev != null && prev.steps != null) {
                throw new PromQLEvalException("internal error: summarized counter series repeated: " + s.labels());
            }
            if (prev != null) {
                LSeries merged = merge(prev, t, v);
                byLabels.put(s.labels(), merged);
                out.set(out.indexOf(prev), merged);
                continue;
            }
            LSeries ls = new LSeries(s.labels(), t, v, s.counterSteps());
            byLabels.put(s.labels(), ls);
            out.add(ls);
        }
        out.sort((a, b) -> a.labels.compareTo(b.labels));
        return out;
    }

    private static boolean isStrictlyIncreasing(long[] t) {
        for (int i = 1; i < t.length; i++) {
            if (t[i] <= t[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSorted(long[] t) {
        for (int i = 1; i < t.length; i++) {
            if (t[i] < t[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static LSeries merge(LSeries a, long[] t, double[] v) {
        long[] nt = new long[a.t.length + t.length];
        double[] nv = new double[nt.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.t.length || j < t.length) {
            if (j >= t.length || (i < a.t.length && a.t[i] < t[j])) {
                nt[k] = a.t[i];
                nv[k++] = a.v[i++];
            } else if (i >= a.t.length || t[j] < a.t[i]) {
                nt[k] = t[j];
                nv[k++] = v[j++];
            } else {
                nt[k] = t[j];
                nv[k++] = v[j++];
                i++;
            }
        }
        return new LSeries(a.labels, Arrays.copyOf(nt, k), Arrays.copyOf(nv, k));
    }

    List<LSeries> dataFor(VectorSelector vs) {
        List<LSeries> l = data.get(vs);
        return l == null ? List.of() : l;
    }

    // ------------------------------------------------------------------ evaluation

    Val eval(Expr e, Ctx ctx) {
        checkTimeout();
        long base = samples;
        Val r = evalNode(e, ctx);
        long pts = r.points();
        checkSamples(pts);
        samples = base + pts;
        return r;
    }

    private Val evalNode(Expr e, Ctx ctx) {
        int n = ctx.n();
        if (e instanceof NumberLiteral) {
            double[] v = new double[n];
            Arrays.fill(v, ((NumberLiteral) e).value());
            return new ScalarV(v);
        }
        if (e instanceof StringLiteral) {
            return new StringV(((StringLiteral) e).value());
        }
        if (e instanceof ParenExpr) {
            return eval(((ParenExpr) e).expr(), ctx);
        }
        if (e instanceof UnaryExpr) {
            return evalUnary((UnaryExpr) e, ctx);
        }
        if (e instanceof VectorSelector) {
            return evalVectorSelector((VectorSelector) e, ctx, false);
        }
        if (e instanceof MatrixSelector || e instanceof SubqueryExpr) {
            if (n != 1) {
                throw new PromQLEvalException("cannot do range evaluation of a range vector");
            }
            return evalMatrixTop(e, ctx);
        }
        if (e instanceof Call) {
            return functions.eval((Call) e, ctx);
        }
        if (e instanceof AggregateExpr) {
            return aggregations.eval((AggregateExpr) e, ctx);
        }
        if (e instanceof BinaryExpr) {
            return binaryOps.eval((BinaryExpr) e, ctx);
        }
        throw new IllegalStateException("unexpected node " + e);
    }

    private Val evalUnary(UnaryExpr u, Ctx ctx) {
        Val inner = eval(u.expr(), ctx);
        if (u.op() == dev.peephole.collector.promql.ast.BinaryOp.ADD) {
            return inner;
        }
        if (inner instanceof ScalarV) {
            double[] src = ((ScalarV) inner).v;
            double[] v = new double[src.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = -src[i];
            }
            return new ScalarV(v);
        }
        VectorV vec = (VectorV) inner;
        Collector c = new Collector(ctx.n());
        for (SS s : vec.series) {
            int idx = c.index(s.labels.withoutMetricName());
            for (int i = 0; i < ctx.n(); i++) {
                if (s.has[i]) {
                    c.put(idx, i, -s.v[i]);
                }
            }
        }
        return c.result();
    }

    /** Index of the last element <= x, or -1. */
    static int lastLE(long[] t, long x) {
        int lo = 0;
        int hi = t.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (t[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    /**
     * Instant vector selector: for each step the latest sample in (ref - lookback, ref], ref = t - offset (or the @
     * time), unless it is a staleness marker. With {@code timestamps}, the value is the sample's timestamp in s.
     */
    VectorV evalVectorSelector(VectorSelector vs, Ctx ctx, boolean timestamps) {
        List<LSeries> list = dataFor(vs);
        int n = ctx.n();
        long off = vs.offsetMs();
        boolean hasAt = vs.at() != null;
        long at = hasAt ? atMs(vs.at()) : 0;
        List<SS> out = new ArrayList<>(list.size());
        for (LSeries s : list) {
            checkTimeout();
            long[] t = s.t;
            double[] v = s.v;
            SS ss = null;
            int j = -1;
            for (int i = 0; i < n; i++) {
                long ref = (hasAt ? at : ctx.times[i]) - off;
                if (i == 0) {
                    j = lastLE(t, ref);
                } else {
                    while (j + 1 < t.length && t[j + 1] <= ref) {
                        j++;
                    }
                }
                if (j >= 0 && t[j] > ref - lookback - 1 + open && !GoMath.isStale(v[j])) {
                    if (ss == null) {
                        ss = new SS(timestamps ? s.labels.withoutMetricName() : s.labels, n);
                    }
                    ss.set(i, timestamps ? t[j] / 1000.0 : v[j]);
                }
            }
            if (ss != null) {
                out.add(ss);
            }
        }
        if (timestamps) {
            Collector c = new Collector(n);
            for (SS s : out) {
                int idx = c.index(s.labels);
                for (int i = 0; i < n; i++) {
                    if (s.has[i]) {
                        c.put(idx, i, s.v[i]);
                    }
                }
            }
            return c.result();
        }
        return new VectorV(out);
    }

    /** Series of a range argument: labels and (time, value) arrays, plus window parameters. */
    static final class RangeInput {
        final List<Labels> labels = new ArrayList<>();
        final List<long[]> ts = new ArrayList<>();
        final List<double[]> vs = new ArrayList<>();
        /** Per series, a storage's counter summary (see {@link CounterSteps}), else null. */
        final List<CounterSteps> steps = new ArrayList<>();
        long rangeMs;
        long offsetMs;
        boolean hasAt;
        long at;
        /** The selector, for absent_over_time labels (null for subqueries). */
        VectorSelector selector;
    }

    RangeInput rangeInput(Expr arg, Ctx ctx) {
        RangeInput in = new RangeInput();
        if (arg instanceof MatrixSelector) {
            MatrixSelector ms = (MatrixSelector) arg;
            VectorSelector vs = ms.vectorSelector();
            in.rangeMs = ms.rangeMs();
            in.offsetMs = vs.offsetMs();
            in.hasAt = vs.at() != null;
            in.at = in.hasAt ? atMs(vs.at()) : 0;
            in.selector = vs;
            for (LSeries s : dataFor(vs)) {
                in.labels.add(s.labels);
                in.ts.add(s.filteredT());
                in.vs.add(s.filteredV());
                in.steps.add(s.filteredSteps());
            }
            return in;
        }
        SubqueryExpr sq = (SubqueryExpr) arg;
        in.rangeMs = sq.rangeMs();
        in.offsetMs = sq.offsetMs();
        in.hasAt = sq.at() != null;
        in.at = in.hasAt ? atMs(sq.at()) : 0;
        if (ctx.n() == 0) {
            return in;
        }
        long[] inner = subqueryTimes(sq, ctx.times[0], ctx.times[ctx.n() - 1]);
        long subStep = sq.stepMs() > 0 ? sq.stepMs() : opts.defaultSubqueryStepMs();
        Val v = eval(sq.expr(), new Ctx(inner, subStep));
        for (SS s : ((VectorV) v).series) {
            long[] t = new long[s.count];
            double[] x = new double[s.count];
            int k = 0;
            for (int i = 0; i < inner.length; i++) {
                if (s.has[i]) {
                    t[k] = inner[i];
                    x[k++] = s.v[i];
                }
            }
            in.labels.add(s.labels);
            in.ts.add(t);
            in.vs.add(x);
            in.steps.add(null);
        }
        return in;
    }

    /** A range selector or subquery as the top-level result of an instant query. */
    private Val evalMatrixTop(Expr e, Ctx ctx) {
        RangeInput in = rangeInput(e, ctx);
        long ref = (in.hasAt ? in.at : ctx.times[0]) - in.offsetMs;
        // first index inside the window: t > mint (left-open) or t >= mint (closed)
        long mint = ref - in.rangeMs - 1 + open;
        List<Series> out = new ArrayList<>();
        for (int s = 0; s < in.labels.size(); s++) {
            if (in.steps.get(s) != null) {
                throw new PromQLEvalException("internal error: summarized counter series outside rate/increase");
            }
            long[] t = in.ts.get(s);
            double[] v = in.vs.get(s);
            int hi = lastLE(t, ref);
            int lo = lastLE(t, mint) + 1;
            if (hi >= lo) {
                out.add(new Series(in.labels.get(s), Arrays.copyOfRange(t, lo, hi + 1), Arrays.copyOfRange(v, lo, hi + 1)));
            }
        }
        return new MatrixV(out);
    }

    static Expr unwrapParens(Expr e) {
        while (e instanceof ParenExpr) {
            e = ((ParenExpr) e).expr();
        }
        return e;
    }

    ScalarV evalScalar(Expr e, Ctx ctx) {
        return (ScalarV) eval(e, ctx);
    }

    VectorV evalVector(Expr e, Ctx ctx) {
        return (VectorV) eval(e, ctx);
    }

    static boolean isVector(Expr e) {
        return e.type() == ValueType.VECTOR;
    }
}
