package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.camera.Frame;

/**
 * Matches a detected face against the {@link Gallery}: the face's identity vector
 * ({@link FaceEncoder}) is compared with every template by cosine similarity; the best match wins
 * if it reaches the threshold, otherwise the face is unknown. Thread-safe.
 */
public class FaceRecognizer {
    public static final double DEFAULT_THRESHOLD = 0.65;

    private final Gallery gallery;
    private final FaceEncoder encoder;
    private final double threshold;

    public FaceRecognizer(Gallery gallery, FaceEncoder encoder) {
        this(gallery, encoder, DEFAULT_THRESHOLD);
    }

    public FaceRecognizer(Gallery gallery, FaceEncoder encoder, double threshold) {
        this.gallery = gallery;
        this.encoder = encoder;
        this.threshold = threshold;
    }

    /**
     * Recognises the face in the region of the frame.
     *
     * @throws dev.peephole.doorbell.camera.CorruptFrameException if the frame's pixels are unusable
     */
    public RecognitionResult recognize(Frame frame, FaceRegion region) {
        float[] vector = encoder.encode(frame, region);
        Gallery.Entry best = null;
        double bestSimilarity = -1;
        for (Gallery.Entry entry : gallery.entries()) {
            double similarity = FaceEncoder.dot(vector, entry.template());
            if (similarity > bestSimilarity) {
                bestSimilarity = similarity;
                best = entry;
            }
        }
        if (best == null || bestSimilarity < threshold) {
            return new RecognitionResult(RecognitionKind.UNKNOWN, null, null, null,
                    bestSimilarity, frame.getId(), region);
        }
        Person person = best.getPerson();
        RecognitionKind kind = person.getRole() == Role.BLACKLISTED ? RecognitionKind.BLACKLISTED : RecognitionKind.KNOWN;
        return new RecognitionResult(kind, person.getId(), person.getName(), person.getRole(),
                bestSimilarity, frame.getId(), region);
    }

    /** Similarity of the face to each gallery entry, in gallery order (diagnostics). */
    public double[] similarities(Frame frame, FaceRegion region) {
        float[] vector = encoder.encode(frame, region);
        java.util.List<Gallery.Entry> entries = gallery.entries();
        double[] out = new double[entries.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = FaceEncoder.dot(vector, entries.get(i).template());
        }
        return out;
    }

    public double getThreshold() {
        return threshold;
    }

    public Gallery getGallery() {
        return gallery;
    }

    public FaceEncoder getEncoder() {
        return encoder;
    }
}
