package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.camera.Frame;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;

/**
 * Detects motion by frame differencing: each frame is reduced to the mean brightness of small
 * cells, compared cell by cell with the previous frame, and counts as motion when enough cells
 * changed by more than the threshold. Works on the image as received, without validating it
 * against the frame header (a cheap first stage); a frame whose size differs from the previous
 * one counts as a change of the whole picture.
 *
 * <p>Stateful: one instance serves one camera stream, from one thread at a time.
 */
public class MotionDetector {
    private final int cellSize;
    private final int threshold;
    private final double minChangedFraction;

    private int[] previous;
    private int previousWidth;
    private int previousHeight;

    public MotionDetector() {
        this(4, 8, 0.003);
    }

    /**
     * @param cellSize           side of the square cells averaged together, in pixels
     * @param threshold          change of a cell's mean brightness, in grey levels, that counts
     * @param minChangedFraction fraction of cells that must change for motion
     */
    public MotionDetector(int cellSize, int threshold, double minChangedFraction) {
        if (cellSize < 1 || threshold < 1 || minChangedFraction <= 0 || minChangedFraction > 1) {
            throw new IllegalArgumentException("bad motion detector settings");
        }
        this.cellSize = cellSize;
        this.threshold = threshold;
        this.minChangedFraction = minChangedFraction;
    }

    /** Compares the frame with the previous one and remembers it for the next call. */
    public synchronized MotionResult detect(Frame frame) {
        BufferedImage image = frame.getImage();
        int width = image.getWidth();
        int height = image.getHeight();
        int cols = Math.max(1, width / cellSize);
        int rows = Math.max(1, height / cellSize);
        int[] cells = cellMeans(image, width, height, cols, rows);

        int[] before = previous;
        boolean sameSize = before != null && previousWidth == width && previousHeight == height;
        previous = cells;
        previousWidth = width;
        previousHeight = height;
        if (before == null) {
            return new MotionResult(frame.getId(), false, 0, 0, 0, 0, 0);
        }
        if (!sameSize) {
            return new MotionResult(frame.getId(), true, 1.0, 0, 0, width, height);
        }
        int changed = 0;
        int minCol = cols;
        int minRow = rows;
        int maxCol = -1;
        int maxRow = -1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                if (Math.abs(cells[i] - before[i]) > threshold) {
                    changed++;
                    minCol = Math.min(minCol, c);
                    maxCol = Math.max(maxCol, c);
                    minRow = Math.min(minRow, r);
                    maxRow = Math.max(maxRow, r);
                }
            }
        }
        double fraction = changed / (double) (cols * rows);
        if (changed == 0) {
            return new MotionResult(frame.getId(), false, 0, 0, 0, 0, 0);
        }
        return new MotionResult(frame.getId(), fraction >= minChangedFraction, fraction,
                minCol * cellSize, minRow * cellSize, (maxCol - minCol + 1) * cellSize, (maxRow - minRow + 1) * cellSize);
    }

    /** Forgets the previous frame. */
    public synchronized void reset() {
        previous = null;
    }

    private int[] cellMeans(BufferedImage image, int width, int height, int cols, int rows) {
        int[] sums = new int[cols * rows];
        int[] counts = new int[cols * rows];
        DataBuffer buffer = image.getRaster().getDataBuffer();
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY && buffer instanceof DataBufferByte) {
            byte[] px = ((DataBufferByte) buffer).getData();
            for (int y = 0; y < height; y++) {
                int r = Math.min(rows - 1, y / cellSize);
                int row = y * width;
                for (int x = 0; x < width; x++) {
                    int i = r * cols + Math.min(cols - 1, x / cellSize);
                    sums[i] += px[row + x] & 0xff;
                    counts[i]++;
                }
            }
        } else {
            for (int y = 0; y < height; y++) {
                int r = Math.min(rows - 1, y / cellSize);
                for (int x = 0; x < width; x++) {
                    int rgb = image.getRGB(x, y);
                    int luma = (((rgb >> 16) & 0xff) * 77 + ((rgb >> 8) & 0xff) * 150 + (rgb & 0xff) * 29) >> 8;
                    int i = r * cols + Math.min(cols - 1, x / cellSize);
                    sums[i] += luma;
                    counts[i]++;
                }
            }
        }
        for (int i = 0; i < sums.length; i++) {
            sums[i] = counts[i] == 0 ? 0 : sums[i] / counts[i];
        }
        return sums;
    }
}
