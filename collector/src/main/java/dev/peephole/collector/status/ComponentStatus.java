package dev.peephole.collector.status;

import java.util.List;

/** A component's status ({@code healthy}, {@code degraded} or {@code unhealthy}) and why. */
public record ComponentStatus(String status, String reason) {

    public static final String HEALTHY = "healthy";
    public static final String DEGRADED = "degraded";
    public static final String UNHEALTHY = "unhealthy";
    /** From best to worst. */
    public static final List<String> ORDER = List.of(HEALTHY, DEGRADED, UNHEALTHY);

    public ComponentStatus {
        if (!ORDER.contains(status)) {
            throw new IllegalArgumentException("status must be one of " + ORDER + ", not " + status);
        }
    }

    public static ComponentStatus healthy(String reason) {
        return new ComponentStatus(HEALTHY, reason);
    }

    public static ComponentStatus degraded(String reason) {
        return new ComponentStatus(DEGRADED, reason);
    }

    public static ComponentStatus unhealthy(String reason) {
        return new ComponentStatus(UNHEALTHY, reason);
    }

    /** The worse of two statuses. */
    public static String worst(String a, String b) {
        return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
    }
}
