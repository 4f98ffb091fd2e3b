package dev.peephole.bench.agent;

import dev.peephole.doorbell.DoorbellPipeline;
import dev.peephole.doorbell.PipelineStats;
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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Category;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The doorbell demo's own pipeline classes (from doorbell-demo.jar on the class path, so an
 * agent weaves them as it weaves the app), built as the app builds them, run frame by frame
 * as fast as they go ({@code DoorbellPipeline.runInline(1)}: capture, motion, face detection
 * and recognition, events, on one thread, no pacing or queues). Prints frames/s, the frame
 * latency distribution, and the heap in use after a full GC.
 *
 * <p>The camera's clock advances 1/fps per frame and the scene restarts every
 * {@code --lap-frames} frames (a new camera with the same seed, a new motion detector), so every run sees the same
 * frames in the same order whatever its speed.
 *
 * <pre>
 * java [-javaagent:...] -cp peephole-bench.jar:doorbell-demo.jar dev.peephole.bench.agent.DemoFrames \
 *   [--seconds 60] [--warmup-seconds 10] [--fps 10] [--seed 42] [--lap-frames 3000] [--pace-fps 0]
 * </pre>
 * With {@code --pace-fps N} the measured frames start N times a second (as the app's camera
 * paces them) instead of back to back; latencies are those of the frames' own work.
 */
public final class DemoFrames {
    static final String USAGE = """
            usage: DemoFrames [--seconds 60] [--warmup-seconds 10] [--fps 10] [--seed 42] [--lap-frames 3000]
                              [--pace-fps 0] [--frame-cpu 0] [--frame-log FILE] [--turns HOST:PORT]
            --fps: the camera's frame rate (scene timing); --pace-fps: frames started per second in the
            measurement, 0 for as fast as they go; --frame-cpu 1: also the frame thread's own CPU time
            per frame (and the wall time it was not on a CPU), each frame as a JFR event
            dev.peephole.bench.Frame for a recording to line up with GC, safepoints and other threads;
            --frame-log FILE: each measured frame's index, latency and (with --frame-cpu 1) CPU time in ms,
            a line each, for pooling many runs' frames (FramePool); --turns HOST:PORT: warm up and measure
            in the turns a TurnTaker there gives (--seconds and --warmup-seconds are then its).""";

    private DemoFrames() {
    }

    /** Advances by one frame interval on every reading: frame timestamps do not depend on speed. */
    static final class FrameClock extends Clock {
        private final long stepNanos;
        private Instant now;

        FrameClock(Instant start, int fps) {
            this.now = start;
            this.stepNanos = TimeUnit.SECONDS.toNanos(1) / fps;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public synchronized Instant instant() {
            Instant t = now;
            now = now.plusNanos(stepNanos);
            return t;
        }
    }

