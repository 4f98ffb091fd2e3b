package dev.peephole.doorbell.vision;

import java.util.Locale;

/** Who a detected face belongs to, and how sure the recogniser is. */
public final class RecognitionResult {
    private final RecognitionKind kind;
    private final String personId;
    private final String personName;
    private final Role role;
    private final double confidence;
    private final long frameId;
    private final FaceRegion region;

    public RecognitionResult(RecognitionKind kind, String personId, String personName, Role role,
                             double confidence, long frameId, FaceRegion region) {
        this.kind = kind;
        this.personId = personId;
        this.personName = personName;
        this.role = role;
        this.confidence = Math.max(0.0, Math.min(1.0, confidence));
        this.frameId = frameId;
        this.region = region;
    }

    public RecognitionKind getKind() {
        return kind;
    }

    /** Gallery id of the matched person; null when {@link RecognitionKind#UNKNOWN}. */
    public String getPersonId() {
        return personId;
    }

    /** Name of the matched person; null when {@link RecognitionKind#UNKNOWN}. */
    public String getPersonName() {
        return personName;
    }

    /** Role of the matched person; null when {@link RecognitionKind#UNKNOWN}. */
    public Role getRole() {
        return role;
    }

    /**
     * Cosine similarity between the face and the best-matching gallery entry, clamped to 0..1.
     * For an unknown face it is the similarity of the closest person, below the threshold.
     */
    public double getConfidence() {
        return confidence;
    }

    public long getFrameId() {
        return frameId;
    }

    public FaceRegion getRegion() {
        return region;
    }

    public boolean isKnown() {
        return kind != RecognitionKind.UNKNOWN;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s (%.2f)", kind, personName == null ? "-" : personName, confidence);
    }
}
