package dev.peephole.collector.alerting;

/** A rule evaluation that failed; the rule keeps its alerts and reports the error as its health. */
public class RuleEvalException extends Exception {
    public RuleEvalException(String message) {
        super(message);
    }

    public RuleEvalException(String message, Throwable cause) {
        super(message, cause);
    }
}