    public static void main(String[] argv) throws Exception {
        int seconds;
        int warmup;
        int fps;
        int seed;
        int lap;
        int pace;
        boolean frameCpu;
        String frameLog;
        String turns;
        try {
            Variants args = Variants.ofThisRun(argv, Map.of("seconds", "60", "warmup-seconds", "10",
                    "fps", "10", "seed", "42", "lap-frames", "3000", "pace-fps", "0", "frame-cpu", "0", "frame-log", "", "turns", ""));
            seconds = args.positiveInt("seconds");
            warmup = args.positiveInt("warmup-seconds");
            fps = args.positiveInt("fps");
            seed = args.positiveInt("seed");
            lap = args.positiveInt("lap-frames");
            pace = "0".equals(args.options.get("pace-fps")) ? 0 : args.positiveInt("pace-fps");
            String fc = args.options.get("frame-cpu");
            if (!fc.equals("0") && !fc.equals("1")) {
                throw new Variants.BadArgs("--frame-cpu wants 0 or 1, got '" + fc + "'");
            }
            frameCpu = fc.equals("1");
            frameLog = args.options.get("frame-log");
            turns = args.options.get("turns");
            if (!turns.isEmpty() && !turns.matches("[^:]+:\\d+")) {
                throw new Variants.BadArgs("--turns wants HOST:PORT, got '" + turns + "'");
            }
        } catch (Variants.BadArgs e) {
            System.err.println("DemoFrames: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Cast cast = Cast.standard();
        FaceDetector faceDetector = new FaceDetector();
        FaceEncoder encoder = Enrollment0.encoder();
        Gallery gallery = Enrollment0.gallery(cast, faceDetector, encoder);
        FaceRecognizer recognizer = new FaceRecognizer(gallery, encoder);

        Run warm = new Run(cast, faceDetector, recognizer, fps, seed, lap);
        Run run = new Run(cast, faceDetector, recognizer, fps, seed, lap);
        Measured measured = new Measured(run, pace, frameCpu);
        // The measured window in JVM uptime (the clock of -Xlog's "uptime" decorator), so a GC log
        // can be cut to exactly these frames: counting from a fixed uptime would also count the
        // warm-up of a JVM that took longer to start (an agent's).
        long uptimeStartMs;
        if (turns.isEmpty()) {
            warm.runFor(TimeUnit.SECONDS.toNanos(warmup));
            uptimeStartMs = ManagementFactory.getRuntimeMXBean().getUptime();
            measured.runFor(TimeUnit.SECONDS.toNanos(seconds));
        } else {
            uptimeStartMs = takeTurns(turns, warm, measured);
        }
        long uptimeEndMs = ManagementFactory.getRuntimeMXBean().getUptime();
        int n = measured.n;
        double elapsed = measured.nanos / 1e9;
        double[] latencies = measured.latencies;
        double[] cpus = measured.cpus;
        double[] ms = Arrays.copyOf(latencies, n);

        if (!frameLog.isEmpty()) {
            writeFrameLog(java.nio.file.Path.of(frameLog), ms, frameCpu ? cpus : null);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        double heapMiB = memory.getHeapMemoryUsage().getUsed() / 1048576.0;
        double nonHeapMiB = memory.getNonHeapMemoryUsage().getUsed() / 1048576.0;

        double framesPerSecond = n / elapsed;
        System.out.printf("frames: %d in %.1f s = %.1f frames/s (events %d, frames analysed %d)%n", n, elapsed,
                framesPerSecond, run.events, run.analysed());
        System.out.printf("frame latency ms: p50 %.3f, p90 %.3f, p99 %.3f, max %.3f%n",
                Variants.quantile(ms, 0.5), Variants.quantile(ms, 0.9), Variants.quantile(ms, 0.99),
                Variants.quantile(ms, 1.0));
        String cpuResult = "";
        if (frameCpu) {
            double[] cpu = Arrays.copyOf(cpus, n);
            double[] off = new double[n];
            for (int i = 0; i < n; i++) {
                off[i] = Math.max(0, ms[i] - cpu[i]);
            }
            System.out.printf("frame thread CPU ms: p50 %.3f, p90 %.3f, p99 %.3f, max %.3f%n",
                    Variants.quantile(cpu, 0.5), Variants.quantile(cpu, 0.9), Variants.quantile(cpu, 0.99),
                    Variants.quantile(cpu, 1.0));
            System.out.printf("frame wall minus CPU ms (off a CPU): p50 %.3f, p90 %.3f, p99 %.3f, max %.3f%n",
                    Variants.quantile(off, 0.5), Variants.quantile(off, 0.9), Variants.quantile(off, 0.99),
                    Variants.quantile(off, 1.0));
            cpuResult = String.format(" cpu_p99_ms=%.3f offcpu_p99_ms=%.3f", Variants.quantile(cpu, 0.99),
                    Variants.quantile(off, 0.99));
        }
        System.out.printf("after full GC: heap used %.1f MiB, non-heap used %.1f MiB%n", heapMiB, nonHeapMiB);
        System.out.printf("RESULT measured_from_uptime_s=%.3f measured_to_uptime_s=%.3f%n", uptimeStartMs / 1e3,
                uptimeEndMs / 1e3);
        System.out.printf("RESULT frames_per_second=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f heap_used_mib=%.1f nonheap_used_mib=%.1f frames=%d%s%n",
                framesPerSecond, Variants.quantile(ms, 0.5), Variants.quantile(ms, 0.9), Variants.quantile(ms, 0.99),
                heapMiB, nonHeapMiB, n, cpuResult);
    }

    private static void writeFrameLog(java.nio.file.Path file, double[] ms, double[] cpu) throws java.io.IOException {
        StringBuilder out = new StringBuilder(ms.length * 24);
        for (int i = 0; i < ms.length; i++) {
            out.append(i).append(' ').append(String.format("%.4f", ms[i]));
            if (cpu != null) {
                out.append(' ').append(String.format("%.4f", cpu[i]));
            }
            out.append('\n');
        }
        java.nio.file.Files.writeString(file, out);
    }

    /**
     * Warm-up and measurement in the turns of a {@link TurnTaker}: frames run only while it is
     * this JVM's turn, and the frame thread waits on the socket in between. Returns the JVM
     * uptime at the start of the first measured turn.
     */
    private static long takeTurns(String hostPort, Run warm, Measured measured)
            throws IOException, InterruptedException {
        int colon = hostPort.lastIndexOf(':');
        long uptimeStartMs = -1;
        try (TurnTaker.Seat seat = new TurnTaker.Seat(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)))) {
            for (TurnTaker.Turn turn = seat.next(); turn != null; turn = seat.next()) {
                long nanos = TimeUnit.MILLISECONDS.toNanos(turn.millis());
                if (!turn.measured()) {
                    warm.runFor(nanos);
                } else {
                    if (uptimeStartMs < 0) {
                        uptimeStartMs = ManagementFactory.getRuntimeMXBean().getUptime();
                    }
                    measured.runFor(nanos);
                }
                seat.done();
            }
        }
        if (uptimeStartMs < 0) {
            throw new IOException("the turn taker at " + hostPort + " gave no measured turn");
        }
        return uptimeStartMs;
    }

    /** The measured frames: each one's latency and (with --frame-cpu 1) frame thread CPU time, in ms. */
    private static final class Measured {
        private final Run run;
        private final int pace;
        private final boolean frameCpu;
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] latencies = new double[1 << 16];
        double[] cpus;
        int n;
        /** The time spent measuring: the whole run, or the sum of the measured turns. */
        long nanos;

        Measured(Run run, int pace, boolean frameCpu) {
            this.run = run;
            this.pace = pace;
            this.frameCpu = frameCpu;
            this.cpus = new double[frameCpu ? 1 << 16 : 0];
        }

        /** Frames for the given time, back to back or started at the pace. */
        void runFor(long nanosToRun) throws InterruptedException {
            long start = System.nanoTime();
            long end = start + nanosToRun;
            long now = start;
            long interval = pace == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / pace;
            long next = start;
            while (now < end) {
                if (pace > 0) {
                    next += interval;
                    long wait = next - now;
                    if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                        next = now; // fell far behind: no burst to catch up
                    } else if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                if (n == latencies.length) {
                    latencies = Arrays.copyOf(latencies, n * 2);
                    cpus = Arrays.copyOf(cpus, frameCpu ? n * 2 : 0);
                }
                if (frameCpu) {
                    FrameEvent e = new FrameEvent();
                    e.begin();
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    run.frame();
                    now = System.nanoTime();
                    long cpu = threads.getCurrentThreadCpuTime() - c0;
                    e.end();
                    e.index = n;
                    e.cpuNanos = cpu;
                    e.commit();
                    cpus[n] = cpu / 1e6;
                    latencies[n++] = (now - t0) / 1e6;
                    continue;
                }
                long t0 = System.nanoTime();
                run.frame();
                now = System.nanoTime();
                latencies[n++] = (now - t0) / 1e6;
            }
            nanos += now - start;
        }
    }

