package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.camera.Frame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Finds upright frontal faces in a grayscale frame.
 *
 * <p>A window of face proportions (width : height = 4 : 5) slides over the frame at several
 * scales. Each window is scored with Haar-like rectangle features computed from an integral
 * image and normalised by the window's standard deviation, in cascade order so that most windows
 * are rejected after a couple of look-ups:
 * <ol>
 *   <li>the window has texture at all (standard deviation);</li>
 *   <li>the band of the eyes is darker than the band of the cheeks below it;</li>
 *   <li>each eye is darker than the bridge of the nose between them and than the cheek below it;</li>
 *   <li>the mouth is darker than the cheeks either side of it;</li>
 *   <li>the forehead is brighter than the eyes.</li>
 * </ol>
 * Windows that pass are grouped; a group with enough members becomes one {@link FaceRegion}, the
 * score-weighted average of its members.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class FaceDetector {
    /** Face box height over width, as drawn by the camera. */
    public static final double ASPECT = 1.25;

    private final int minFaceWidth;
    private final int maxFaceWidth;
    private final double scaleStep;
    private final int minNeighbors;

    static final double MIN_STDDEV = 12;
    static final double T_BANDS = 0.35;
    static final double T_EYES = 0.40;
    static final double T_MOUTH = 0.10;
    static final double T_FOREHEAD = Double.NEGATIVE_INFINITY;

    // feature rectangles in window coordinates (u0, v0, u1, v1)
    private static final double[] EYE_BAND = {0.18, 0.33, 0.82, 0.49};
    private static final double[] CHEEK_BAND = {0.18, 0.52, 0.82, 0.66};
    private static final double[] LEFT_EYE = {0.20, 0.33, 0.42, 0.49};
    private static final double[] RIGHT_EYE = {0.58, 0.33, 0.80, 0.49};
    private static final double[] BRIDGE = {0.44, 0.33, 0.56, 0.49};
    private static final double[] LEFT_CHEEK = {0.20, 0.52, 0.42, 0.64};
    private static final double[] RIGHT_CHEEK = {0.58, 0.52, 0.80, 0.64};
    private static final double[] MOUTH = {0.38, 0.70, 0.62, 0.80};
    private static final double[] MOUTH_LEFT = {0.16, 0.70, 0.30, 0.82};
    private static final double[] MOUTH_RIGHT = {0.70, 0.70, 0.84, 0.82};
    private static final double[] FOREHEAD = {0.30, 0.20, 0.70, 0.30};
    private static final double[] LEFT_TEMPLE = {0.09, 0.35, 0.14, 0.47};
    private static final double[] RIGHT_TEMPLE = {0.86, 0.35, 0.91, 0.47};
    private static final double[] CHIN = {0.38, 0.85, 0.62, 0.92};

    public FaceDetector() {
        this(32, 80, 1.12, 2);
    }

    public FaceDetector(int minFaceWidth, int maxFaceWidth, double scaleStep, int minNeighbors) {
        if (minFaceWidth < 16 || maxFaceWidth < minFaceWidth || scaleStep <= 1.0 || minNeighbors < 1) {
            throw new IllegalArgumentException("bad detector settings");
        }
        this.minFaceWidth = minFaceWidth;
        this.maxFaceWidth = maxFaceWidth;
        this.scaleStep = scaleStep;
        this.minNeighbors = minNeighbors;
    }

    /**
     * Detects faces in the frame, best first.
     *
     * @throws dev.peephole.doorbell.camera.CorruptFrameException if the frame's pixels are unusable
     */
    public List<FaceRegion> detect(Frame frame) {
        byte[] pixels = frame.pixels();
        return findFaces(pixels, frame.getWidth(), frame.getHeight());
    }

    /** Detects faces in a row-major 8-bit grayscale buffer, best first. */
    public List<FaceRegion> findFaces(byte[] pixels, int width, int height) {
        IntegralImage ii = new IntegralImage(pixels, width, height);
        List<FaceRegion> candidates = new ArrayList<>();
        for (double ws = minFaceWidth; ws <= maxFaceWidth + 1e-9; ws *= scaleStep) {
            int w = (int) Math.round(ws);
            int h = (int) Math.round(w * ASPECT);
            if (w > width || h > height) {
                break;
            }
            scanScale(ii, width, height, w, h, candidates);
        }
        return group(candidates);
    }

    private void scanScale(IntegralImage ii, int width, int height, int w, int h, List<FaceRegion> out) {
        int step = Math.max(2, (int) Math.round(w / 14.0));
        Layout layout = new Layout(w, h);
        for (int y = 0; y + h <= height; y += step) {
            for (int x = 0; x + w <= width; x += step) {
                double score = score(ii, x, y, layout, null);
                if (score > 0) {
                    out.add(new FaceRegion(x, y, w, h, score));
                }
            }
        }
    }

    /** Feature rectangles of one window size, in pixels. */
    static final class Layout {
        final int w;
        final int h;
        final double area;
        final int[] eyeBand;
        final int[] cheekBand;
        final int[] leftEye;
        final int[] rightEye;
        final int[] bridge;
        final int[] leftCheek;
        final int[] rightCheek;
        final int[] mouth;
        final int[] mouthLeft;
        final int[] mouthRight;
        final int[] forehead;
        final int[] leftTemple;
        final int[] rightTemple;
        final int[] chin;

        Layout(int w, int h) {
            this.w = w;
            this.h = h;
            this.area = (double) w * h;
            eyeBand = rect(EYE_BAND, w, h);
            cheekBand = rect(CHEEK_BAND, w, h);
            leftEye = rect(LEFT_EYE, w, h);
            rightEye = rect(RIGHT_EYE, w, h);
            bridge = rect(BRIDGE, w, h);
            leftCheek = rect(LEFT_CHEEK, w, h);
            rightCheek = rect(RIGHT_CHEEK, w, h);
            mouth = rect(MOUTH, w, h);
            mouthLeft = rect(MOUTH_LEFT, w, h);
            mouthRight = rect(MOUTH_RIGHT, w, h);
            forehead = rect(FOREHEAD, w, h);
            leftTemple = rect(LEFT_TEMPLE, w, h);
            rightTemple = rect(RIGHT_TEMPLE, w, h);
            chin = rect(CHIN, w, h);
        }
    }

    /**
     * Scores the window at (x, y): a positive score if it passes every stage, else 0. When
     * {@code features} is given (length 5) it receives the stage values computed so far.
     */
    static double score(IntegralImage ii, int x, int y, Layout l, double[] features) {
        double mean = ii.sum(x, y, l.w, l.h) / l.area;
        double variance = ii.sumOfSquares(x, y, l.w, l.h) / l.area - mean * mean;
        double sd = Math.sqrt(Math.max(variance, 0));
        boolean diagnose = features != null;
        if (diagnose) {
            java.util.Arrays.fill(features, Double.NaN);
            features[0] = sd;
        }
        if (sd < MIN_STDDEV && !diagnose) {
            return 0;
        }
        double eyes = mean(ii, x, y, l.eyeBand);
        double bands = (mean(ii, x, y, l.cheekBand) - eyes) / sd;
        if (diagnose) {
            features[1] = bands;
        } else if (bands < T_BANDS) {
            return 0;
        }
        double le = mean(ii, x, y, l.leftEye);
        double re = mean(ii, x, y, l.rightEye);
        double br = mean(ii, x, y, l.bridge);
        double lc = mean(ii, x, y, l.leftCheek);
        double rc = mean(ii, x, y, l.rightCheek);
        double lt = mean(ii, x, y, l.leftTemple);
        double rt = mean(ii, x, y, l.rightTemple);
        double eyeScore = Math.min(Math.min(Math.min(br - le, br - re), Math.min(lc - le, rc - re)),
                Math.min(lt - le, rt - re)) / sd;
        if (diagnose) {
            features[2] = eyeScore;
        } else if (eyeScore < T_EYES) {
            return 0;
        }
        double m = mean(ii, x, y, l.mouth);
        double mouthScore = (Math.min(Math.min(mean(ii, x, y, l.mouthLeft), mean(ii, x, y, l.mouthRight)),
                mean(ii, x, y, l.chin)) - m) / sd;
        if (diagnose) {
            features[3] = mouthScore;
        } else if (mouthScore < T_MOUTH) {
            return 0;
        }
        double foreheadScore = (mean(ii, x, y, l.forehead) - eyes) / sd;
        if (diagnose) {
            features[4] = foreheadScore;
            if (sd < MIN_STDDEV || bands < T_BANDS || eyeScore < T_EYES || mouthScore < T_MOUTH
                    || foreheadScore < T_FOREHEAD) {
                return 0;
            }
        } else if (foreheadScore < T_FOREHEAD) {
            return 0;
        }
        return bands + eyeScore + mouthScore + 0.25 * Math.max(-1.0, Math.min(1.0, foreheadScore));
    }

    private static int[] rect(double[] r, int w, int h) {
        int x0 = (int) Math.round(r[0] * w);
        int y0 = (int) Math.round(r[1] * h);
        int x1 = Math.max(x0 + 1, (int) Math.round(r[2] * w));
        int y1 = Math.max(y0 + 1, (int) Math.round(r[3] * h));
        return new int[] {x0, y0, x1 - x0, y1 - y0};
    }

    private static double mean(IntegralImage ii, int x, int y, int[] r) {
        return ii.sum(x + r[0], y + r[1], r[2], r[3]) / (double) (r[2] * r[3]);
    }

    /** Groups overlapping candidates; keeps groups with enough members, best first. */
    private List<FaceRegion> group(List<FaceRegion> candidates) {
        if (candidates.isEmpty()) {
            return Collections.emptyList();
        }
        candidates.sort((a, b) -> Double.compare(b.getScore(), a.getScore()));
        List<List<FaceRegion>> groups = new ArrayList<>();
        for (FaceRegion c : candidates) {
            List<FaceRegion> home = null;
            for (List<FaceRegion> g : groups) {
                if (g.get(0).iou(c) >= 0.35) {
                    home = g;
                    break;
                }
            }
            if (home == null) {
                home = new ArrayList<>();
                groups.add(home);
            }
            home.add(c);
        }
        List<FaceRegion> faces = new ArrayList<>();
        for (List<FaceRegion> g : groups) {
            if (g.size() < minNeighbors) {
                continue;
            }
            double sw = 0;
            double sx = 0;
            double sy = 0;
            double sWidth = 0;
            for (FaceRegion r : g) {
                double wgt = r.getScore();
                sw += wgt;
                sx += wgt * r.centerX();
                sy += wgt * r.centerY();
                sWidth += wgt * r.getWidth();
            }
            int w = (int) Math.round(sWidth / sw);
            int h = (int) Math.round(w * ASPECT);
            int x = (int) Math.round(sx / sw - w / 2.0);
            int y = (int) Math.round(sy / sw - h / 2.0);
            FaceRegion merged = new FaceRegion(x, y, w, h, g.get(0).getScore());
            boolean overlapsBetter = false;
            for (FaceRegion f : faces) {
                if (f.iou(merged) > 0.2) {
                    overlapsBetter = true;
                    break;
                }
            }
            if (!overlapsBetter) {
                faces.add(merged);
            }
        }
        return faces;
    }
}
