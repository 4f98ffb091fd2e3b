package dev.peephole.doorbell.vision;

/** Outcome of matching a face against the gallery. */
public enum RecognitionKind {
    /** An enrolled resident or known visitor. */
    KNOWN,
    /** Nobody in the gallery matched well enough. */
    UNKNOWN,
    /** An enrolled person on the blacklist. */
    BLACKLISTED
}
