package dev.peephole.doorbell.api;

/** A request the API refuses, with the HTTP status to answer. */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int getStatus() {
        return status;
    }
}
