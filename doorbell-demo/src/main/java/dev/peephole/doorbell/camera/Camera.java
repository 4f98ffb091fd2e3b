package dev.peephole.doorbell.camera;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.time.Clock;
import java.util.List;
import java.util.Random;

/**
 * The doorbell camera. It films a simulated doorstep: mostly an empty porch with sensor noise,
 * now and then a cat, falling leaves or a passing shadow, and visitors: residents, known
 * visitors, strangers and, sometimes, someone on the blacklist. Visitors walk up, wait, sometimes
 * ring the bell, and leave. About one frame in a hundred arrives corrupt (a truncated pixel
 * buffer).
 *
 * <p>The sequence of frames is a pure function of the seed, the frame rate and the size; only
 * the timestamps come from the clock. {@link #capture()} renders the next frame and returns at
 * once: the caller paces it at {@link #getFps()}.
 */
public class Camera implements FrameSource {
    public static final int DEFAULT_WIDTH = 320;
    public static final int DEFAULT_HEIGHT = 240;
    /** Probability that a frame's transfer is cut short. */
    public static final double CORRUPT_PROBABILITY = 0.01;
    static final int NOISE_AMPLITUDE = 3;

    private final int width;
    private final int height;
    private final int fps;
    private final long seed;
    private final Clock clock;
    private final Cast cast;
    private final SceneRenderer renderer;
    private final Random random;

    private long nextFrameId = 1;
    private int strangerCount;
    private Episode episode;
    private boolean idleNext = true;
    private volatile SceneInfo lastScene;

    public Camera(int fps, long seed) {
        this(DEFAULT_WIDTH, DEFAULT_HEIGHT, fps, seed, Cast.standard(), Clock.systemUTC());
    }

    public Camera(int width, int height, int fps, long seed, Cast cast, Clock clock) {
        if (fps < 1) {
            throw new IllegalArgumentException("fps must be at least 1");
        }
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.seed = seed;
        this.cast = cast;
        this.clock = clock;
        this.renderer = new SceneRenderer(width, height);
        this.random = new Random(seed);
    }

    /** Renders and returns the next frame. */
    public synchronized Frame capture() {
        long id = nextFrameId++;
        if (episode == null || episode.done()) {
            episode = nextEpisode();
        }
        BufferedImage image = renderer.newFrameImage();
        Shot shot = episode.render(image);
        SceneRenderer.addNoise(image, seed * 0x2545F4914F6CDD1DL + id, NOISE_AMPLITUDE);

        boolean corrupt = random.nextDouble() < CORRUPT_PROBABILITY;
        if (corrupt) {
            image = truncate(image, 1 + random.nextInt(height - 1));
        }
        lastScene = new SceneInfo(id, episode.kind, episode.description, shot.visitorId, shot.visitorName,
                shot.faceBox, shot.bell, corrupt);
        return new Frame(id, clock.instant(), width, height, image, shot.bell);
    }

    /** Ground truth of the most recently captured frame. */
    public SceneInfo getLastScene() {
        return lastScene;
    }

