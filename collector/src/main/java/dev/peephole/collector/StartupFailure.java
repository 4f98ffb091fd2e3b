package dev.peephole.collector;

import java.util.ArrayList;
import java.util.List;

/** The one line that says why the collector could not start, from a chain of start-up errors. */
final class StartupFailure {

    private StartupFailure() {
    }

    /**
     * The innermost message that names a setting ({@code PEEPHOLE_...}), else the innermost
     * message at all: bean-creation errors wrap the real reason in their own text.
     */
    static String reason(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        String innermost = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            String message = firstLine(chain.get(i).getMessage());
            if (message == null) {
                continue;
            }
            if (message.startsWith("PEEPHOLE_")) {
                return message;
            }
            if (innermost == null) {
                innermost = message;
            }
        }
        return innermost != null ? innermost : failure.getClass().getName();
    }

    private static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return null;
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }
}
