package dev.peephole.bench.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The frames of many short {@code DemoFrames --frame-log} runs pooled per row: one latency
 * distribution per row over all its rounds, so a p99 rests on every round's slow frames
 * instead of on one round's 70, and the difference of each row to the first with a 95 %
 * interval from a paired bootstrap over the rounds (the same rounds drawn for both rows, so a
 * slow minute of this machine, which lands on both rows of its round, stays paired).
 *
 * <pre>
 * java -cp peephole-bench.jar dev.peephole.bench.agent.FramePool [--resamples 2000] \
 *   none=r1.txt,r2.txt,... peephole-sink=r1.txt,r2.txt,...
 * </pre>
 * Every row names one frame log per round, the rounds in the same order. Prints a Markdown
 * table and a RESULT line per row and quantile (frame-thread CPU too when every log has it).
 */
public final class FramePool {
    /** Histogram bins of 2 µs up to 100 ms; slower frames go into the last bin. */
    static final double BIN_MS = 0.002;
    static final int BINS = 50_000;
    static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private FramePool() {
    }

    record Row(String name, List<int[]> wall, List<int[]> cpu) {
    }

    public static void main(String[] argv) throws IOException {
        int resamples = 2000;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--resamples")) {
                String v = i + 1 < argv.length ? argv[++i] : "";
                try {
                    resamples = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    resamples = 0;
                }
                if (resamples < 1) {
                    usage("--resamples wants a positive whole number, got '" + v + "'");
                }
                continue;
            }
            int eq = argv[i].indexOf('=');
            if (eq <= 0) {
                usage("not NAME=FILE,FILE,...: " + argv[i]);
            }
            List<int[]> wall = new ArrayList<>();
            List<int[]> cpu = new ArrayList<>();
            for (String f : argv[i].substring(eq + 1).split(",")) {
                if (!Files.isRegularFile(Path.of(f))) {
                    usage("no frame log " + f + " (row " + argv[i].substring(0, eq) + ")");
                }
                int[][] h = read(Path.of(f));
                wall.add(h[0]);
                cpu.add(h[1]);
            }
            rows.add(new Row(argv[i].substring(0, eq), wall, cpu));
        }
        if (rows.size() < 2) {
            usage("at least two rows, the first the baseline");
        }
        int rounds = rows.get(0).wall.size();
        for (Row r : rows) {
            if (r.wall.size() != rounds) {
                usage("row " + r.name + " has " + r.wall.size() + " rounds, " + rows.get(0).name + " has " + rounds);
            }
        }
        Row base = rows.get(0);
        // the bootstrap's draws, the same for every row
        SplittableRandom random = new SplittableRandom(42);
        int[][] draws = new int[resamples][rounds];
        for (int[] d : draws) {
            for (int k = 0; k < rounds; k++) {
                d[k] = random.nextInt(rounds);
            }
        }
        int bins = 1;
        for (Row r : rows) {
            for (List<int[]> hs : List.of(r.wall, r.cpu)) {
                for (int[] h : hs) {
                    for (int i = h.length - 1; i >= bins; i--) {
                        if (h[i] != 0) {
                            bins = i + 1;
                            break;
                        }
                    }
                }
            }
        }
        StringBuilder table = new StringBuilder("| quantile, ms | " + base.name);
        StringBuilder rule = new StringBuilder("| --- | ---:");
        for (Row r : rows.subList(1, rows.size())) {
            table.append(" | ").append(r.name);
            rule.append(" | ---:");
        }
        table.append(" |\n").append(rule).append(" |\n");
        StringBuilder results = new StringBuilder();
        // frame logs written without --frame-cpu 1 have no CPU column: then latency only
        boolean withCpu = rows.stream().allMatch(r -> r.cpu.stream().allMatch(h -> Arrays.stream(h).anyMatch(c -> c > 0)));
        for (boolean cpu : withCpu ? new boolean[] {false, true} : new boolean[] {false}) {
            // every row's quantiles: over all rounds ([0]) and in each resample ([1 + s])
            double[][][] qs = new double[rows.size()][resamples + 1][];
            for (int ri = 0; ri < rows.size(); ri++) {
                List<int[]> hs = cpu ? rows.get(ri).cpu : rows.get(ri).wall;
                qs[ri][0] = quantiles(pool(hs, null, bins));
                for (int s = 0; s < resamples; s++) {
                    qs[ri][1 + s] = quantiles(pool(hs, draws[s], bins));
                }
            }
            for (int qi = 0; qi < QUANTILES.length; qi++) {
                String what = (cpu ? "frame thread CPU " : "latency ") + label(QUANTILES[qi]);
                double b = qs[0][0][qi];
                table.append("| ").append(what).append(" | ").append(String.format("%.3f", b));
                for (int ri = 1; ri < rows.size(); ri++) {
                    double v = qs[ri][0][qi];
                    double[] diffs = new double[resamples];
                    for (int s = 0; s < resamples; s++) {
                        double bs = qs[0][1 + s][qi];
                        diffs[s] = (qs[ri][1 + s][qi] - bs) / bs * 100;
                    }
                    Arrays.sort(diffs);
                    double d = (v - b) / b * 100;
                    double lo = diffs[(int) (resamples * 0.025)];
                    double hi = diffs[Math.min(resamples - 1, (int) (resamples * 0.975))];
                    table.append(String.format(" | %.3f (%+.1f %%; %+.1f to %+.1f)", v, d, lo, hi));
                    results.append(String.format("RESULT row=%s measure=%s_%s pooled_ms=%.4f diff_pct=%.2f ci_lo_pct=%.2f ci_hi_pct=%.2f%n",
                            rows.get(ri).name, cpu ? "cpu" : "latency", label(QUANTILES[qi]), v, d, lo, hi));
                }
                table.append(" |\n");
            }
        }
        System.out.print(table);
        System.out.print(results);
    }

    private static String label(double q) {
        return q == 0.999 ? "p99.9" : "p" + Math.round(q * 100);
    }

    /** A frame log as two histograms, latency and CPU (a log without CPU gives an empty one). */
    static int[][] read(Path file) throws IOException {
        int[] wall = new int[BINS];
        int[] cpu = new int[BINS];
        for (String line : Files.readAllLines(file)) {
            String[] p = line.trim().split(" ");
            if (p.length < 2) {
                continue;
            }
            wall[bin(Double.parseDouble(p[1]))]++;
            if (p.length > 2) {
                cpu[bin(Double.parseDouble(p[2]))]++;
            }
        }
        return new int[][] {wall, cpu};
    }

    private static int bin(double ms) {
        return (int) Math.min(BINS - 1, Math.max(0, ms / BIN_MS));
    }

    /**
     * The rounds' histograms (their first {@code bins} bins, past which all are empty) summed: all
     * rounds (draw null) or the drawn ones, a round as often as drawn.
     */
    static long[] pool(List<int[]> rounds, int[] draw, int bins) {
        long[] sum = new long[bins];
        if (draw == null) {
            for (int[] h : rounds) {
                add(sum, h);
            }
        } else {
            for (int k : draw) {
                add(sum, rounds.get(k));
            }
        }
        return sum;
    }

    private static void add(long[] sum, int[] h) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += h[i];
        }
    }

    /** The value at each of {@link #QUANTILES}: the middle of the first bin whose cumulative count reaches it. */
    static double[] quantiles(long[] h) {
        long total = 0;
        for (long c : h) {
            total += c;
        }
        double[] out = new double[QUANTILES.length];
        long seen = 0;
        int qi = 0;
        for (int i = 0; i < h.length && qi < out.length; i++) {
            seen += h[i];
            while (qi < out.length && seen >= Math.max(1, (long) Math.ceil(QUANTILES[qi] * total))) {
                out[qi++] = (i + 0.5) * BIN_MS;
            }
        }
        while (qi < out.length) {
            out[qi++] = h.length * BIN_MS;
        }
        return out;
    }

    private static void usage(String why) {
        System.err.println("FramePool: " + why);
        System.err.println("usage: FramePool [--resamples 2000] BASE=FILE,FILE,... ROW=FILE,FILE,... [...]");
        System.exit(2);
    }
}
