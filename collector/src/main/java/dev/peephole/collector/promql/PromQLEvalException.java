package dev.peephole.collector.promql;

/** An error during query evaluation (bad data shape, limits, timeout, ...). The message is Prometheus' message. */
public class PromQLEvalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PromQLEvalException(String message) {
        super(message);
    }

    public PromQLEvalException(String message, Throwable cause) {
        super(message, cause);
    }
}
