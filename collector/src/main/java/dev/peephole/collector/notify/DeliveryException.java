package dev.peephole.collector.notify;

/** A failed delivery; {@code retryable} when trying again may succeed (network errors, 5xx, 429). */
public class DeliveryException extends Exception {

    private final boolean retryable;

    public DeliveryException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
