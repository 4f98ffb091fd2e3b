package dev.peephole.bench.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the frame thread spends its CPU on, side by side for several recordings of
 * {@code DemoFrames} (e.g. without and with an agent): from each JFR recording's execution
 * samples of the {@code main} thread, the share of samples with agent code anywhere on the stack
 * (the agent's woven advice, its dispatcher, the OpenTelemetry SDK it calls), and per method the
 * share of samples where it is the top frame (self) and anywhere on the stack (inclusive).
 * Equal app-method shares with and without an agent mean the app's code is not compiled or run
 * differently; the agent share is what the agent's own code costs the frame thread. With
 * {@code DemoFrames --frame-cpu 1} (its per-frame JFR events) only samples inside the measured
 * frames count; otherwise the whole recording, warm-up included.
 *
 * <pre>
 * java -cp peephole-bench.jar dev.peephole.bench.agent.FrameProfile none=a.jfr ours=b.jfr [--min 1.0] [--above 0.99]
 * </pre>
 * {@code --min}: list methods whose share reaches this percentage in any recording (default 1.0).
 * {@code --above Q}: only the frames at or above the quantile Q of frame wall time (the slow ones).
 */
public final class FrameProfile {
    /** Stack frames of these packages are the agent's (relocated or not). */
    static final String[] AGENT_PACKAGES = {"dev.peephole.agent.", "io.opentelemetry."};

    private FrameProfile() {
    }

    /** One recording's main-thread samples. */
    static final class Profile {
        int samples;
        int withAgent;
        final Map<String, Integer> self = new HashMap<>();
        final Map<String, Integer> inclusive = new HashMap<>();

        double pct(int n) {
            return samples == 0 ? 0 : 100.0 * n / samples;
        }
    }

    static boolean isAgent(String method) {
        for (String p : AGENT_PACKAGES) {
            if (method.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code thread}: the frame thread's Java name. {@code above}: with frame events, count only
     * samples inside frames whose wall time is at or above this quantile of all frames (0: every frame).
     */
    static Profile read(Path jfr, String thread, double above) throws Exception {
        // the measured frames (DemoFrames' events), as [start, end] in epoch nanoseconds, by start
        List<long[]> frames = new ArrayList<>();
        try (RecordingFile f = new RecordingFile(jfr)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (e.getEventType().getName().equals(DemoFrames.FRAME_EVENT)) {
                    frames.add(new long[] {FrameTail.ns(e.getStartTime()), FrameTail.ns(e.getEndTime())});
                }
            }
        }
        if (above > 0 && !frames.isEmpty()) {
            // the same nearest-rank quantile as FrameTail's slow frames and the bench's other figures
            double threshold = Variants.quantile(frames.stream().mapToDouble(fr -> fr[1] - fr[0]).toArray(), above);
            frames.removeIf(fr -> fr[1] - fr[0] < threshold);
        }
        frames.sort((x, y) -> Long.compare(x[0], y[0]));
        Profile p = new Profile();
        try (RecordingFile f = new RecordingFile(jfr)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")
                        || !frames.isEmpty() && !inside(frames, FrameTail.ns(e.getStartTime()))) {
                    continue;
                }
                RecordedThread t = e.getThread("sampledThread");
                RecordedStackTrace st = e.getStackTrace();
                if (t == null || !thread.equals(t.getJavaName()) || st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                List<String> methods = new ArrayList<>();
                for (RecordedFrame fr : st.getFrames()) {
                    methods.add(fr.getMethod().getType().getName() + "." + fr.getMethod().getName());
                }
                p.samples++;
                p.self.merge(methods.get(0), 1, Integer::sum);
                boolean agent = false;
                for (String m : new HashSet<>(methods)) {
                    p.inclusive.merge(m, 1, Integer::sum);
                    agent |= isAgent(m);
                }
                if (agent) {
                    p.withAgent++;
                }
            }
        }
        return p;
    }

    /** Whether {@code t} falls in one of {@code frames} (sorted by start, not overlapping). */
    static boolean inside(List<long[]> frames, long t) {
        int lo = 0;
        int hi = frames.size() - 1;
        int last = -1; // the last frame starting at or before t
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (frames.get(mid)[0] <= t) {
                last = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return last >= 0 && t <= frames.get(last)[1];
    }

    public static void main(String[] a) throws Exception {
        double min = 1.0;
        double above = 0;
        List<String[]> named = new ArrayList<>();
        String bad = null;
        for (int i = 0; i < a.length && bad == null; i++) {
            if ((a[i].equals("--min") || a[i].equals("--above")) && i + 1 < a.length) {
                double v;
                try {
                    v = Double.parseDouble(a[i + 1]);
                } catch (NumberFormatException e) {
                    v = Double.NaN;
                }
                if (a[i].equals("--min") && v >= 0 && v <= 100) {
                    min = v;
                } else if (a[i].equals("--above") && v >= 0 && v < 1) {
                    above = v;
                } else {
                    bad = a[i] + " wants " + (a[i].equals("--min") ? "a percentage 0 to 100" : "a quantile from 0 up to 1")
                            + ", got '" + a[i + 1] + "'";
                }
                i++;
            } else if (a[i].contains("=")) {
                named.add(a[i].split("=", 2));
            } else {
                bad = "unknown argument '" + a[i] + "'";
            }
        }
        if (bad != null || named.isEmpty()) {
            System.err.println("FrameProfile: " + (bad != null ? bad : "no recording named"));
            System.err.println("usage: FrameProfile NAME=recording.jfr [NAME=recording.jfr ...] [--min 1.0] [--above 0.99]");
            System.exit(2);
        }
        Map<String, Profile> profiles = new LinkedHashMap<>();
        for (String[] kv : named) {
            try {
                profiles.put(kv[0], read(Path.of(kv[1]), "main", above));
            } catch (java.io.IOException e) {
                System.err.println("FrameProfile: cannot read the recording " + kv[1] + ": " + e);
                System.exit(2);
            }
        }
        StringBuilder head = new StringBuilder("| |");
        StringBuilder rule = new StringBuilder("| --- |");
        for (String n : profiles.keySet()) {
            head.append(' ').append(n).append(" |");
            rule.append(" ---: |");
        }
        System.out.println(head);
        System.out.println(rule);
        row("main-thread samples", profiles, p -> String.valueOf(p.samples));
        row("agent code on the stack, % of samples", profiles, p -> String.format(Locale.ROOT, "%.2f", p.pct(p.withAgent)));
        table("self", profiles, p -> p.self, min);
        table("inclusive", profiles, p -> p.inclusive, min);
    }

    private static void table(String kind, Map<String, Profile> profiles,
                              Function<Profile, Map<String, Integer>> counts, double min) {
        Set<String> methods = new HashSet<>();
        for (Profile p : profiles.values()) {
            counts.apply(p).forEach((m, n) -> {
                if (p.pct(n) >= min) {
                    methods.add(m);
                }
            });
        }
        Profile first = profiles.values().iterator().next();
        methods.stream()
                .sorted((x, y) -> Integer.compare(counts.apply(first).getOrDefault(y, 0), counts.apply(first).getOrDefault(x, 0)))
                .forEach(m -> row(m + " (" + kind + " %)", profiles,
                        p -> String.format(Locale.ROOT, "%.2f", p.pct(counts.apply(p).getOrDefault(m, 0)))));
    }

    private static void row(String label, Map<String, Profile> profiles, Function<Profile, String> cell) {
        StringBuilder sb = new StringBuilder("| ").append(label).append(" |");
        for (Profile p : profiles.values()) {
            sb.append(' ').append(cell.apply(p)).append(" |");
        }
        System.out.println(sb);
    }
}
