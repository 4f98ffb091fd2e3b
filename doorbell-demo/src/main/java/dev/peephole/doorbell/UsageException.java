package dev.peephole.doorbell;

/** The command line could not be understood. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
