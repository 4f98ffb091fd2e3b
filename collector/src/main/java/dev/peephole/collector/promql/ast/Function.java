package dev.peephole.collector.promql.ast;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PromQL function signature, as in Prometheus' parser/functions.go. {@code variadic}: 0 = fixed arity,
 * n &gt; 0 = the last argument type may appear 0..n times, -1 = unlimited.
 */
public record Function(String name, List<ValueType> argTypes, int variadic, ValueType returnType) {
    private static final ValueType S = ValueType.SCALAR;
    private static final ValueType V = ValueType.VECTOR;
    private static final ValueType M = ValueType.MATRIX;
    private static final ValueType STR = ValueType.STRING;
    private static final Map<String, Function> FUNCTIONS = new HashMap<>();

    /** Functions Prometheus knows but this engine does not implement. */
    public static final Set<String> UNSUPPORTED = Set.of("holt_winters", "double_exponential_smoothing",
        "histogram_count", "histogram_sum", "histogram_avg", "histogram_fraction", "histogram_stddev",
        "histogram_stdvar", "info", "mad_over_time", "sort_by_label", "sort_by_label_desc", "first_over_time",
        "ts_of_max_over_time", "ts_of_min_over_time", "ts_of_last_over_time", "ts_of_first_over_time",
        "histogram_quantiles", "limitk", "limit_ratio");

    static {
        for (String f : List.of("abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "deg", "rad",
            "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
            "absent", "sort", "sort_desc", "timestamp")) {
            def(f, List.of(V), 0, V);
        }
        for (String f : List.of("rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets",
            "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "last_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time", "absent_over_time")) {
            def(f, List.of(M), 0, V);
        }
        for (String f : List.of("day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute",
            "month", "year")) {
            def(f, List.of(V), 1, V);
        }
        def("quantile_over_time", List.of(S, M), 0, V);
        def("predict_linear", List.of(M, S), 0, V);
        def("histogram_quantile", List.of(S, V), 0, V);
        def("clamp", List.of(V, S, S), 0, V);
        def("clamp_min", List.of(V, S), 0, V);
        def("clamp_max", List.of(V, S), 0, V);
        def("round", List.of(V, S), 1, V);
        def("scalar", List.of(V), 0, S);
        def("vector", List.of(S), 0, V);
        def("time", List.of(), 0, S);
        def("pi", List.of(), 0, S);
        def("label_replace", List.of(V, STR, STR, STR, STR), 0, V);
        def("label_join", List.of(V, STR, STR, STR), -1, V);
    }

    public Function {
        argTypes = List.copyOf(argTypes);
    }

    private static void def(String name, List<ValueType> args, int variadic, ValueType ret) {
        FUNCTIONS.put(name, new Function(name, args, variadic, ret));
    }

    /** Looks up a supported function, or null. */
    public static Function get(String name) {
        return FUNCTIONS.get(name);
    }

    /** Names of all supported functions. */
    public static Set<String> names() {
        return Set.copyOf(FUNCTIONS.keySet());
    }
}
