package dev.peephole.doorbell;

import dev.peephole.doorbell.api.ApiServer;
import dev.peephole.doorbell.api.StatusSource;
import dev.peephole.doorbell.camera.Camera;
import dev.peephole.doorbell.camera.Cast;
import dev.peephole.doorbell.events.EventProcessor;
import dev.peephole.doorbell.events.EventStore;
import dev.peephole.doorbell.vision.FaceDetector;
import dev.peephole.doorbell.vision.FaceEncoder;
import dev.peephole.doorbell.vision.FaceRecognizer;
import dev.peephole.doorbell.vision.Gallery;
import dev.peephole.doorbell.vision.MotionDetector;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The doorbell app: a camera watching the doorstep, motion and face detection, face recognition
 * against the household's gallery, doorbell events, and an HTTP API.
 *
 * <p>{@link #main} runs it until the JVM is asked to stop; {@link #start} runs it in-process.
 */
public final class DoorbellApp implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DoorbellApp.class.getName());
    static final long STATS_LOG_SECONDS = 60;

    private final AppConfig config;
    private final long startNanos = System.nanoTime();
    private final PipelineStats stats = new PipelineStats();
    private final EventStore events = new EventStore(EventStore.DEFAULT_CAPACITY);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private Gallery gallery;
    private Camera camera;
    private DoorbellPipeline pipeline;
    private ApiServer api;
    private ScheduledExecutorService reporter;

    private DoorbellApp(AppConfig config) {
        this.config = config;
    }

    public static void main(String[] args) {
        AppConfig config;
        try {
            config = AppConfig.parse(args);
        } catch (UsageException e) {
            System.err.println("doorbell-demo: " + e.getMessage());
            System.err.println(AppConfig.USAGE);
            System.exit(2);
            return;
        }
        if (config.isHelp()) {
            System.out.println(AppConfig.USAGE);
            return;
        }
        LogFormat.install();
        DoorbellApp app;
        try {
            app = start(config);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.SEVERE, "could not start: " + e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "doorbell-shutdown"));
        try {
            app.awaitStop();
        } catch (InterruptedException e) {
            app.close();
        }
    }

    /** Starts the app: trains and enrols, starts the pipeline and the HTTP API. */
    public static DoorbellApp start(AppConfig config) throws IOException {
        DoorbellApp app = new DoorbellApp(config);
        try {
            app.startUp();
        } catch (IOException | RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    private void startUp() throws IOException {
        LOG.info("starting doorbell camera (" + config + ")");
        long t0 = System.nanoTime();
        Cast cast = Cast.standard();
        FaceDetector faceDetector = new FaceDetector();
        FaceEncoder encoder = Enrollment.standardEncoder();
        gallery = Enrollment.enrollCast(cast, faceDetector, encoder, Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT);
        LOG.info(String.format("face model ready, %d people enrolled (%d ms)", gallery.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));

        camera = new Camera(Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT, config.getFps(), config.getSeed(), cast,
                Clock.systemUTC());
        EventProcessor processor = new EventProcessor(events, e -> LOG.info("event " + e));
        pipeline = new DoorbellPipeline(camera, new MotionDetector(), faceDetector,
                new FaceRecognizer(gallery, encoder), processor, stats);
        api = new ApiServer(config.getBindAddress(), config.getHttpPort(), events, gallery, new StatusSource() {
            @Override
            public boolean isRunning() {
                return pipeline.isRunning();
            }

            @Override
            public long getFramesProcessed() {
                return stats.getFramesProcessed();
            }

            @Override
            public long getUptimeSeconds() {
                return DoorbellApp.this.getUptimeSeconds();
            }
        });
        pipeline.start();
        api.start();
        reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stats-reporter");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleAtFixedRate(() -> LOG.info("stats " + stats), STATS_LOG_SECONDS, STATS_LOG_SECONDS,
                TimeUnit.SECONDS);
        LOG.info("doorbell ready: http://" + config.getBindAddress() + ":" + api.getPort() + "/api/health");
    }

    /** The port the HTTP API listens on. */
    public int getHttpPort() {
        return api.getPort();
    }

    public PipelineStats getStats() {
        return stats;
    }

    public EventStore getEvents() {
        return events;
    }

    public Gallery getGallery() {
        return gallery;
    }

    public boolean isRunning() {
        return pipeline != null && pipeline.isRunning() && !closing.get();
    }

    public long getUptimeSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the HTTP API and the pipeline; idempotent; takes a few seconds at most. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                stopped.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            LogFormat.logAtShutdown(LOG, Level.INFO, "shutting down");
            if (reporter != null) {
                reporter.shutdownNow();
            }
            if (api != null) {
                api.close();
            }
            if (pipeline != null) {
                pipeline.close();
            }
            LogFormat.logAtShutdown(LOG, Level.INFO, "stopped after " + getUptimeSeconds() + " s: " + stats);
        } finally {
            stopped.countDown();
        }
    }
}
