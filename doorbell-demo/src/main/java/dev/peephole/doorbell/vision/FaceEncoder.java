package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.camera.Frame;

import java.util.List;

/**
 * Turns the pixels of a face into an identity vector for recognition.
 *
 * <ol>
 *   <li>The crop is averaged down to a {@value #GRID}x{@value #GRID} grid of cells; cells
 *       outside the inner face oval are dropped (background, ears, shoulders) and each 4x4 block
 *       of cells is normalised on its own, so that brightness and contrast do not matter and
 *       fine detail (skin texture, the shape of an eye) weighs as much as large dark areas.</li>
 *   <li>The region is aligned: shifts and scales around the detected box are tried and the crop
 *       that correlates best with the model's mean face wins.</li>
 *   <li>The population mean is subtracted and every dimension is divided by how much it varies
 *       between photos of one person (learnt in training), so that what is stable for a person
 *       counts most; the result is scaled to unit length, so the cosine similarity of two
 *       vectors is their dot product.</li>
 * </ol>
 * Instances are immutable and thread-safe.
 */
public final class FaceEncoder {
    public static final int GRID = 16;
    public static final int LENGTH = GRID * GRID;

    private static final int SHIFT_STEPS = 3;
    private static final int BLOCK = 4;
    /** Grey levels of block contrast below which a block counts as flat. */
    private static final double BLOCK_EPSILON = 3.0;
    private static final double[] SCALES = {0.90, 0.95, 1.0, 1.05, 1.10};

    /** Cells inside the face oval; the rest (background, ears, shoulders) is ignored. */
    private static final boolean[] MASK = mask();

    private final float[] meanFace;
    private final float[] center;
    private final float[] weights;

    private FaceEncoder(float[] meanFace, float[] center, float[] weights) {
        this.meanFace = meanFace;
        this.center = center;
        this.weights = weights;
    }

    /**
     * First training stage: the mean face, from the {@link #pattern patterns} of example faces
     * cropped at their true boxes. The resulting encoder aligns faces but weighs every dimension
     * alike (the mean face is projected out).
     */
    public static FaceEncoder train(List<float[]> examplePatterns) {
        if (examplePatterns.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        float[] mean = new float[LENGTH];
        for (float[] p : examplePatterns) {
            for (int i = 0; i < LENGTH; i++) {
                mean[i] += p[i];
            }
        }
        normalize(mean);
        return new FaceEncoder(mean, null, null);
    }

    /**
     * Second training stage: from several {@link #alignedPattern aligned patterns} of each of many
     * people, learns the population mean and how much each dimension varies between photos of
     * the same person (detection jitter, size, lighting, noise). Dimensions are then weighted by
     * the inverse of that spread, so that what is stable for one person counts most.
     */
    public FaceEncoder withWithinPersonWhitening(List<List<float[]>> patternsByPerson) {
        float[] grand = new float[LENGTH];
        int total = 0;
        for (List<float[]> samples : patternsByPerson) {
            for (float[] p : samples) {
                for (int i = 0; i < LENGTH; i++) {
                    grand[i] += p[i];
                }
                total++;
            }
        }
        double[] within = new double[LENGTH];
        int withinCount = 0;
        int people = 0;
        for (List<float[]> samples : patternsByPerson) {
            if (samples.size() < 2) {
                continue;
            }
            people++;
            double[] mean = new double[LENGTH];
            for (float[] p : samples) {
                for (int i = 0; i < LENGTH; i++) {
                    mean[i] += p[i];
                }
            }
            for (int i = 0; i < LENGTH; i++) {
                mean[i] /= samples.size();
            }
            for (float[] p : samples) {
                for (int i = 0; i < LENGTH; i++) {
                    double d = p[i] - mean[i];
                    within[i] += d * d;
                }
                withinCount++;
            }
        }
        if (people < 2) {
            throw new IllegalArgumentException("need several samples of at least two people");
        }
        for (int i = 0; i < LENGTH; i++) {
            grand[i] /= total;
        }
        double meanWithin = 0;
        for (int i = 0; i < LENGTH; i++) {
            within[i] /= withinCount;
            meanWithin += within[i] / LENGTH;
        }
        float[] w = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            w[i] = MASK[i] ? (float) (1 / Math.sqrt(within[i] + 0.05 * meanWithin)) : 0f;
        }
        return new FaceEncoder(meanFace, grand, w);
    }

    /** The mean face, unit length. */
    public float[] getMeanFace() {
        return meanFace.clone();
    }

    /** Whether the second training stage has been done. */
    public boolean isWhitened() {
        return weights != null;
    }

    /**
     * The identity vector of the face in the region of the frame.
     *
     * @throws dev.peephole.doorbell.camera.CorruptFrameException if the frame's pixels are unusable
     */
    public float[] encode(Frame frame, FaceRegion region) {
        return identity(align(frame.pixels(), frame.getWidth(), frame.getHeight(), region));
    }

    /** The identity vector of an aligned pattern. */
    float[] identity(float[] aligned) {
        float[] v = aligned.clone();
        if (weights == null) {
            float dot = dot(v, meanFace);
            for (int i = 0; i < LENGTH; i++) {
                v[i] -= dot * meanFace[i];
            }
        } else {
            for (int i = 0; i < LENGTH; i++) {
                v[i] = (v[i] - center[i]) * weights[i];
            }
        }
        normalize(v);
        return v;
    }

    /**
     * The best-aligned normalised pattern of the face in the region (for training).
     *
     * @throws dev.peephole.doorbell.camera.CorruptFrameException if the frame's pixels are unusable
     */
    public float[] alignedPattern(Frame frame, FaceRegion region) {
        return align(frame.pixels(), frame.getWidth(), frame.getHeight(), region);
    }

