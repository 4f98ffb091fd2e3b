package dev.peephole.doorbell.camera;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.time.Instant;

/**
 * One frame as delivered by the camera: a header (id, capture time, declared width and height,
 * the state of the doorbell button when the frame was exposed) and the 8-bit grayscale image that
 * arrived with it.
 *
 * <p>Normally the image matches the header. A frame whose transfer was cut short carries a smaller
 * image than its header declares; {@link #pixels()} detects that and throws
 * {@link CorruptFrameException}.
 */
public final class Frame {
    private final long id;
    private final Instant timestamp;
    private final int width;
    private final int height;
    private final BufferedImage image;
    private final boolean doorbellPressed;

    public Frame(long id, Instant timestamp, int width, int height, BufferedImage image, boolean doorbellPressed) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("frame size must be positive: " + width + "x" + height);
        }
        if (image == null) {
            throw new IllegalArgumentException("image is required");
        }
        this.id = id;
        this.timestamp = timestamp;
        this.width = width;
        this.height = height;
        this.image = image;
        this.doorbellPressed = doorbellPressed;
    }

    public long getId() {
        return id;
    }

    public Instant getTimestamp() {
        return timestamp;
    }

    /** Width declared by the sensor header. */
    public int getWidth() {
        return width;
    }

    /** Height declared by the sensor header. */
    public int getHeight() {
        return height;
    }

    /** The image as received; for a corrupt frame it may be smaller than the header says. */
    public BufferedImage getImage() {
        return image;
    }

    /** Whether the doorbell button was held down while this frame was exposed. */
    public boolean isDoorbellPressed() {
        return doorbellPressed;
    }

    /**
     * The frame's luminance, row-major, {@code getWidth() * getHeight()} bytes (read them with
     * {@code & 0xff}). The returned array is the image's own buffer: do not modify it.
     *
     * @throws CorruptFrameException if the image is not 8-bit grayscale or its buffer does not hold
     *         the pixels the header declares
     */
    public byte[] pixels() {
        if (image.getType() != BufferedImage.TYPE_BYTE_GRAY) {
            throw new CorruptFrameException(id, "unexpected pixel format (image type " + image.getType() + ")");
        }
        DataBuffer buffer = image.getRaster().getDataBuffer();
        if (!(buffer instanceof DataBufferByte) || buffer.getNumBanks() != 1) {
            throw new CorruptFrameException(id, "unexpected pixel buffer " + buffer.getClass().getSimpleName());
        }
        byte[] data = ((DataBufferByte) buffer).getData();
        int expected = width * height;
        if (data.length < expected) {
            throw new CorruptFrameException(id, "truncated pixel buffer: expected " + expected
                    + " bytes for " + width + "x" + height + ", got " + data.length);
        }
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new CorruptFrameException(id, "image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the header declares " + width + "x" + height);
        }
        return data;
    }

    @Override
    public String toString() {
        return "Frame{id=" + id + ", " + width + "x" + height + (doorbellPressed ? ", bell" : "") + "}";
    }
}
