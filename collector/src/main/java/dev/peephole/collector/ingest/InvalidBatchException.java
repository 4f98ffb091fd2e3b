package dev.peephole.collector.ingest;

/** A batch that breaks the protocol; the agent's stream ends with INVALID_ARGUMENT. */
public class InvalidBatchException extends Exception {
    public InvalidBatchException(String message) {
        super(message);
    }
}