    /** The JFR event name of {@link FrameEvent}. */
    static final String FRAME_EVENT = "dev.peephole.bench.Frame";

    /** One measured frame, for lining frames up with a JFR recording's other events. */
    @Name(FRAME_EVENT)
    @Label("Frame")
    @Category("Peephole bench")
    @StackTrace(false)
    static final class FrameEvent extends Event {
        @Label("Index")
        int index;
        @Label("Frame thread CPU")
        @Timespan(Timespan.NANOSECONDS)
        long cpuNanos;
    }

    /** Frames from a camera that restarts every lap, through a fresh pipeline per lap. */
    private static final class Run {
        private final Cast cast;
        private final FaceDetector faceDetector;
        private final FaceRecognizer recognizer;
        private final int fps;
        private final int seed;
        private final int lap;
        private final PipelineStats stats = new PipelineStats();
        private DoorbellPipeline pipeline;
        private int inLap;
        long events;

        Run(Cast cast, FaceDetector faceDetector, FaceRecognizer recognizer, int fps, int seed,
            int lap) {
            this.cast = cast;
            this.faceDetector = faceDetector;
            this.recognizer = recognizer;
            this.fps = fps;
            this.seed = seed;
            this.lap = lap;
        }

        void frame() {
            if (pipeline == null || inLap == lap) {
                Camera camera = new Camera(Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT, fps, seed, cast,
                        new FrameClock(Instant.parse("2026-01-01T12:00:00Z"), fps));
                pipeline = new DoorbellPipeline(camera, new MotionDetector(), faceDetector, recognizer,
                        new EventProcessor(new EventStore()), stats);
                inLap = 0;
            }
            events += pipeline.runInline(1).size();
            inLap++;
        }

        /** Unmeasured frames for the given time (warm-up). */
        void runFor(long nanos) {
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                frame();
            }
        }

        long analysed() {
            return stats.getFramesAnalyzed();
        }
    }

    /** The app's own start-up steps (DoorbellApp.startUp): the encoder and the enrolled cast. */
    private static final class Enrollment0 {
        static FaceEncoder encoder() {
            return dev.peephole.doorbell.Enrollment.standardEncoder();
        }

        static Gallery gallery(Cast cast, FaceDetector detector, FaceEncoder encoder) {
            return dev.peephole.doorbell.Enrollment.enrollCast(cast, detector, encoder, Camera.DEFAULT_WIDTH,
                    Camera.DEFAULT_HEIGHT);
        }
    }
}
