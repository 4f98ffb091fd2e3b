package dev.peephole.collector.promql;

import dev.peephole.collector.promql.Evaluator.Ctx;
import dev.peephole.collector.promql.Evaluator.RangeInput;
import dev.peephole.collector.promql.Values.Collector;
import dev.peephole.collector.promql.Values.SS;
import dev.peephole.collector.promql.Values.ScalarV;
import dev.peephole.collector.promql.Values.Val;
import dev.peephole.collector.promql.Values.VectorV;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.StringLiteral;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.ValueType;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PromQL functions (a port of promql/functions.go for float samples). */
final class Functions {
    private static final Pattern LEGACY_LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private final Evaluator ev;

    Functions(Evaluator ev) {
        this.ev = ev;
    }

    Val eval(Call c, Ctx ctx) {
        String name = c.function().name();
        for (int i = 0; i < c.args().size(); i++) {
            Expr a = Evaluator.unwrapParens(c.args().get(i));
            if (a instanceof MatrixSelector || a instanceof SubqueryExpr) {
                return evalRange(c, i, a, ctx);
            }
        }
        int n = ctx.n();
        switch (name) {
            case "time": {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = ctx.times[i] / 1000.0;
                }
                return new ScalarV(v);
            }
            case "pi": {
                double[] v = new double[n];
                Arrays.fill(v, Math.PI);
                return new ScalarV(v);
            }
            case "vector": {
                ScalarV s = ev.evalScalar(c.args().get(0), ctx);
                SS out = new SS(Labels.EMPTY, n);
                for (int i = 0; i < n; i++) {
                    out.set(i, s.v[i]);
                }
                return new VectorV(n == 0 ? List.of() : List.of(out));
            }
            case "scalar": {
                VectorV vec = ev.evalVector(c.args().get(0), ctx);
                double[] v = new double[n];
                int[] cnt = new int[n];
                for (SS s : vec.series) {
                    for (int i = 0; i < n; i++) {
                        if (s.has[i]) {
                            cnt[i]++;
                            v[i] = s.v[i];
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (cnt[i] != 1) {
                        v[i] = Double.NaN;
                    }
                }
                return new ScalarV(v);
            }
            case "timestamp": {
                Expr arg = Evaluator.unwrapParens(c.args().get(0));
                if (arg instanceof VectorSelector) {
                    return ev.evalVectorSelector((VectorSelector) arg, ctx, true);
                }
                VectorV vec = ev.evalVector(arg, ctx);
                return mapVector(vec, ctx, true, (i, x) -> ctx.times[i] / 1000.0);
            }
            case "absent":
                return absent(c, ctx);
            case "sort":
            case "sort_desc":
                return sort(ev.evalVector(c.args().get(0), ctx), ctx, name.equals("sort_desc"));
            case "round":
                return round(c, ctx);
            case "clamp":
            case "clamp_min":
            case "clamp_max":
                return clamp(c, ctx, name);
            case "histogram_quantile":
                return histogramQuantile(c, ctx);
            case "label_replace":
                return labelReplace(c, ctx);
            case "label_join":
                return labelJoin(c, ctx);
            case "day_of_month":
            case "day_of_week":
            case "day_of_year":
            case "days_in_month":
            case "hour":
            case "minute":
            case "month":
            case "year":
                return date(c, ctx, name);
            default:
                break;
        }
        DoubleUnaryOperator f = simple(name);
        if (f == null) {
            // The parser admits only functions with an evaluator here; reaching this is a bug.
            throw new PromQLEvalException("internal error: no evaluator for function " + GoStrings.quote(name));
        }
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        return mapVector(vec, ctx, true, (i, x) -> f.applyAsDouble(x));
    }

    private static DoubleUnaryOperator simple(String name) {
        switch (name) {
            case "abs": return Math::abs;
            case "ceil": return Math::ceil;
            case "floor": return Math::floor;
            case "exp": return StrictMath::exp;
            case "sqrt": return Math::sqrt;
            case "ln": return GoMath::log;
            case "log2": return GoMath::log2;
            case "log10": return GoMath::log10;
            case "sgn": return x -> x < 0 ? -1 : (x > 0 ? 1 : x);
            case "deg": return x -> x * 180 / Math.PI;
            case "rad": return x -> x * Math.PI / 180;
            case "sin": return StrictMath::sin;
            case "cos": return StrictMath::cos;
            case "tan": return StrictMath::tan;
            case "asin": return StrictMath::asin;
            case "acos": return StrictMath::acos;
            case "atan": return StrictMath::atan;
            case "sinh": return StrictMath::sinh;
            case "cosh": return StrictMath::cosh;
            case "tanh": return StrictMath::tanh;
            case "asinh": return x -> Double.isInfinite(x) ? x : (x == 0 ? x
                : Math.copySign(StrictMath.log(Math.abs(x) + Math.sqrt(x * x + 1)), x));
            case "acosh": return x -> x < 1 ? Double.NaN : StrictMath.log(x + Math.sqrt(x * x - 1));
            case "atanh": return x -> (x < -1 || x > 1) ? Double.NaN : 0.5 * StrictMath.log((1 + x) / (1 - x));
            default: return null;
        }
    }

    /** Step-indexed value mapping. */
    interface StepFn {
        double apply(int step, double x);
    }

    /** Maps every value of a vector (dropping the metric name if asked); output label sets must stay unique. */
    private VectorV mapVector(VectorV vec, Ctx ctx, boolean dropName, StepFn f) {
        int n = ctx.n();
        Collector c = new Collector(n);
        for (SS s : vec.series) {
            int idx = c.index(dropName ? s.labels.withoutMetricName() : s.labels);
            for (int i = 0; i < n; i++) {
                if (s.has[i]) {
                    c.put(idx, i, f.apply(i, s.v[i]));
                }
            }
        }
        return c.result();
    }

    private Val round(Call c, Ctx ctx) {
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        double[] nearest = null;
        if (c.args().size() > 1) {
            nearest = ev.evalScalar(c.args().get(1), ctx).v;
        }
        double[] tn = nearest;
        return mapVector(vec, ctx, true, (i, x) -> {
            double toNearestInverse = 1.0 / (tn == null ? 1.0 : tn[i]);
            return Math.floor(x * toNearestInverse + 0.5) / toNearestInverse;
        });
    }

    private Val clamp(Call c, Ctx ctx, String name) {
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        int n = ctx.n();
        double[] min = new double[n];
        double[] max = new double[n];
        switch (name) {
            case "clamp":
                min = ev.evalScalar(c.args().get(1), ctx).v;
                max = ev.evalScalar(c.args().get(2), ctx).v;
                break;
            case "clamp_min":
                min = ev.evalScalar(c.args().get(1), ctx).v;
                Arrays.fill(max, Double.POSITIVE_INFINITY);
                break;
            default:
                Arrays.fill(min, Double.NEGATIVE_INFINITY);
                max = ev.evalScalar(c.args().get(1), ctx).v;
        }
        Collector col = new Collector(n);
        for (SS s : vec.series) {
            int idx = col.index(s.labels.withoutMetricName());
            for (int i = 0; i < n; i++) {
                if (s.has[i] && !(max[i] < min[i])) {
                    col.put(idx, i, Math.max(min[i], Math.min(max[i], s.v[i])));
                }
            }
        }
        return col.result();
    }

    private Val sort(VectorV vec, Ctx ctx, boolean desc) {
        if (ctx.n() != 1) {
            return vec;
        }
        List<SS> l = new ArrayList<>(vec.series);
        l.sort((a, b) -> {
            double x = a.v[0];
            double y = b.v[0];
            boolean xn = Double.isNaN(x);
            boolean yn = Double.isNaN(y);
            if (xn || yn) {
                return Boolean.compare(xn, yn);
            }
            return desc ? Double.compare(y, x) : Double.compare(x, y);
        });
        return new VectorV(l);
    }

    private Val absent(Call c, Ctx ctx) {
        Expr arg = Evaluator.unwrapParens(c.args().get(0));
        VectorV vec = ev.evalVector(arg, ctx);
        int n = ctx.n();
        boolean[] present = new boolean[n];
        for (SS s : vec.series) {
            for (int i = 0; i < n; i++) {
                present[i] |= s.has[i];
            }
        }
        SS out = new SS(absentLabels(arg), n);
        for (int i = 0; i < n; i++) {
            if (!present[i]) {
                out.set(i, 1);
            }
        }
        return new VectorV(out.count > 0 ? List.of(out) : List.of());
    }

    /** Labels from the equality matchers of a selector (Prometheus' createLabelsForAbsentFunction). */
    static Labels absentLabels(Expr arg) {
        List<LabelMatcher> lm;
        if (arg instanceof VectorSelector) {
            lm = ((VectorSelector) arg).matchers();
        } else if (arg instanceof MatrixSelector) {
            lm = ((MatrixSelector) arg).vectorSelector().matchers();
        } else {
            return Labels.EMPTY;
        }
        Labels l = Labels.EMPTY;
        Set<String> has = new HashSet<>();
        for (LabelMatcher m : lm) {
            if (m.name().equals(Labels.METRIC_NAME)) {
                continue;
            }
            if (m.type() == LabelMatcher.Type.EQ && !has.contains(m.name())) {
                l = l.with(m.name(), m.value());
                has.add(m.name());
            } else {
                l = l.without(m.name());
            }
        }
        return l;
    }

    private Val date(Call c, Ctx ctx, String name) {
        int n = ctx.n();
        if (c.args().isEmpty()) {
            SS out = new SS(Labels.EMPTY, n);
            for (int i = 0; i < n; i++) {
                out.set(i, dateValue(name, Math.floorDiv(ctx.times[i], 1000)));
            }
            return new VectorV(n == 0 ? List.of() : List.of(out));
        }
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        return mapVector(vec, ctx, true, (i, x) -> dateValue(name, (long) x));
    }

    private static double dateValue(String name, long epochSeconds) {
        ZonedDateTime t = Instant.ofEpochSecond(epochSeconds).atZone(ZoneOffset.UTC);
        switch (name) {
            case "day_of_month": return t.getDayOfMonth();
            case "day_of_week": return t.getDayOfWeek().getValue() % 7;
            case "day_of_year": return t.getDayOfYear();
            case "days_in_month": return t.toLocalDate().lengthOfMonth();
            case "hour": return t.getHour();
            case "minute": return t.getMinute();
            case "month": return t.getMonthValue();
            default: return t.getYear();
        }
    }

    // ------------------------------------------------------------------ histogram_quantile

    private Val histogramQuantile(Call c, Ctx ctx) {
        ScalarV q = ev.evalScalar(c.args().get(0), ctx);
        VectorV vec = ev.evalVector(c.args().get(1), ctx);
        int n = ctx.n();
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(q.v[i]) || q.v[i] < 0 || q.v[i] > 1) {
                ev.warnings.add("PromQL warning: quantile value should be between 0 and 1, got "
                    + PromQLFormat.formatValue(q.v[i]));
                break;
            }
        }
        // group series by labels without "le" (the metric name is part of the group key)
        Map<Labels, Integer> groups = new HashMap<>();
        List<Labels> groupOut = new ArrayList<>();
        int[] groupOf = new int[vec.series.size()];
        double[] upperOf = new double[vec.series.size()];
        int[] groupSize = new int[0];
        for (int s = 0; s < vec.series.size(); s++) {
            Labels l = vec.series.get(s).labels;
            double ub;
            try {
                ub = dev.peephole.collector.promql.parser.GoParse.parseFloat(l.get("le"));
            } catch (NumberFormatException e) {
                groupOf[s] = -1;
                ev.warnings.add("PromQL warning: bucket label \"le\" is missing or has a malformed value of "
                    + GoStrings.quote(l.get("le")));
                continue;
            }
            upperOf[s] = ub;
            Labels key = l.without("le");
            Integer g = groups.get(key);
            if (g == null) {
                g = groupOut.size();
                groups.put(key, g);
                groupOut.add(key.withoutMetricName());
                groupSize = Arrays.copyOf(groupSize, g + 1);
            }
            groupOf[s] = g;
            groupSize[g]++;
        }
        int ng = groupOut.size();
        double[][] up = new double[ng][];
        double[][] cnt = new double[ng][];
        for (int g = 0; g < ng; g++) {
            up[g] = new double[groupSize[g]];
            cnt[g] = new double[groupSize[g]];
        }
        int[] fill = new int[ng];
        Collector col = new Collector(n);
        int[] outIdx = new int[ng];
        for (int g = 0; g < ng; g++) {
            outIdx[g] = -1;
        }
        for (int i = 0; i < n; i++) {
            Arrays.fill(fill, 0);
            for (int s = 0; s < vec.series.size(); s++) {
                SS ss = vec.series.get(s);
                int g = groupOf[s];
                if (g < 0 || !ss.has[i]) {
                    continue;
                }
                up[g][fill[g]] = upperOf[s];
                cnt[g][fill[g]] = ss.v[i];
                fill[g]++;
            }
            for (int g = 0; g < ng; g++) {
                if (fill[g] == 0) {
                    continue;
                }
                if (outIdx[g] < 0) {
                    outIdx[g] = col.index(groupOut.get(g));
                }
                col.put(outIdx[g], i, GoMath.bucketQuantile(q.v[i], up[g], cnt[g], fill[g]));
            }
        }
        return col.result();
    }

    // ------------------------------------------------------------------ label_replace / label_join

    private static String stringArg(Expr e) {
        return ((StringLiteral) Evaluator.unwrapParens(e)).value();
    }

    private Val labelReplace(Call c, Ctx ctx) {
        String dst = stringArg(c.args().get(1));
        String repl = stringArg(c.args().get(2));
        String src = stringArg(c.args().get(3));
        String regex = stringArg(c.args().get(4));
        Pattern p;
        try {
            p = Pattern.compile("^(?:" + GoRegex.translate(regex) + ")$", Pattern.DOTALL);
        } catch (RuntimeException e) {
            throw new PromQLEvalException("invalid regular expression in label_replace(): " + regex);
        }
        if (!LEGACY_LABEL_NAME.matcher(dst).matches()) {
            throw new PromQLEvalException("invalid destination label name in label_replace(): " + dst);
        }
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        return relabel(vec, ctx, l -> {
            Matcher m = p.matcher(l.get(src));
            if (!m.matches()) {
                return l;
            }
            return l.with(dst, expand(repl, m));
        });
    }

    private Val labelJoin(Call c, Ctx ctx) {
        String dst = stringArg(c.args().get(1));
        String sep = stringArg(c.args().get(2));
        List<String> srcs = new ArrayList<>();
        for (int i = 3; i < c.args().size(); i++) {
            String s = stringArg(c.args().get(i));
            if (!LEGACY_LABEL_NAME.matcher(s).matches()) {
                throw new PromQLEvalException("invalid source label name in label_join(): " + s);
            }
            srcs.add(s);
        }
        if (!LEGACY_LABEL_NAME.matcher(dst).matches()) {
            throw new PromQLEvalException("invalid destination label name in label_join(): " + dst);
        }
        VectorV vec = ev.evalVector(c.args().get(0), ctx);
        return relabel(vec, ctx, l -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < srcs.size(); i++) {
                if (i > 0) {
                    sb.append(sep);
                }
                sb.append(l.get(srcs.get(i)));
            }
            return l.with(dst, sb.toString());
        });
    }

    private VectorV relabel(VectorV vec, Ctx ctx, java.util.function.UnaryOperator<Labels> f) {
        int n = ctx.n();
        Collector col = new Collector(n);
        for (SS s : vec.series) {
            int idx = col.index(f.apply(s.labels));
            for (int i = 0; i < n; i++) {
                if (s.has[i]) {
                    col.put(idx, i, s.v[i]);
                }
            }
        }
        return col.result();
    }

    /** Go's regexp Expand template semantics ($1, ${1}, $name, ${name}, $$). */
    static String expand(String template, Matcher m) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char ch = template.charAt(i);
            if (ch != '$') {
                out.append(ch);
                i++;
                continue;
            }
            if (i + 1 < n && template.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            String name = null;
            int next = i + 1;
            if (next < n && template.charAt(next) == '{') {
                int close = template.indexOf('}', next + 1);
                if (close > next + 1 && isNameRun(template, next + 1, close)) {
                    name = template.substring(next + 1, close);
                    next = close + 1;
                }
            } else {
                int j = next;
                while (j < n && isNameChar(template.charAt(j))) {
                    j++;
                }
                if (j > next) {
                    name = template.substring(next, j);
                    next = j;
                }
            }
            if (name == null) {
                out.append('$');
                i++;
                continue;
            }
            out.append(group(m, name));
            i = next;
        }
        return out.toString();
    }

    private static boolean isNameRun(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!isNameChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    private static String group(Matcher m, String name) {
        boolean numeric = true;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                numeric = false;
                break;
            }
        }
        String g = null;
        try {
            if (numeric) {
                if (name.length() < 10) {
                    int idx = Integer.parseInt(name);
                    if (idx <= m.groupCount()) {
                        g = m.group(idx);
                    }
                }
            } else {
                g = m.group(name);
            }
        } catch (IllegalArgumentException e) {
            g = null;
        }
        return g == null ? "" : g;
    }

    // ------------------------------------------------------------------ range-vector functions

    private static final int RATE = 0;
    private static final int INCREASE = 1;
    private static final int DELTA = 2;
    private static final int IRATE = 3;
    private static final int IDELTA = 4;
    private static final int DERIV = 5;
    private static final int PREDICT_LINEAR = 6;
    private static final int AVG_OT = 7;
    private static final int MIN_OT = 8;
    private static final int MAX_OT = 9;
    private static final int SUM_OT = 10;
    private static final int COUNT_OT = 11;
    private static final int LAST_OT = 12;
    private static final int QUANTILE_OT = 13;
    private static final int STDDEV_OT = 14;
    private static final int STDVAR_OT = 15;
    private static final int PRESENT_OT = 16;
    private static final int CHANGES = 17;
    private static final int RESETS = 18;
    private static final int ABSENT_OT = 19;

    private static int rangeCode(String name) {
        switch (name) {
            case "rate": return RATE;
            case "increase": return INCREASE;
            case "delta": return DELTA;
            case "irate": return IRATE;
            case "idelta": return IDELTA;
            case "deriv": return DERIV;
            case "predict_linear": return PREDICT_LINEAR;
            case "avg_over_time": return AVG_OT;
            case "min_over_time": return MIN_OT;
            case "max_over_time": return MAX_OT;
            case "sum_over_time": return SUM_OT;
            case "count_over_time": return COUNT_OT;
            case "last_over_time": return LAST_OT;
            case "quantile_over_time": return QUANTILE_OT;
            case "stddev_over_time": return STDDEV_OT;
            case "stdvar_over_time": return STDVAR_OT;
            case "present_over_time": return PRESENT_OT;
            case "changes": return CHANGES;
            case "resets": return RESETS;
            case "absent_over_time": return ABSENT_OT;
            default:
                // The parser admits only functions with an evaluator here; reaching this is a bug.
                throw new PromQLEvalException("internal error: no evaluator for function " + GoStrings.quote(name));
        }
    }

    private Val evalRange(Call c, int argIdx, Expr rangeArg, Ctx ctx) {
        String name = c.function().name();
        int code = rangeCode(name);
        int n = ctx.n();
        // scalar parameter (quantile_over_time's φ, predict_linear's t), evaluated before the range argument
        double[] param = null;
        for (int i = 0; i < c.args().size(); i++) {
            if (i != argIdx && c.args().get(i).type() == ValueType.SCALAR) {
                param = ev.evalScalar(c.args().get(i), ctx).v;
            }
        }
        if (code == QUANTILE_OT && param != null) {
            for (double q : param) {
                if (Double.isNaN(q) || q < 0 || q > 1) {
                    ev.warnings.add("PromQL warning: quantile value should be between 0 and 1, got "
                        + PromQLFormat.formatValue(q));
                    break;
                }
            }
        }
        RangeInput in = ev.rangeInput(rangeArg, ctx);
        boolean dropName = code != LAST_OT;
        List<SS> outs = new ArrayList<>();
        boolean[] anyPresent = code == ABSENT_OT ? new boolean[n] : null;
        double[] scratch = new double[16];
        double[] reg = new double[2];
        long maxWindow = 0;
        for (int s = 0; s < in.labels.size(); s++) {
            ev.checkTimeout();
            long[] t = in.ts.get(s);
            double[] v = in.vs.get(s);
            CounterSteps steps = in.steps.get(s);
            if (steps != null && code != RATE && code != INCREASE) {
                throw new PromQLEvalException("internal error: summarized counter series given to " + name);
            }
            if (t.length == 0) {
                continue;
            }
            SS out = null;
            int lo = 0;
            int hi = -1;
            int[] resets = null;
            for (int i = 0; i < n; i++) {
                long ts = ctx.times[i];
                long ref = (in.hasAt ? in.at : ts) - in.offsetMs;
                long mint = ref - in.rangeMs;
                // samples t > lower are in the window: lower = mint (left-open) or mint - 1 (closed)
                long lower = mint - 1 + ev.open;
                if (i == 0) {
                    hi = Evaluator.lastLE(t, ref);
                    lo = Evaluator.lastLE(t, lower) + 1;
                } else {
                    while (hi + 1 < t.length && t[hi + 1] <= ref) {
                        hi++;
                    }
                    while (lo < t.length && t[lo] <= lower) {
                        lo++;
                    }
                }
                int cnt = hi - lo + 1;
                if (cnt <= 0) {
                    continue;
                }
                if (cnt > maxWindow) {
                    maxWindow = cnt;
                }
                if (code == ABSENT_OT) {
                    anyPresent[i] = true;
                    continue;
                }
                if (code == QUANTILE_OT && scratch.length < cnt) {
                    scratch = new double[Math.max(cnt, scratch.length * 2)];
                }
                double p = param == null ? 0 : param[i];
                if (resets == null && (code == RATE || code == INCREASE)) {
                    resets = resetPrefix(v);
                }
                double r = steps != null
                        ? extrapolatedRate(t, v, steps, lo, hi, mint, ref, in.rangeMs, code == RATE)
                        : compute(code, t, v, lo, hi, ts, mint, ref, in.rangeMs, p, scratch, reg, resets);
                if (Double.doubleToRawLongBits(r) == NO_VALUE_BITS) {
                    continue;
                }
                if (out == null) {
                    out = new SS(dropName ? in.labels.get(s).withoutMetricName() : in.labels.get(s), n);
                }
                out.set(i, r);
            }
            if (out != null) {
                outs.add(out);
            }
        }
        ev.checkSamples(maxWindow);
        if (code == ABSENT_OT) {
            SS out = new SS(in.selector == null ? Labels.EMPTY : absentLabels(in.selector), n);
            for (int i = 0; i < n; i++) {
                if (!anyPresent[i]) {
                    out.set(i, 1);
                }
            }
            return new VectorV(out.count > 0 ? List.of(out) : List.of());
        }
        if ((code == RATE || code == INCREASE) && in.selector != null) {
            for (int s = 0; s < in.labels.size(); s++) {
                String metric = in.labels.get(s).metricName();
                if (!metric.isEmpty() && !metric.endsWith("_total") && !metric.endsWith("_sum")
                    && !metric.endsWith("_count") && !metric.endsWith("_bucket") && hasOutput(outs, in.labels.get(s), dropName)) {
                    ev.infos.add("PromQL info: metric might not be a counter, name does not end in "
                        + "_total/_sum/_count/_bucket: " + GoStrings.quote(metric));
                }
            }
        }
        // like Prometheus' mat.ContainsSameLabelset(): output label sets must be unique
        if (outs.size() > 1) {
            Set<Labels> seen = new HashSet<>();
            for (SS o : outs) {
                if (!seen.add(o.labels)) {
                    throw new PromQLEvalException("vector cannot contain metrics with the same labelset");
                }
            }
        }
        return new VectorV(outs);
    }

    private static boolean hasOutput(List<SS> outs, Labels l, boolean dropName) {
        Labels want = dropName ? l.withoutMetricName() : l;
        for (SS o : outs) {
            if (o.labels.equals(want)) {
                return true;
            }
        }
        return false;
    }

    /** Marker for "no output at this step" (a NaN bit pattern no computation produces). */
    private static final long NO_VALUE_BITS = 0x7ff0000000000003L;
    private static final double NO_VALUE = Double.longBitsToDouble(NO_VALUE_BITS);

    private static double compute(int code, long[] t, double[] v, int lo, int hi, long ts, long rangeStart,
                                  long rangeEnd, long rangeMs, double param, double[] scratch, double[] reg,
                                  int[] resetPrefix) {
        switch (code) {
            case RATE: return extrapolatedRate(t, v, lo, hi, rangeStart, rangeEnd, rangeMs, true, true, resetPrefix);
            case INCREASE:
                return extrapolatedRate(t, v, lo, hi, rangeStart, rangeEnd, rangeMs, true, false, resetPrefix);
            case DELTA: return extrapolatedRate(t, v, lo, hi, rangeStart, rangeEnd, rangeMs, false, false, null);
            case IRATE: return instantValue(t, v, lo, hi, true);
            case IDELTA: return instantValue(t, v, lo, hi, false);
            case DERIV:
                if (hi - lo + 1 < 2) {
                    return NO_VALUE;
                }
                linearRegression(t, v, lo, hi, t[lo], reg);
                return reg[0];
            case PREDICT_LINEAR: {
                if (hi - lo + 1 < 2) {
                    return NO_VALUE;
                }
                linearRegression(t, v, lo, hi, ts, reg);
                return reg[0] * param + reg[1];
            }
            case AVG_OT: return avgOverTime(v, lo, hi);
            case MIN_OT: {
                double m = v[lo];
                for (int i = lo; i <= hi; i++) {
                    if (v[i] < m || Double.isNaN(m)) {
                        m = v[i];
                    }
                }
                return m;
            }
            case MAX_OT: {
                double m = v[lo];
                for (int i = lo; i <= hi; i++) {
                    if (v[i] > m || Double.isNaN(m)) {
                        m = v[i];
                    }
                }
                return m;
            }
            case SUM_OT: {
                double sum = 0;
                double c = 0;
                for (int i = lo; i <= hi; i++) {
                    double inc = v[i];
                    double x = sum + inc;
                    if (Double.isInfinite(x)) {
                        c = 0;
                    } else if (Math.abs(sum) >= Math.abs(inc)) {
                        c += (sum - x) + inc;
                    } else {
                        c += (inc - x) + sum;
                    }
                    sum = x;
                }
                return Double.isInfinite(sum) ? sum : sum + c;
            }
            case COUNT_OT: return hi - lo + 1;
            case LAST_OT: return v[hi];
            case QUANTILE_OT: {
                int cnt = hi - lo + 1;
                System.arraycopy(v, lo, scratch, 0, cnt);
                return GoMath.quantile(param, scratch, cnt);
            }
            case STDDEV_OT: return Math.sqrt(variance(v, lo, hi));
            case STDVAR_OT: return variance(v, lo, hi);
            case PRESENT_OT: return 1;
            case CHANGES: {
                int changes = 0;
                for (int i = lo + 1; i <= hi; i++) {
                    double prev = v[i - 1];
                    double cur = v[i];
                    if (cur != prev && !(Double.isNaN(cur) && Double.isNaN(prev))) {
                        changes++;
                    }
                }
                return changes;
            }
            case RESETS: {
                int resets = 0;
                for (int i = lo + 1; i <= hi; i++) {
                    if (v[i] < v[i - 1]) {
                        resets++;
                    }
                }
                return resets;
            }
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * Prefix counts of counter resets: p[i] = number of k in [1, i] with v[k] < v[k-1]. Lets windows without resets
     * skip the correction loop (the loop itself, and so the float arithmetic, is unchanged).
     */
    static int[] resetPrefix(double[] v) {
        int[] p = new int[v.length];
        for (int i = 1; i < v.length; i++) {
            p[i] = p[i - 1] + (v[i] < v[i - 1] ? 1 : 0);
        }
        return p;
    }

    /** Prometheus' extrapolatedRate for float samples; {@code resets} may be null. */
    static double extrapolatedRate(long[] t, double[] v, int lo, int hi, long rangeStart, long rangeEnd, long rangeMs,
                                   boolean isCounter, boolean isRate, int[] resets) {
        if (hi - lo + 1 < 2) {
            return NO_VALUE;
        }
        int numSamplesMinusOne = hi - lo;
        long firstT = t[lo];
        long lastT = t[hi];
        double resultFloat = v[hi] - v[lo];
        if (isCounter && (resets == null || resets[hi] != resets[lo])) {
            for (int i = lo; i < hi; i++) {
                if (v[i + 1] < v[i]) {
                    resultFloat += v[i];
                }
            }
        }
        return extrapolate(resultFloat, firstT, lastT, v[lo], numSamplesMinusOne, rangeStart, rangeEnd, rangeMs,
                isCounter, isRate);
    }

    /**
     * extrapolatedRate for a counter partly summarized by the storage ({@link CounterSteps}): the same
     * last - first, the counter-reset corrections added in time order (a summarized stretch's
     * correction added as one), and the sample count including the samples the stretches hide.
     * Equal to the raw samples' answer but for the order of float additions when a stretch holds
     * more than one reset (then its corrections are summed first).
     */
    static double extrapolatedRate(long[] t, double[] v, CounterSteps steps, int lo, int hi, long rangeStart,
                                   long rangeEnd, long rangeMs, boolean isRate) {
        if ((lo > 0 && steps.summarized(lo - 1)) || (hi < t.length - 1 && steps.summarized(hi))) {
            // the storage summarizes only within the one window it was asked for
            throw new PromQLEvalException("internal error: a window cuts through a summarized counter stretch");
        }
        long hidden = 0;
        for (int i = lo; i < hi; i++) {
            if (steps.summarized(i)) {
                hidden += steps.hidden()[i];
            }
        }
        if (hi - lo + 1 + hidden < 2) {
            return NO_VALUE;
        }
        long firstT = t[lo];
        long lastT = t[hi];
        double resultFloat = v[hi] - v[lo];
        for (int i = lo; i < hi; i++) {
            if (steps.summarized(i)) {
                double c = steps.resets()[i];
                if (c != 0) {
                    resultFloat += c;
                }
            } else if (v[i + 1] < v[i]) {
                resultFloat += v[i];
            }
        }
        return extrapolate(resultFloat, firstT, lastT, v[lo], hi - lo + hidden, rangeStart, rangeEnd, rangeMs,
                true, isRate);
    }

    private static double extrapolate(double resultFloat, long firstT, long lastT, double firstV,
                                      long numSamplesMinusOne, long rangeStart, long rangeEnd, long rangeMs,
                                      boolean isCounter, boolean isRate) {
        double durationToStart = (double) (firstT - rangeStart) / 1000;
        double durationToEnd = (double) (rangeEnd - lastT) / 1000;
        double sampledInterval = (double) (lastT - firstT) / 1000;
        double averageDurationBetweenSamples = sampledInterval / numSamplesMinusOne;
        double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
        if (durationToStart >= extrapolationThreshold) {
            durationToStart = averageDurationBetweenSamples / 2;
        }
        if (isCounter) {
            double durationToZero = durationToStart;
            if (resultFloat > 0 && firstV >= 0) {
                durationToZero = sampledInterval * (firstV / resultFloat);
            }
            if (durationToZero < durationToStart) {
                durationToStart = durationToZero;
            }
        }
        if (durationToEnd >= extrapolationThreshold) {
            durationToEnd = averageDurationBetweenSamples / 2;
        }
        double factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate) {
            factor /= GoMath.durationSeconds(rangeMs);
        }
        return resultFloat * factor;
    }

    /** Prometheus' instantValue (irate / idelta) on the last two samples. */
    static double instantValue(long[] t, double[] v, int lo, int hi, boolean isRate) {
        if (hi - lo + 1 < 2) {
            return NO_VALUE;
        }
        double last = v[hi];
        double prev = v[hi - 1];
        long sampledInterval = t[hi] - t[hi - 1];
        if (sampledInterval == 0) {
            return NO_VALUE;
        }
        double result = last;
        if (!isRate || !(last < prev)) {
            result = last - prev;
        }
        if (isRate) {
            result /= (double) sampledInterval / 1000;
        }
        return result;
    }

    /** Prometheus' linearRegression with Kahan summation: out[0] = slope, out[1] = intercept at interceptTime. */
    static void linearRegression(long[] t, double[] v, int lo, int hi, long interceptTime, double[] out) {
        double n = 0;
        double sumX = 0;
        double cX = 0;
        double sumY = 0;
        double cY = 0;
        double sumXY = 0;
        double cXY = 0;
        double sumX2 = 0;
        double cX2 = 0;
        double initY = v[lo];
        boolean constY = true;
        for (int i = lo; i <= hi; i++) {
            double y = v[i];
            if (constY && i > lo && y != initY) {
                constY = false;
            }
            n += 1.0;
            double x = (double) (t[i] - interceptTime) / 1e3;
            // kahan increments
            double r;
            r = sumX + x;
            if (Double.isInfinite(r)) {
                cX = 0;
            } else if (Math.abs(sumX) >= Math.abs(x)) {
                cX += (sumX - r) + x;
            } else {
                cX += (x - r) + sumX;
            }
            sumX = r;
            r = sumY + y;
            if (Double.isInfinite(r)) {
                cY = 0;
            } else if (Math.abs(sumY) >= Math.abs(y)) {
                cY += (sumY - r) + y;
            } else {
                cY += (y - r) + sumY;
            }
            sumY = r;
            double xy = x * y;
            r = sumXY + xy;
            if (Double.isInfinite(r)) {
                cXY = 0;
            } else if (Math.abs(sumXY) >= Math.abs(xy)) {
                cXY += (sumXY - r) + xy;
            } else {
                cXY += (xy - r) + sumXY;
            }
            sumXY = r;
            double x2 = x * x;
            r = sumX2 + x2;
            if (Double.isInfinite(r)) {
                cX2 = 0;
            } else if (Math.abs(sumX2) >= Math.abs(x2)) {
                cX2 += (sumX2 - r) + x2;
            } else {
                cX2 += (x2 - r) + sumX2;
            }
            sumX2 = r;
        }
        if (constY) {
            if (Double.isInfinite(initY)) {
                out[0] = Double.NaN;
                out[1] = Double.NaN;
                return;
            }
            out[0] = 0;
            out[1] = initY;
            return;
        }
        sumX += cX;
        sumY += cY;
        sumXY += cXY;
        sumX2 += cX2;
        double covXY = sumXY - sumX * sumY / n;
        double varX = sumX2 - sumX * sumX / n;
        double slope = covXY / varX;
        out[0] = slope;
        out[1] = sumY / n - slope * sumX / n;
    }

    /** Prometheus' avg_over_time: direct mean with Kahan summation, incremental mean after an overflow. */
    static double avgOverTime(double[] v, int lo, int hi) {
        double sum = v[lo];
        double count = 1;
        double mean = 0;
        double kahanC = 0;
        boolean incrementalMean = false;
        for (int i = lo + 1; i <= hi; i++) {
            double f = v[i];
            count = i - lo + 1;
            if (!incrementalMean) {
                double newSum = sum + f;
                double newC = kahanC;
                if (Double.isInfinite(newSum)) {
                    newC = 0;
                } else if (Math.abs(sum) >= Math.abs(f)) {
                    newC += (sum - newSum) + f;
                } else {
                    newC += (f - newSum) + sum;
                }
                if (!Double.isInfinite(newSum)) {
                    sum = newSum;
                    kahanC = newC;
                    continue;
                }
                incrementalMean = true;
                mean = sum / (count - 1);
                kahanC /= (count - 1);
            }
            double q = (count - 1) / count;
            double inc = f / count;
            double s = q * mean;
            double c = q * kahanC;
            double x = s + inc;
            if (Double.isInfinite(x)) {
                c = 0;
            } else if (Math.abs(s) >= Math.abs(inc)) {
                c += (s - x) + inc;
            } else {
                c += (inc - x) + s;
            }
            mean = x;
            kahanC = c;
        }
        if (incrementalMean) {
            return mean + kahanC;
        }
        return sum / count + kahanC / count;
    }

    /** Prometheus' varianceOverTime (Welford with Kahan summation). */
    static double variance(double[] v, int lo, int hi) {
        double count = 0;
        double mean = 0;
        double cMean = 0;
        double aux = 0;
        double cAux = 0;
        for (int i = lo; i <= hi; i++) {
            double f = v[i];
            count++;
            double delta = f - (mean + cMean);
            double inc = delta / count;
            double x = mean + inc;
            if (Double.isInfinite(x)) {
                cMean = 0;
            } else if (Math.abs(mean) >= Math.abs(inc)) {
                cMean += (mean - x) + inc;
            } else {
                cMean += (inc - x) + mean;
            }
            mean = x;
            double inc2 = delta * (f - (mean + cMean));
            double y = aux + inc2;
            if (Double.isInfinite(y)) {
                cAux = 0;
            } else if (Math.abs(aux) >= Math.abs(inc2)) {
                cAux += (aux - y) + inc2;
            } else {
                cAux += (inc2 - y) + aux;
            }
            aux = y;
        }
        return (aux + cAux) / count;
    }
}