    @Override
    public int getFps() {
        return fps;
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    public Cast getCast() {
        return cast;
    }

    /** What arrives when the transfer stops after {@code rows} rows. */
    private BufferedImage truncate(BufferedImage full, int rows) {
        BufferedImage cut = new BufferedImage(width, rows, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(SceneRenderer.buffer(full), 0, SceneRenderer.buffer(cut), 0, width * rows);
        return cut;
    }

    // ------------------------------------------------------------------ the script

    private int frames(double seconds) {
        return Math.max(1, (int) Math.round(seconds * fps));
    }

    private double between(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    private Episode nextEpisode() {
        boolean idle = idleNext;
        idleNext = !idleNext;
        if (idle) {
            return new Idle(frames(between(0.5, 2.5)));
        }
        return random.nextDouble() < 0.7 ? newVisit() : newCritter();
    }

    private Episode newVisit() {
        double pick = random.nextDouble();
        String id;
        String name;
        FacialFeatures face;
        CastMember member = null;
        if (pick < 0.35) {
            member = pickFrom(cast.byCategory(CastMember.Category.RESIDENT));
        } else if (pick < 0.60) {
            member = pickFrom(cast.byCategory(CastMember.Category.VISITOR));
        } else if (pick < 0.88) {
            member = null;
        } else {
            member = pickFrom(cast.byCategory(CastMember.Category.BLACKLISTED));
        }
        if (member != null) {
            id = member.getId();
            name = member.getName();
            face = member.getFace();
        } else {
            strangerCount++;
            id = "stranger-" + strangerCount;
            name = "a stranger";
            face = FacialFeatures.random(random);
        }
        return new Visit(id, name, face);
    }

    private CastMember pickFrom(List<CastMember> members) {
        if (members.isEmpty()) {
            return null;
        }
        return members.get(random.nextInt(members.size()));
    }

    private Episode newCritter() {
        int which = random.nextInt(3);
        if (which == 0) {
            return new CatWalk();
        } else if (which == 1) {
            return new Leaves();
        }
        return new Shadow();
    }

    /** What one rendered frame shows. */
    private static final class Shot {
        static final Shot NOTHING = new Shot(null, null, null, false);
        final String visitorId;
        final String visitorName;
        final Rectangle faceBox;
        final boolean bell;

        Shot(String visitorId, String visitorName, Rectangle faceBox, boolean bell) {
            this.visitorId = visitorId;
            this.visitorName = visitorName;
            this.faceBox = faceBox;
            this.bell = bell;
        }
    }

    private abstract static class Episode {
        final SceneInfo.Kind kind;
        final String description;
        int length;
        int t;

        Episode(SceneInfo.Kind kind, String description, int length) {
            this.kind = kind;
            this.description = description;
            this.length = length;
        }

        boolean done() {
            return t >= length;
        }

        final Shot render(BufferedImage image) {
            Shot shot = draw(image, t, t / (double) Math.max(1, length - 1));
            t++;
            return shot;
        }

        abstract Shot draw(BufferedImage image, int frame, double progress);
    }

    private static final class Idle extends Episode {
        Idle(int length) {
            super(SceneInfo.Kind.EMPTY, "empty porch", length);
        }

        @Override
        Shot draw(BufferedImage image, int frame, double progress) {
            return Shot.NOTHING;
        }
    }

    private final class CatWalk extends Episode {
        private final boolean rightwards = random.nextBoolean();
        private final int size = scaleX(14 + random.nextInt(7));
        private final int tone = 35 + random.nextInt(26);
        private final int y = height * (200 + random.nextInt(12)) / 240;

        CatWalk() {
            super(SceneInfo.Kind.CRITTER, "a cat crosses the porch", 1);
            length = frames(between(2.0, 4.0));
        }

        @Override
        Shot draw(BufferedImage image, int frame, double progress) {
            double p = rightwards ? progress : 1 - progress;
            int x = (int) Math.round(-2 * size + p * (width + 4 * size));
            renderer.drawCat(image, x, y + (frame % 4 < 2 ? 0 : 1), size, tone, rightwards);
            return Shot.NOTHING;
        }
    }

    private final class Leaves extends Episode {
        private final int count = 2 + random.nextInt(3);
        private final int[] startX = new int[count];
        private final int[] size = new int[count];
        private final int[] tone = new int[count];
        private final double[] phase = new double[count];

        Leaves() {
            super(SceneInfo.Kind.CRITTER, "leaves blow past", 1);
            length = frames(between(1.5, 3.0));
            for (int i = 0; i < count; i++) {
                startX[i] = random.nextInt(width);
                size[i] = scaleX(3 + random.nextInt(4));
                tone[i] = random.nextBoolean() ? 40 + random.nextInt(30) : 170 + random.nextInt(40);
                phase[i] = random.nextDouble() * Math.PI * 2;
            }
        }

        @Override
        Shot draw(BufferedImage image, int frame, double progress) {
            for (int i = 0; i < count; i++) {
                int x = startX[i] + (int) Math.round(20 * StrictMath.sin(phase[i] + progress * 6));
                int y = (int) Math.round(-10 + progress * (height + 20) * (0.7 + 0.1 * i));
                renderer.drawBlob(image, x, y, size[i], Math.max(2, size[i] * 2 / 3), tone[i]);
            }
            return Shot.NOTHING;
        }
    }

    private final class Shadow extends Episode {
        private final int bandWidth = scaleX(60 + random.nextInt(61));
        private final int depth = 20 + random.nextInt(16);
        private final boolean rightwards = random.nextBoolean();

        Shadow() {
            super(SceneInfo.Kind.CRITTER, "a shadow passes", 1);
            length = frames(between(1.5, 3.0));
        }

        @Override
        Shot draw(BufferedImage image, int frame, double progress) {
            double p = rightwards ? progress : 1 - progress;
            int left = (int) Math.round(-bandWidth + p * (width + bandWidth));
            renderer.drawShadow(image, left, left + bandWidth, depth);
            return Shot.NOTHING;
        }
    }

    private final class Visit extends Episode {
        private final String visitorId;
        private final String visitorName;
        private final FacialFeatures face;
        private final int clothing = 30 + random.nextInt(80);
        private final boolean fromLeft = random.nextBoolean();
        private final boolean leaveLeft = random.nextBoolean();
        private final int approach = frames(between(1.0, 1.6));
        private final int stand = frames(between(1.8, 4.0));
        private final int leave = frames(between(0.8, 1.2));
        private final int farWidth = scaleX(36);
        private final int nearWidth = scaleX(52 + random.nextInt(11));
        private final int targetCx = width / 2 + scaleX(random.nextInt(41) - 20);
        private final int nearTop = height * (40 + random.nextInt(21)) / 240;
        private final int farTop = height * 70 / 240;
        private final int brightness = random.nextInt(25) - 12;
        private final double swayPhase = random.nextDouble() * Math.PI * 2;
        private final int ringAt;
        private final int ringFrames = frames(0.4);

        Visit(String visitorId, String visitorName, FacialFeatures face) {
            super(SceneInfo.Kind.VISITOR, "visitor " + visitorId, 1);
            this.visitorId = visitorId;
            this.visitorName = visitorName;
            this.face = face;
            length = approach + stand + leave;
            this.ringAt = random.nextDouble() < 0.55
                    ? approach + (int) Math.round(stand * between(0.2, 0.6)) : -1;
        }

        @Override
        Shot draw(BufferedImage image, int frame, double progress) {
            double nearness;   // 0 far away at the edge, 1 at the door
            int edgeCx;
            if (frame < approach) {
                nearness = (frame + 1) / (double) approach;
                edgeCx = fromLeft ? -farWidth / 3 : width + farWidth / 3;
            } else if (frame < approach + stand) {
                nearness = 1;
                edgeCx = targetCx;
            } else {
                nearness = 1 - (frame - approach - stand + 1) / (double) leave;
                edgeCx = leaveLeft ? -farWidth / 3 : width + farWidth / 3;
            }
            int fw = (int) Math.round(farWidth + nearness * (nearWidth - farWidth));
            int cx = (int) Math.round(edgeCx + nearness * (targetCx - edgeCx));
            int top = (int) Math.round(farTop + nearness * (nearTop - farTop));
            double time = frame / (double) fps;
            cx += (int) Math.round(2 * StrictMath.sin(swayPhase + time * 2.1));
            top += (int) Math.round(StrictMath.sin(swayPhase + time * 1.3));
            int x = cx - fw / 2;
            renderer.addBrightness(image, brightness);
            renderer.drawPerson(image, face, x, top, fw, clothing);
            int fh = FacialFeatures.boxHeight(fw);
            Rectangle box = x >= 0 && top >= 0 && x + fw <= width && top + fh <= height
                    ? new Rectangle(x, top, fw, fh) : null;
            boolean bell = ringAt >= 0 && frame >= ringAt && frame < ringAt + ringFrames;
            return new Shot(visitorId, visitorName, box, bell);
        }
    }

    private int scaleX(int v) {
        return Math.max(1, v * width / DEFAULT_WIDTH);
    }
}
