package dev.peephole.doorbell.vision;

/** A rectangle of a frame that holds a face, with the detector's score for it. */
public final class FaceRegion {
    private final int x;
    private final int y;
    private final int width;
    private final int height;
    private final double score;

    public FaceRegion(int x, int y, int width, int height, double score) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + width + "x" + height);
        }
        this.x = x;
        this.y = y;
        this.width = width;
        this.height = height;
        this.score = score;
    }

    public int getX() {
        return x;
    }

    public int getY() {
        return y;
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    /** Detector score: higher is more face-like; detections start at the detector's threshold. */
    public double getScore() {
        return score;
    }

    public double centerX() {
        return x + width / 2.0;
    }

    public double centerY() {
        return y + height / 2.0;
    }

    /** Intersection over union with another rectangle. */
    public double iou(int ox, int oy, int ow, int oh) {
        int ix = Math.max(0, Math.min(x + width, ox + ow) - Math.max(x, ox));
        int iy = Math.max(0, Math.min(y + height, oy + oh) - Math.max(y, oy));
        double inter = (double) ix * iy;
        double union = (double) width * height + (double) ow * oh - inter;
        return union <= 0 ? 0 : inter / union;
    }

    public double iou(FaceRegion o) {
        return iou(o.x, o.y, o.width, o.height);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "FaceRegion[%d,%d %dx%d score=%.2f]", x, y, width, height, score);
    }
}
