package dev.peephole.collector.promql;

/** The query exceeded {@link EngineOptions#timeoutMs()} ("query timed out in expression evaluation"). */
public class PromQLTimeoutException extends PromQLEvalException {
    private static final long serialVersionUID = 1L;

    public PromQLTimeoutException(String message) {
        super(message);
    }
}
