package dev.peephole.collector.status;

/**
 * One part of {@code GET /api/v1/status}. Every bean implementing this is collected (as a
 * {@code List<StatusComponent>}) and asked on each request; the overall status is the worst
 * of them. To add a component (e.g. firing critical alerts), declare a {@code @Singleton}
 * that implements this interface.
 */
public interface StatusComponent {

    /** The component's name in the response, e.g. "database". */
    String name();

    /** Its status now, with the reason. Should not throw; a thrown exception counts as degraded. */
    ComponentStatus check();
}
