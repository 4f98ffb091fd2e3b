package dev.peephole.doorbell.vision;

/**
 * Summed-area tables of a grayscale image (plain and squared), so that the sum and variance of
 * any rectangle cost four look-ups.
 */
public final class IntegralImage {
    private final int width;
    private final int height;
    private final int stride;
    private final int[] sum;
    private final long[] squares;

    /** Builds the tables over the rectangle (x0, y0, w, h) of an image {@code imageWidth} wide. */
    public IntegralImage(byte[] pixels, int imageWidth, int x0, int y0, int w, int h, boolean withSquares) {
        this.width = w;
        this.height = h;
        this.stride = w + 1;
        this.sum = new int[stride * (h + 1)];
        this.squares = withSquares ? new long[stride * (h + 1)] : null;
        for (int y = 0; y < h; y++) {
            int rowSum = 0;
            long rowSq = 0;
            int src = (y0 + y) * imageWidth + x0;
            int dst = (y + 1) * stride + 1;
            int above = y * stride + 1;
            for (int x = 0; x < w; x++) {
                int v = pixels[src + x] & 0xff;
                rowSum += v;
                sum[dst + x] = sum[above + x] + rowSum;
                if (squares != null) {
                    rowSq += v * v;
                    squares[dst + x] = squares[above + x] + rowSq;
                }
            }
        }
    }

    /** Tables over a whole image. */
    public IntegralImage(byte[] pixels, int width, int height) {
        this(pixels, width, 0, 0, width, height, true);
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    /** Sum of pixels in [x, x+w) x [y, y+h), in table coordinates. */
    public int sum(int x, int y, int w, int h) {
        int a = y * stride + x;
        int b = (y + h) * stride + x;
        return sum[b + w] - sum[b] - sum[a + w] + sum[a];
    }

    /** Sum of squared pixels in [x, x+w) x [y, y+h); only when built with squares. */
    public long sumOfSquares(int x, int y, int w, int h) {
        int a = y * stride + x;
        int b = (y + h) * stride + x;
        return squares[b + w] - squares[b] - squares[a + w] + squares[a];
    }
}
