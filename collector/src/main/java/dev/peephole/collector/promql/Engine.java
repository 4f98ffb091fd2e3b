package dev.peephole.collector.promql;

import dev.peephole.collector.promql.Values.MatrixV;
import dev.peephole.collector.promql.Values.SS;
import dev.peephole.collector.promql.Values.ScalarV;
import dev.peephole.collector.promql.Values.StringV;
import dev.peephole.collector.promql.Values.Val;
import dev.peephole.collector.promql.Values.VectorV;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The PromQL engine. Thread-safe: each query is evaluated independently.
 *
 * <p>Errors: {@link PromQLParseException} for syntax/type errors and {@link IllegalArgumentException} for invalid
 * range-query parameters (both "bad_data" in Prometheus' API); {@link PromQLEvalException} for evaluation errors
 * ("execution"), with the subclass {@link PromQLTimeoutException} for timeouts ("timeout").
 */
public final class Engine {
    private final SeriesSource source;
    private final EngineOptions options;

    public Engine(SeriesSource source, EngineOptions options) {
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
    }

    public Engine(SeriesSource source) {
        this(source, EngineOptions.defaults());
    }

    public EngineOptions options() {
        return options;
    }

    public SeriesSource source() {
        return source;
    }

    /** The same engine reading from another source (e.g. one that answers prefetched reads from memory). */
    public Engine withSource(SeriesSource other) {
        return new Engine(other, options);
    }

    /**
     * The distinct reads {@link #instantQuery} makes of the source for this query at this time,
     * so a caller can read them ahead ({@link SeriesSource#prefetch}).
     *
     * @throws PromQLParseException when the query does not parse
     */
    public List<SelectRequest> instantSelects(String query, long timeMs) {
        Expr expr = parse(query);
        Evaluator ev = new Evaluator(source, options, timeMs, timeMs, 0);
        try {
            return ev.requests(expr, new Evaluator.Ctx(new long[] {timeMs}, 0));
        } catch (StackOverflowError e) {
            throw new PromQLEvalException("expression is too deeply nested");
        }
    }

    /** Evaluates the query at one instant. */
    public QueryResult instantQuery(String query, long timeMs) {
        Expr expr = parse(query);
        Evaluator ev = new Evaluator(source, options, timeMs, timeMs, 0);
        Evaluator.Ctx ctx = new Evaluator.Ctx(new long[] {timeMs}, 0);
        Val v = run(ev, expr, ctx);
        List<String> w = new ArrayList<>(ev.warnings);
        List<String> inf = new ArrayList<>(ev.infos);
        if (v instanceof ScalarV) {
            return QueryResult.ofScalar(new Point(timeMs, ((ScalarV) v).v[0]), w, inf);
        }
        if (v instanceof StringV) {
            return QueryResult.ofString(new StringResult(timeMs, ((StringV) v).s), w, inf);
        }
        if (v instanceof MatrixV) {
            return QueryResult.ofMatrix(((MatrixV) v).series, w, inf);
        }
        List<Sample> out = new ArrayList<>();
        for (SS s : ((VectorV) v).series) {
            if (s.has[0]) {
                out.add(new Sample(s.labels, timeMs, s.v[0]));
            }
        }
        return QueryResult.ofVector(out, w, inf);
    }

    /**
     * The text of an answer series' values that are, bit for bit, those of the read series with its
     * labels at the same steps: at each step the read's latest sample at or before it (what a plain
     * selector answers). Null when no value is. Whatever the expression did, a value is only ever
     * given the text of an equal double.
     */
    static SampleText passedOn(long[] t, double[] x, Series read) {
        long[] rt = read.timestampsMs();
        double[] rv = read.values();
        int[] source = new int[t.length];
        int i = -1;
        boolean any = false;
        for (int k = 0; k < t.length; k++) {
            while (i + 1 < rt.length && rt[i + 1] <= t[k]) {
                i++;
            }
            boolean same = i >= 0 && Double.doubleToRawLongBits(rv[i]) == Double.doubleToRawLongBits(x[k]);
            source[k] = same ? i : -1;
            any |= same;
        }
        return any ? SampleText.mapped(source, read.text()) : null;
    }

    /** Evaluates the query at start, start+step, ... &lt;= end; the result is always a matrix sorted by labels. */
    public QueryResult rangeQuery(String query, long startMs, long endMs, long stepMs) {
        if (stepMs <= 0) {
            throw new IllegalArgumentException(
                "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        if (endMs < startMs) {
            throw new IllegalArgumentException("end timestamp must not be before start time");
        }
        long steps = (endMs - startMs) / stepMs;
        if (options.maxPointsPerSeries() > 0 && steps > options.maxPointsPerSeries()) {
            throw new IllegalArgumentException(String.format("exceeded maximum resolution of %,d points per "
                + "timeseries. Try decreasing the query resolution (?step=XX)", options.maxPointsPerSeries()));
        }
        Expr expr = parse(query);
        if (expr.type() != ValueType.SCALAR && expr.type() != ValueType.VECTOR) {
            throw new IllegalArgumentException("invalid expression type " + GoStrings.quote(expr.type().documentedName())
                + " for range query, must be Scalar or instant Vector");
        }
        if (steps + 1 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many steps");
        }
        long[] times = new long[(int) (steps + 1)];
        for (int i = 0; i < times.length; i++) {
            times[i] = startMs + i * stepMs;
        }
        Evaluator ev = new Evaluator(source, options, startMs, endMs, stepMs);
        Evaluator.Ctx ctx = new Evaluator.Ctx(times, stepMs);
        Val v = run(ev, expr, ctx);
        List<Series> out = new ArrayList<>();
        if (v instanceof ScalarV) {
            out.add(new Series(Labels.EMPTY, times.clone(), ((ScalarV) v).v.clone()));
        } else {
            for (SS s : ((VectorV) v).series) {
                if (s.count == 0) {
                    continue;
                }
                long[] t = new long[s.count];
                double[] x = new double[s.count];
                int k = 0;
                for (int i = 0; i < times.length; i++) {
                    if (s.has[i]) {
                        t[k] = times[i];
                        x[k++] = s.v[i];
                    }
                }
                Series read = ev.withText.get(s.labels);
                out.add(new Series(s.labels, t, x, null, read == null ? null : passedOn(t, x, read)));
            }
            out.sort((a, b) -> a.labels().compareTo(b.labels()));
        }
        return QueryResult.ofMatrix(out, new ArrayList<>(ev.warnings), new ArrayList<>(ev.infos));
    }

    private static Expr parse(String query) {
        try {
            return PromQLParser.parse(query);
        } catch (StackOverflowError e) {
            throw new PromQLParseException(query, 0, "expression is too deeply nested");
        }
    }

    private static Val run(Evaluator ev, Expr expr, Evaluator.Ctx ctx) {
        try {
            ev.load(expr, ctx);
            return ev.eval(expr, ctx);
        } catch (StackOverflowError e) {
            throw new PromQLEvalException("expression is too deeply nested");
        }
    }
}
