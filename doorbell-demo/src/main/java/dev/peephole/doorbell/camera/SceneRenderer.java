package dev.peephole.doorbell.camera;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Draws the doorstep scene into 8-bit grayscale images: the static porch (wall, door, window,
 * lamp, floor), people with their faces, small animals and leaves, shadows, and sensor noise.
 * All drawing is done on the image's own byte buffer, so it is fast and exactly reproducible.
 */
public final class SceneRenderer {
    private final int width;
    private final int height;
    private final byte[] background;

    public SceneRenderer(int width, int height) {
        if (width < 64 || height < 48) {
            throw new IllegalArgumentException("scene too small: " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.background = new byte[width * height];
        paintPorch(background);
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    /** A new image holding the empty porch, without noise. */
    public BufferedImage newFrameImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(background, 0, buffer(image), 0, background.length);
        return image;
    }

    /** A new image of a plain, evenly lit wall (used for enrolment photos). */
    public BufferedImage newPlainImage(int tone) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        java.util.Arrays.fill(buffer(image), (byte) clamp(tone));
        return image;
    }

    /** The backing buffer of a TYPE_BYTE_GRAY image created by this renderer. */
    public static byte[] buffer(BufferedImage image) {
        return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    }

    // ------------------------------------------------------------------ the porch

    private void paintPorch(byte[] px) {
        // brick wall with mortar lines and a gentle light fall-off towards the floor
        for (int y = 0; y < height; y++) {
            int row = y / 12;
            for (int x = 0; x < width; x++) {
                int tone = 118 + (y - height / 2) / 10;
                boolean mortar = y % 12 == 0 || (x + (row % 2) * 14) % 28 == 0;
                if (mortar) {
                    tone += 14;
                }
                px[y * width + x] = (byte) clamp(tone);
            }
        }
        int doorLeft = width * 115 / 320;
        int doorRight = width * 205 / 320;
        int doorTop = height * 25 / 240;
        // door frame and door with four panels and a handle
        fillRect(px, doorLeft - 6, doorTop - 6, doorRight + 6, height, 150);
        fillRect(px, doorLeft, doorTop, doorRight, height, 78);
        int midX = (doorLeft + doorRight) / 2;
        int panelH = (height - doorTop) / 2 - 14;
        for (int i = 0; i < 2; i++) {
            int top = doorTop + 10 + i * (panelH + 10);
            outlineRect(px, doorLeft + 8, top, midX - 4, top + panelH, 2, 96);
            outlineRect(px, midX + 4, top, doorRight - 8, top + panelH, 2, 96);
        }
        fillEllipse(px, doorRight - 10, height * 140 / 240, 4, 4, 205);
        // window on the left with a cross-shaped frame
        int wl = width * 20 / 320;
        int wr = width * 85 / 320;
        int wt = height * 40 / 240;
        int wb = height * 120 / 240;
        fillRect(px, wl, wt, wr, wb, 188);
        outlineRect(px, wl, wt, wr, wb, 3, 60);
        fillRect(px, (wl + wr) / 2 - 1, wt, (wl + wr) / 2 + 2, wb, 60);
        fillRect(px, wl, (wt + wb) / 2 - 1, wr, (wt + wb) / 2 + 2, 60);
        // lamp and house number plate on the right
        fillRect(px, width * 246 / 320, height * 72 / 240, width * 254 / 320, height * 80 / 240, 50);
        fillEllipse(px, width * 250 / 320, height * 60 / 240, 8, 12, 232);
        int pl = width * 240 / 320;
        int pt = height * 100 / 240;
        fillRect(px, pl, pt, pl + 40, pt + 20, 210);
        fillRect(px, pl + 8, pt + 4, pl + 11, pt + 16, 40);   // "1"
        fillRect(px, pl + 20, pt + 4, pl + 31, pt + 7, 40);   // "7"
        fillRect(px, pl + 28, pt + 4, pl + 31, pt + 16, 40);
        // porch floor boards
        int floor = height * 205 / 240;
        for (int y = floor; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int tone = 150 - (y - floor) / 2 + ((y - floor) % 7 == 0 ? -18 : 0);
                px[y * width + x] = (byte) clamp(tone);
            }
        }
    }

    // ------------------------------------------------------------------ people

    /**
     * Draws a person whose face box has its top-left corner at (x, y) and the given width: body,
     * neck, hair and face.
     */
    public void drawPerson(BufferedImage image, FacialFeatures f, int x, int y, int faceWidth, int clothingTone) {
        byte[] px = buffer(image);
        int fh = FacialFeatures.boxHeight(faceWidth);
        int cx = x + faceWidth / 2;
        // shoulders and torso, then the neck
        int torsoTop = y + fh + faceWidth / 6;
        fillRect(px, cx - faceWidth, torsoTop, cx + faceWidth, height, clothingTone);
        fillEllipse(px, cx, torsoTop + faceWidth / 5, faceWidth, faceWidth / 4, clothingTone);
        fillRect(px, cx - faceWidth / 6, y + fh * 8 / 10, cx + faceWidth / 6, torsoTop + 2, f.skinTone - 25);
        drawFace(image, f, x, y, faceWidth);
    }

