package dev.peephole.bench.agent;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the slow frames of a {@code DemoFrames --frame-cpu 1} run went: reads its JFR recording
 * ({@code -XX:StartFlightRecording=filename=F,settings=profile}) and, for the frames at or above
 * a quantile (0.99 by default), prints their own CPU time against the time the frame thread was
 * not running, the GC pauses and safepoints that overlap them (against all frames), pause totals in
 * the measured window, the execution samples of every thread inside slow frames against inside all
 * frames, main-thread park and monitor events, and when in the second (and the 10-second metrics
 * period) the slow frames fell.
 *
 * <pre>
 * java -cp peephole-bench.jar dev.peephole.bench.agent.FrameTail recording.jfr [0.99]
 * </pre>
 */
public final class FrameTail {
    private FrameTail() {
    }

    record Frame(long start, long end, long cpu) { long dur() { return end - start; } }
    record Iv(long start, long end, String what) {}
    static long ns(Instant i) { return i.getEpochSecond() * 1_000_000_000L + i.getNano(); }

    public static void main(String[] a) throws Exception {
        if (a.length < 1 || a.length > 2) {
            System.err.println("usage: FrameTail recording.jfr [quantile, 0.99]");
            System.exit(2);
        }
        double q = a.length > 1 ? Double.parseDouble(a[1]) : 0.99;
        List<Frame> frames = new ArrayList<>();
        List<Iv> pauses = new ArrayList<>();   // GC pauses and safepoints
        List<long[]> samples = new ArrayList<>(); // time, thread idx
        List<String> threadNames = new ArrayList<>();
        Map<String,Integer> tidx = new HashMap<>();
        List<Iv> parks = new ArrayList<>();
        try (RecordingFile rf = new RecordingFile(Path.of(a[0]))) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String n = e.getEventType().getName();
                switch (n) {
                    case DemoFrames.FRAME_EVENT -> frames.add(new Frame(ns(e.getStartTime()), ns(e.getEndTime()), e.getLong("cpuNanos")));
                    case "jdk.GCPhasePause" -> pauses.add(new Iv(ns(e.getStartTime()), ns(e.getEndTime()), "gc:" + e.getString("name")));
                    case "jdk.SafepointBegin" -> pauses.add(new Iv(ns(e.getStartTime()), ns(e.getEndTime()), "safepoint"));
                    case "jdk.ExecuteVMOperation" -> {
                        if (e.getBoolean("safepoint")) {
                            pauses.add(new Iv(ns(e.getStartTime()), ns(e.getEndTime()), "vmop:" + e.getString("operation")));
                        }
                    }
                    case "jdk.ExecutionSample" -> {
                        RecordedThread t = e.getThread("sampledThread");
                        String tn = t == null ? "?" : t.getJavaName();
                        Integer i = tidx.get(tn);
                        if (i == null) { i = threadNames.size(); threadNames.add(tn); tidx.put(tn, i); }
                        samples.add(new long[]{ns(e.getStartTime()), i});
                    }
                    case "jdk.ThreadPark", "jdk.JavaMonitorEnter" -> {
                        RecordedThread t = e.getThread();
                        if (t != null && "main".equals(t.getJavaName()))
                            parks.add(new Iv(ns(e.getStartTime()), ns(e.getEndTime()), n));
                    }
                    default -> {}
                }
            }
        }
        if (frames.isEmpty()) { System.out.println("no frames"); return; }
        frames.sort(Comparator.comparingLong(Frame::start));
        long[] d = frames.stream().mapToLong(Frame::dur).sorted().toArray();
        long thr = d[(int) Math.ceil(q * d.length) - 1];
        List<Frame> slow = frames.stream().filter(f -> f.dur() >= thr).toList();
        System.out.printf("frames %d, p%.0f %.3f ms, slow frames %d%n", frames.size(), q * 100, thr / 1e6, slow.size());
        double[] off = slow.stream().mapToDouble(f -> (f.dur() - f.cpu()) / 1e6).sorted().toArray();
        double[] cpu = slow.stream().mapToDouble(f -> f.cpu() / 1e6).sorted().toArray();
        System.out.printf("slow frames: CPU ms median %.3f, off-CPU ms median %.3f; slow frames with off-CPU > 0.5 ms: %d, > 1 ms: %d%n",
                cpu[cpu.length / 2], off[off.length / 2], Arrays.stream(off).filter(x -> x > 0.5).count(), Arrays.stream(off).filter(x -> x > 1).count());
        double[] allOff = frames.stream().mapToDouble(f -> (f.dur() - f.cpu()) / 1e6).sorted().toArray();
        double[] allCpu = frames.stream().mapToDouble(f -> f.cpu() / 1e6).sorted().toArray();
        System.out.printf("all frames: CPU p50 %.3f p99 %.3f; off-CPU p50 %.3f p90 %.3f p99 %.3f%n",
                allCpu[allCpu.length / 2], allCpu[(int) (allCpu.length * 0.99)], allOff[allOff.length / 2], allOff[(int) (allOff.length * 0.9)], allOff[(int) (allOff.length * 0.99)]);
        // CPU-only p99 threshold: frames slow in CPU
        // pauses overlapping
        pauses.sort(Comparator.comparingLong(Iv::start));
        Map<String, int[]> overl = new TreeMap<>();
        long slowPauseNs = 0;
        int slowWithPause = 0;
        for (Frame f : slow) {
            boolean any = false;
            for (Iv p : pauses) {
                if (p.start() > f.end()) break;
                if (p.end() >= f.start()) {
                    overl.computeIfAbsent(p.what(), k -> new int[1])[0]++;
                    any = true;
                    slowPauseNs += Math.min(p.end(), f.end()) - Math.max(p.start(), f.start());
                }
            }
            if (any) slowWithPause++;
        }
        int allWithPause = 0;
        for (Frame f : frames) {
            for (Iv p : pauses) {
                if (p.start() > f.end()) break;
                if (p.end() >= f.start()) { allWithPause++; break; }
            }
        }
        System.out.printf("slow frames overlapping a GC pause / safepoint: %d of %d (all frames: %d of %d), pause time inside slow frames %.1f ms%n",
                slowWithPause, slow.size(), allWithPause, frames.size(), slowPauseNs / 1e6);
        overl.forEach((k, v) -> System.out.println("   " + k + ": " + v[0]));
        long w0 = frames.get(0).start(), w1 = frames.get(frames.size() - 1).end();
        Map<String, double[]> byName = new TreeMap<>();
        for (Iv p : pauses) {
            if (p.end() < w0 || p.start() > w1) continue;
            double[] v = byName.computeIfAbsent(p.what(), k -> new double[3]);
            double ms = (p.end() - p.start()) / 1e6;
            v[0]++; v[1] += ms; v[2] = Math.max(v[2], ms);
        }
        System.out.println("pauses in the measured window (count, total ms, max ms):");
        byName.forEach((k, v) -> System.out.printf("   %-32s %5.0f %8.1f %7.2f%n", k, v[0], v[1], v[2]));
        int gcs = (int) pauses.stream().filter(p -> p.what().startsWith("gc:")).count();
        System.out.printf("GC pause phases in recording: %d; safepoints %d%n", gcs, pauses.stream().filter(p -> p.what().equals("safepoint")).count());
        // samples: per thread, samples within slow frames vs within all frames
        samples.sort(Comparator.comparingLong(x -> x[0]));
        long slowTime = slow.stream().mapToLong(Frame::dur).sum();
        long allTime = frames.stream().mapToLong(Frame::dur).sum();
        int[] inSlow = new int[threadNames.size()];
        int[] inAll = new int[threadNames.size()];
        int fi = 0;
        List<Frame> sl = new ArrayList<>(slow);
        int si = 0;
        for (long[] s : samples) {
            while (fi < frames.size() && frames.get(fi).end() < s[0]) fi++;
            if (fi < frames.size() && frames.get(fi).start() <= s[0]) inAll[(int) s[1]]++;
            while (si < sl.size() && sl.get(si).end() < s[0]) si++;
            if (si < sl.size() && sl.get(si).start() <= s[0]) inSlow[(int) s[1]]++;
        }
        System.out.printf("execution samples per second of frame time (slow frames: %.2f s, all: %.2f s):%n", slowTime / 1e9, allTime / 1e9);
        Integer[] order = new Integer[threadNames.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> inAll[y] - inAll[x]);
        for (int i : order) {
            if (inAll[i] + inSlow[i] < 3) continue;
            System.out.printf("   %-40s in slow %6.1f/s (%d)   in all %6.1f/s (%d)%n", threadNames.get(i),
                    inSlow[i] / (slowTime / 1e9), inSlow[i], inAll[i] / (allTime / 1e9), inAll[i]);
        }
        int slowPark = 0;
        for (Frame f : slow) for (Iv p : parks) if (p.start() <= f.end() && p.end() >= f.start()) { slowPark++; break; }
        System.out.printf("main-thread park/monitor events recorded: %d, in slow frames: %d%n", parks.size(), slowPark);
        // time clustering of slow frames: seconds-in-run histogram mod 10 s (metrics interval), and batch interval 1 s
        long t0 = frames.get(0).start();
        int[] mod10 = new int[10];
        int[] ms1000 = new int[10];
        for (Frame f : slow) {
            long rel = f.start() - t0;
            mod10[(int) ((rel / 1_000_000_000L) % 10)]++;
            ms1000[(int) ((rel / 100_000_000L) % 10)]++;
        }
        System.out.println("slow frames by second mod 10: " + Arrays.toString(mod10));
        System.out.println("slow frames by 100ms slot within the second: " + Arrays.toString(ms1000));
    }
}