    /** The best-aligned normalised pattern around the region. */
    float[] align(byte[] pixels, int width, int height, FaceRegion region) {
        int w = region.getWidth();
        int h = region.getHeight();
        int margin = (int) Math.ceil(Math.max(w, h) * 0.2) + 2;
        int x0 = clamp(region.getX() - margin, 0, width - 1);
        int y0 = clamp(region.getY() - margin, 0, height - 1);
        int x1 = clamp(region.getX() + w + margin, x0 + 1, width);
        int y1 = clamp(region.getY() + h + margin, y0 + 1, height);
        IntegralImage ii = new IntegralImage(pixels, width, x0, y0, x1 - x0, y1 - y0, false);
        int step = Math.max(1, (int) Math.round(w / 28.0));
        float[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        float[] candidate = new float[LENGTH];
        for (double scale : SCALES) {
            int cw = (int) Math.round(w * scale);
            int ch = (int) Math.round(h * scale);
            double cx = region.centerX();
            double cy = region.centerY();
            for (int dy = -SHIFT_STEPS; dy <= SHIFT_STEPS; dy++) {
                for (int dx = -SHIFT_STEPS; dx <= SHIFT_STEPS; dx++) {
                    int x = (int) Math.round(cx - cw / 2.0) + dx * step - x0;
                    int y = (int) Math.round(cy - ch / 2.0) + dy * step - y0;
                    if (!pattern(ii, x, y, cw, ch, candidate)) {
                        continue;
                    }
                    double score = dot(candidate, meanFace);
                    if (score > bestScore) {
                        bestScore = score;
                        best = candidate.clone();
                    }
                }
            }
        }
        if (best == null) {
            // the face is cut off by the frame edge: use what is there, unaligned
            best = new float[LENGTH];
            int x = clamp(region.getX(), x0, x1 - 1) - x0;
            int y = clamp(region.getY(), y0, y1 - 1) - y0;
            int cw = Math.min(w, x1 - x0 - x);
            int ch = Math.min(h, y1 - y0 - y);
            if (cw < GRID || ch < GRID || !pattern(ii, x, y, cw, ch, best)) {
                return new float[LENGTH];
            }
        }
        return best;
    }

    /**
     * The normalised {@value #GRID}x{@value #GRID} pattern of the face whose box is exactly the
     * given rectangle of the image, for training.
     */
    public static float[] pattern(byte[] pixels, int width, int height, int x, int y, int w, int h) {
        if (x < 0 || y < 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("box outside the image");
        }
        IntegralImage ii = new IntegralImage(pixels, width, x, y, w, h, false);
        float[] out = new float[LENGTH];
        pattern(ii, 0, 0, w, h, out);
        return out;
    }

    private static boolean pattern(IntegralImage ii, int x, int y, int w, int h, float[] out) {
        if (x < 0 || y < 0 || x + w > ii.getWidth() || y + h > ii.getHeight() || w < GRID || h < GRID) {
            return false;
        }
        for (int gy = 0; gy < GRID; gy++) {
            int ya = y + gy * h / GRID;
            int yb = y + (gy + 1) * h / GRID;
            for (int gx = 0; gx < GRID; gx++) {
                int xa = x + gx * w / GRID;
                int xb = x + (gx + 1) * w / GRID;
                int i = gy * GRID + gx;
                if (!MASK[i]) {
                    continue;
                }
                float mean = ii.sum(xa, ya, xb - xa, yb - ya) / (float) ((xb - xa) * (yb - ya));
                out[i] = mean;
            }
        }
        // normalise each BLOCK x BLOCK block of cells on its own, so that fine detail (skin
        // texture, the shape of an eye) weighs as much as large dark areas (hair, a beard)
        for (int by = 0; by < GRID; by += BLOCK) {
            for (int bx = 0; bx < GRID; bx += BLOCK) {
                double sum = 0;
                int n = 0;
                for (int gy = by; gy < by + BLOCK; gy++) {
                    for (int gx = bx; gx < bx + BLOCK; gx++) {
                        if (MASK[gy * GRID + gx]) {
                            sum += out[gy * GRID + gx];
                            n++;
                        }
                    }
                }
                if (n == 0) {
                    continue;
                }
                float avg = (float) (sum / n);
                double sq = 0;
                for (int gy = by; gy < by + BLOCK; gy++) {
                    for (int gx = bx; gx < bx + BLOCK; gx++) {
                        int i = gy * GRID + gx;
                        out[i] = MASK[i] ? out[i] - avg : 0f;
                        sq += out[i] * out[i];
                    }
                }
                float inv = (float) (1 / Math.sqrt(sq + n * BLOCK_EPSILON * BLOCK_EPSILON));
                for (int gy = by; gy < by + BLOCK; gy++) {
                    for (int gx = bx; gx < bx + BLOCK; gx++) {
                        out[gy * GRID + gx] *= inv;
                    }
                }
            }
        }
        normalize(out);
        return true;
    }

    private static boolean[] mask() {
        boolean[] m = new boolean[LENGTH];
        for (int gy = 0; gy < GRID; gy++) {
            for (int gx = 0; gx < GRID; gx++) {
                double u = ((gx + 0.5) / GRID - 0.5) / 0.37;
                double v = ((gy + 0.5) / GRID - 0.53) / 0.41;
                m[gy * GRID + gx] = u * u + v * v <= 1.0;
            }
        }
        return m;
    }

    static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static void normalize(float[] v) {
        double n = 0;
        for (float f : v) {
            n += f * f;
        }
        if (n < 1e-12) {
            return;
        }
        float inv = (float) (1 / Math.sqrt(n));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