    /** Draws a face into the box at (x, y) of the given width and {@link FacialFeatures#boxHeight} height. */
    public void drawFace(BufferedImage image, FacialFeatures f, int x, int y, int faceWidth) {
        byte[] px = buffer(image);
        int imgW = image.getWidth();
        int imgH = image.getHeight();
        int fw = faceWidth;
        int fh = FacialFeatures.boxHeight(fw);
        double ovalRx = f.ovalWidth / 2;
        double ovalRy = 0.47;
        double headRx = ovalRx + 0.05;
        double headRy = 0.52;
        int grid = FacialFeatures.TEXTURE_GRID;
        for (int j = 0; j < fh; j++) {
            int py = y + j;
            if (py < 0 || py >= imgH) {
                continue;
            }
            double v = (j + 0.5) / fh;
            for (int i = 0; i < fw; i++) {
                int pxX = x + i;
                if (pxX < 0 || pxX >= imgW) {
                    continue;
                }
                double u = (i + 0.5) / fw;
                int tone = faceTone(f, u, v, ovalRx, ovalRy, headRx, headRy, grid);
                if (tone >= 0) {
                    px[py * imgW + pxX] = (byte) clamp(tone);
                }
            }
        }
    }

    /** Tone of the face at box coordinates (u, v) in [0,1), or -1 where the background shows. */
    private static int faceTone(FacialFeatures f, double u, double v, double ovalRx, double ovalRy,
                                double headRx, double headRy, int grid) {
        double du = (u - 0.5) / ovalRx;
        double dv = (v - 0.53) / ovalRy;
        boolean inOval = du * du + dv * dv <= 1.0;
        double hu = (u - 0.5) / headRx;
        double hv = (v - 0.5) / headRy;
        boolean inHead = hu * hu + hv * hv <= 1.0;
        if (!inOval) {
            if (inHead && f.hairStyle != 2 && (v < 0.3 || (f.hairStyle == 1 && v < 0.8))) {
                return f.hairTone;
            }
            return -1;
        }
        if (f.hairStyle != 2 && v < f.hairLine) {
            return f.hairTone;
        }
        int gx = Math.min(grid - 1, (int) (u * grid));
        int gy = Math.min(grid - 1, (int) (v * grid));
        int tone = f.skinTone + f.texture[gy * grid + gx];

        // eyes in their shadowed sockets, glasses and brows
        boolean socket = false;
        for (int side = -1; side <= 1; side += 2) {
            double ex = 0.5 + side * f.eyeDx;
            double eu = (u - ex) / (f.eyeW / 2);
            double ev = (v - f.eyeY) / (f.eyeH / 2);
            double e = eu * eu + ev * ev;
            if (e <= 1.0) {
                return e <= 0.3 ? f.eyeTone / 2 : f.eyeTone;
            }
            if (f.glasses) {
                double gu = (u - ex) / (f.eyeW / 2 + 0.05);
                double gv = (v - f.eyeY) / (f.eyeH / 2 + 0.045);
                double g = gu * gu + gv * gv;
                if (g <= 1.0 && g >= 0.62) {
                    return 35;
                }
            }
            double su = (u - ex) / (f.eyeW / 2 + 0.045);
            double sv = (v - f.eyeY) / (f.eyeH / 2 + 0.04);
            if (su * su + sv * sv <= 1.0) {
                socket = true;
            }
            double browBottom = f.eyeY - f.eyeH / 2 - 0.035;
            if (f.browThickness > 0 && v <= browBottom && v >= browBottom - f.browThickness
                    && Math.abs(u - ex) <= f.eyeW * 0.65) {
                return f.browTone;
            }
        }
        if (f.glasses && Math.abs(v - f.eyeY) <= 0.012 && Math.abs(u - 0.5) < f.eyeDx - f.eyeW / 2 - 0.03) {
            return 35;
        }
        if (socket) {
            return tone - 35;
        }
        // mouth and facial hair
        double mu = (u - 0.5) / (f.mouthW / 2);
        double mv = (v - f.mouthY) / (f.mouthH / 2);
        if (mu * mu + mv * mv <= 1.0) {
            return f.mouthTone;
        }
        if (f.moustache && Math.abs(u - 0.5) <= f.mouthW / 2 + 0.02
                && v >= f.mouthY - f.mouthH / 2 - 0.05 && v <= f.mouthY - f.mouthH / 2 - 0.01) {
            return f.hairTone;
        }
        if (f.beard && v >= f.mouthY - 0.06) {
            return Math.max(f.hairTone + 40, f.mouthTone + 40);
        }
        // nose: a shadowed ridge and the nostrils
        double noseTop = f.eyeY + 0.05;
        double noseBottom = f.eyeY + f.noseLength;
        if (v >= noseTop && v <= noseBottom && Math.abs(u - 0.5) <= 0.025) {
            return tone - 22;
        }
        if (v > noseBottom && v <= noseBottom + 0.03 && Math.abs(u - 0.5) <= 0.07) {
            return tone - 38;
        }
        return tone;
    }

