package dev.peephole.collector.promql;

import java.util.List;

/**
 * The result of a query. {@link #resultType()} is one of "vector", "matrix", "scalar", "string" (the {@code
 * resultType} of Prometheus' HTTP API); only the accessor matching the type returns data, the others throw.
 * Vectors keep Prometheus' evaluation order (e.g. after {@code sort()} or {@code topk()}); matrices of range queries
 * are sorted by labels.
 */
public final class QueryResult {
    private final String resultType;
    private final List<Sample> vector;
    private final List<Series> matrix;
    private final Point scalar;
    private final StringResult string;
    private final List<String> warnings;
    private final List<String> infos;

    private QueryResult(String resultType, List<Sample> vector, List<Series> matrix, Point scalar,
                        StringResult string, List<String> warnings, List<String> infos) {
        this.resultType = resultType;
        this.vector = vector;
        this.matrix = matrix;
        this.scalar = scalar;
        this.string = string;
        this.warnings = List.copyOf(warnings);
        this.infos = List.copyOf(infos);
    }

    static QueryResult ofVector(List<Sample> v, List<String> warnings, List<String> infos) {
        return new QueryResult("vector", List.copyOf(v), null, null, null, warnings, infos);
    }

    static QueryResult ofMatrix(List<Series> m, List<String> warnings, List<String> infos) {
        return new QueryResult("matrix", null, List.copyOf(m), null, null, warnings, infos);
    }

    static QueryResult ofScalar(Point p, List<String> warnings, List<String> infos) {
        return new QueryResult("scalar", null, null, p, null, warnings, infos);
    }

    static QueryResult ofString(StringResult s, List<String> warnings, List<String> infos) {
        return new QueryResult("string", null, null, null, s, warnings, infos);
    }

    /** "vector", "matrix", "scalar" or "string". */
    public String resultType() {
        return resultType;
    }

    /** The samples of a vector result. */
    public List<Sample> vector() {
        check("vector");
        return vector;
    }

    /** The series of a matrix result. */
    public List<Series> matrix() {
        check("matrix");
        return matrix;
    }

    /** The value of a scalar result. */
    public Point scalar() {
        check("scalar");
        return scalar;
    }

    /** The value of a string result. */
    public StringResult string() {
        check("string");
        return string;
    }

    /** Warnings (Prometheus' "PromQL warning: ..." annotations). */
    public List<String> warnings() {
        return warnings;
    }

    /** Infos (Prometheus' "PromQL info: ..." annotations). */
    public List<String> infos() {
        return infos;
    }

    private void check(String t) {
        if (!resultType.equals(t)) {
            throw new IllegalStateException("result type is " + resultType + ", not " + t);
        }
    }

    @Override
    public String toString() {
        switch (resultType) {
            case "vector": return "vector" + vector;
            case "matrix": return "matrix" + matrix;
            case "scalar": return "scalar(" + scalar + ")";
            default: return "string(" + string + ")";
        }
    }
}
