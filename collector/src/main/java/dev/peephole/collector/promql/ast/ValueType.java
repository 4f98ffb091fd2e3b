package dev.peephole.collector.promql.ast;

/** PromQL value types, with Prometheus' documented names. */
public enum ValueType {
    NONE("none"), SCALAR("scalar"), VECTOR("instant vector"), MATRIX("range vector"), STRING("string");

    private final String documented;

    ValueType(String documented) {
        this.documented = documented;
    }

    /** The name used in error messages ("instant vector", "range vector", ...). */
    public String documentedName() {
        return documented;
    }

    /** The name used as {@code resultType} in the HTTP API ("vector", "matrix", "scalar", "string"). */
    public String apiName() {
        switch (this) {
            case VECTOR: return "vector";
            case MATRIX: return "matrix";
            case SCALAR: return "scalar";
            case STRING: return "string";
            default: return "none";
        }
    }
}
