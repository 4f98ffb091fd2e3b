package dev.peephole.doorbell;

import dev.peephole.doorbell.camera.CorruptFrameException;
import dev.peephole.doorbell.camera.Frame;
import dev.peephole.doorbell.camera.FrameSource;
import dev.peephole.doorbell.events.DoorbellEvent;
import dev.peephole.doorbell.events.EventProcessor;
import dev.peephole.doorbell.vision.FaceDetector;
import dev.peephole.doorbell.vision.FaceRecognizer;
import dev.peephole.doorbell.vision.FaceRegion;
import dev.peephole.doorbell.vision.FrameAnalysis;
import dev.peephole.doorbell.vision.MotionDetector;
import dev.peephole.doorbell.vision.MotionResult;
import dev.peephole.doorbell.vision.RecognitionResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The frame pipeline, one stage per thread as the real thing does it:
 * <pre>
 *   camera-capture ──frames──▶ motion-detector ──▶ face-worker-N (pool) ──analyses──▶ event-processor
 *       (paced at fps)  queue       (every frame)     detect + recognise       queue     (events)
 * </pre>
 * Every hand-over is bounded and drops the oldest item when full, so a slow stage never makes
 * memory grow; drops are counted. Frames go on to face detection while there is motion, for
 * {@link #MOTION_HOLD} after it, and whenever the doorbell button is pressed.
 */
public final class DoorbellPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DoorbellPipeline.class.getName());

    /** How long face detection keeps running after the last motion. */
    public static final Duration MOTION_HOLD = Duration.ofSeconds(2);
    static final int FRAME_QUEUE = 8;
    static final int FACE_QUEUE = 4;
    static final int ANALYSIS_QUEUE = 64;
    static final int FACE_WORKERS = 2;

    private final FrameSource camera;
    private final MotionDetector motionDetector;
    private final FaceDetector faceDetector;
    private final FaceRecognizer recognizer;
    private final EventProcessor eventProcessor;
    private final PipelineStats stats;

    private final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(FRAME_QUEUE);
    private final BlockingQueue<FrameAnalysis> analyses = new ArrayBlockingQueue<>(ANALYSIS_QUEUE);
    private final ThreadPoolExecutor faceWorkers;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private Instant lastMotion;

    public DoorbellPipeline(FrameSource camera, MotionDetector motionDetector, FaceDetector faceDetector,
                            FaceRecognizer recognizer, EventProcessor eventProcessor, PipelineStats stats) {
        this.camera = camera;
        this.motionDetector = motionDetector;
        this.faceDetector = faceDetector;
        this.recognizer = recognizer;
        this.eventProcessor = eventProcessor;
        this.stats = stats;
        RejectedExecutionHandler dropOldest = (task, pool) -> {
            if (pool.isShutdown()) {
                return;
            }
            if (pool.getQueue().poll() != null) {
                stats.faceTasksDropped.incrementAndGet();
            }
            pool.execute(task);
        };
        this.faceWorkers = new ThreadPoolExecutor(FACE_WORKERS, FACE_WORKERS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(FACE_QUEUE), named("face-worker"), dropOldest);
    }

    /** Starts the capture, motion and event threads. */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("already running");
        }
        running = true;
        threads.add(new Thread(this::captureLoop, "camera-capture"));
        threads.add(new Thread(this::motionLoop, "motion-detector"));
        threads.add(new Thread(this::eventLoop, "event-processor"));
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
        LOG.info("pipeline started at " + camera.getFps() + " fps");
    }

    public boolean isRunning() {
        if (!running) {
            return false;
        }
        for (Thread t : threads) {
            if (!t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    public PipelineStats getStats() {
        return stats;
    }

    /** Stops every stage and waits (a few seconds at most) for the threads to end. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        for (Thread t : threads) {
            t.interrupt();
        }
        faceWorkers.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            faceWorkers.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        frames.clear();
        analyses.clear();
        LOG.fine("pipeline stopped");
    }

    // ------------------------------------------------------------------ stages

    private void captureLoop() {
        long interval = TimeUnit.SECONDS.toNanos(1) / camera.getFps();
        long next = System.nanoTime();
        while (running) {
            try {
                Frame frame = camera.capture();
                stats.framesCaptured.incrementAndGet();
                offerDropOldest(frames, frame, stats.framesDropped);
            } catch (RuntimeException e) {
                stats.errors.incrementAndGet();
                LOG.log(Level.WARNING, "capture failed", e);
            }
            next += interval;
            long wait = next - System.nanoTime();
            if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                next = System.nanoTime(); // fell far behind: do not try to catch up in a burst
            } else if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
    }

    private void motionLoop() {
        while (running) {
            Frame frame;
            try {
                frame = frames.take();
            } catch (InterruptedException e) {
                break;
            }
            try {
                if (motionStage(frame)) {
                    faceWorkers.execute(() -> analyzeAndForward(frame));
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                break; // shutting down
            } catch (RuntimeException e) {
                stats.errors.incrementAndGet();
                LOG.log(Level.WARNING, "motion detection failed on frame " + frame.getId(), e);
            }
        }
    }

    private void analyzeAndForward(Frame frame) {
        FrameAnalysis analysis = analyzeStage(frame);
        if (analysis != null && (analysis.getFaceCount() > 0 || analysis.isDoorbellPressed())) {
            offerDropOldest(analyses, analysis, stats.analysesDropped);
        }
    }

    private void eventLoop() {
        while (running) {
            FrameAnalysis analysis;
            try {
                analysis = analyses.take();
            } catch (InterruptedException e) {
                break;
            }
            eventStage(analysis);
        }
    }

    /** Motion detection; true when the frame should go on to face detection. */
    boolean motionStage(Frame frame) {
        MotionResult motion = motionDetector.detect(frame);
        stats.framesProcessed.incrementAndGet();
        Instant t = frame.getTimestamp();
        if (motion.isMotion()) {
            stats.motionFrames.incrementAndGet();
            lastMotion = t;
        }
        boolean holding = lastMotion != null && !t.isAfter(lastMotion.plus(MOTION_HOLD));
        return motion.isMotion() || holding || frame.isDoorbellPressed();
    }

    /** Face detection and recognition; null when the frame could not be analysed. */
    FrameAnalysis analyzeStage(Frame frame) {
        try {
            List<FaceRegion> faces = faceDetector.detect(frame);
            List<RecognitionResult> results = new ArrayList<>(faces.size());
            for (FaceRegion face : faces) {
                RecognitionResult r = recognizer.recognize(frame, face);
                if (r.isKnown()) {
                    stats.facesRecognized.incrementAndGet();
                }
                results.add(r);
            }
            stats.framesAnalyzed.incrementAndGet();
            stats.facesDetected.addAndGet(faces.size());
            return new FrameAnalysis(frame.getId(), frame.getTimestamp(), frame.isDoorbellPressed(), results);
        } catch (CorruptFrameException e) {
            stats.corruptFrames.incrementAndGet();
            LOG.warning("skipping corrupt frame: " + e.getMessage());
            return null;
        } catch (RuntimeException e) {
            stats.errors.incrementAndGet();
            LOG.log(Level.WARNING, "face analysis failed on frame " + frame.getId(), e);
            return null;
        }
    }

    /** Event processing. */
    List<DoorbellEvent> eventStage(FrameAnalysis analysis) {
        try {
            List<DoorbellEvent> events = eventProcessor.process(analysis);
            stats.events.addAndGet(events.size());
            return events;
        } catch (RuntimeException e) {
            stats.errors.incrementAndGet();
            LOG.log(Level.WARNING, "event processing failed on frame " + analysis.getFrameId(), e);
            return new ArrayList<>();
        }
    }

    /**
     * Runs {@code count} frames through every stage on the calling thread, in order, without
     * pacing, queues or drops: the same stage code as the threads, made deterministic (tests,
     * benchmarks). Do not mix with {@link #start()}.
     */
    public List<DoorbellEvent> runInline(int count) {
        if (running) {
            throw new IllegalStateException("pipeline is running");
        }
        List<DoorbellEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Frame frame = camera.capture();
            stats.framesCaptured.incrementAndGet();
            if (!motionStage(frame)) {
                continue;
            }
            FrameAnalysis analysis = analyzeStage(frame);
            if (analysis != null && (analysis.getFaceCount() > 0 || analysis.isDoorbellPressed())) {
                events.addAll(eventStage(analysis));
            }
        }
        return events;
    }

    private static <T> void offerDropOldest(BlockingQueue<T> queue, T item, AtomicLong drops) {
        while (!queue.offer(item)) {
            if (queue.poll() != null) {
                drops.incrementAndGet();
            }
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