    // ------------------------------------------------------------------ other things that move

    /** A cat: body, head and tail, facing left or right. */
    public void drawCat(BufferedImage image, int x, int y, int size, int tone, boolean facingRight) {
        byte[] px = buffer(image);
        int dir = facingRight ? 1 : -1;
        fillEllipse(px, x, y, size, size / 2, tone);
        fillEllipse(px, x + dir * size, y - size / 2, size / 2, size / 2, tone);
        fillRect(px, x - dir * size - (facingRight ? size / 2 : 0), y - size / 3,
                x - dir * size + (facingRight ? 0 : size / 2), y - size / 3 + 3, tone);
        for (int leg = -1; leg <= 1; leg += 2) {
            fillRect(px, x + leg * size / 2 - 2, y + size / 3, x + leg * size / 2 + 2, y + size, tone);
        }
    }

    /** A leaf or small blob. */
    public void drawBlob(BufferedImage image, int x, int y, int rx, int ry, int tone) {
        fillEllipse(buffer(image), x, y, rx, ry, tone);
    }

    /** Darkens a vertical band of the image, as the shadow of something passing the lamp. */
    public void drawShadow(BufferedImage image, int left, int right, int depth) {
        byte[] px = buffer(image);
        int l = Math.max(0, left);
        int r = Math.min(width, right);
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = l; x < r; x++) {
                px[row + x] = (byte) clamp((px[row + x] & 0xff) - depth);
            }
        }
    }

    /** Adds a global brightness offset (a cloud, a light switched on). */
    public void addBrightness(BufferedImage image, int delta) {
        if (delta == 0) {
            return;
        }
        byte[] px = buffer(image);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) clamp((px[i] & 0xff) + delta);
        }
    }

    /**
     * Adds sensor noise: each pixel moves by a triangular-distributed amount of at most
     * {@code amplitude}. The noise is a pure function of {@code seed}.
     */
    public static void addNoise(BufferedImage image, long seed, int amplitude) {
        byte[] px = buffer(image);
        long s = seed ^ 0x9E3779B97F4A7C15L;
        if (s == 0) {
            s = 1;
        }
        int span = 2 * amplitude + 1;
        for (int i = 0; i < px.length; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            int a = (int) ((s & 0xffff) * span >>> 16);
            int b = (int) (((s >>> 16) & 0xffff) * span >>> 16);
            int n = (a + b) / 2 - amplitude;
            px[i] = (byte) clamp((px[i] & 0xff) + n);
        }
    }

    // ------------------------------------------------------------------ primitives

    private void fillRect(byte[] px, int x0, int y0, int x1, int y1, int tone) {
        fillRect(px, width, height, x0, y0, x1, y1, tone);
    }

    static void fillRect(byte[] px, int w, int h, int x0, int y0, int x1, int y1, int tone) {
        byte t = (byte) clamp(tone);
        int l = Math.max(0, x0);
        int r = Math.min(w, x1);
        for (int y = Math.max(0, y0); y < Math.min(h, y1); y++) {
            for (int x = l; x < r; x++) {
                px[y * w + x] = t;
            }
        }
    }

    private void outlineRect(byte[] px, int x0, int y0, int x1, int y1, int thickness, int tone) {
        fillRect(px, x0, y0, x1, y0 + thickness, tone);
        fillRect(px, x0, y1 - thickness, x1, y1, tone);
        fillRect(px, x0, y0, x0 + thickness, y1, tone);
        fillRect(px, x1 - thickness, y0, x1, y1, tone);
    }

    private void fillEllipse(byte[] px, int cx, int cy, int rx, int ry, int tone) {
        if (rx <= 0 || ry <= 0) {
            return;
        }
        byte t = (byte) clamp(tone);
        for (int y = Math.max(0, cy - ry); y <= Math.min(height - 1, cy + ry); y++) {
            double dy = (y - cy) / (double) ry;
            double half = rx * Math.sqrt(Math.max(0, 1 - dy * dy));
            int l = Math.max(0, (int) Math.ceil(cx - half));
            int r = Math.min(width - 1, (int) Math.floor(cx + half));
            for (int x = l; x <= r; x++) {
                px[y * width + x] = t;
            }
        }
    }

    static int clamp(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }
}
