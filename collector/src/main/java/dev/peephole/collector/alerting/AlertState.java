package dev.peephole.collector.alerting;

/** Prometheus' alert states; a resolved alert is inactive with a resolution time. */
public enum AlertState {
    INACTIVE, PENDING, FIRING;

    /** The name Prometheus' JSON uses. */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
