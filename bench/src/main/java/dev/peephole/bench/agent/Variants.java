package dev.peephole.bench.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line of the agent benchmarks: {@code --variant NAME=JVM ARGS} (repeated; the JVM
 * arguments separated by blanks, none for the plain JVM) and {@code --key value} options
 * with defaults.
 */
final class Variants {

    static final class BadArgs extends Exception {
        BadArgs(String message) {
            super(message);
        }
    }

    /** A named set of JVM arguments: no agent, ours, OpenTelemetry's. */
    record Variant(String name, List<String> jvmArgs) {
    }

    final List<Variant> variants = new ArrayList<>();
    final Map<String, String> options = new LinkedHashMap<>();

    Variants(String[] argv, Map<String, String> defaults) throws BadArgs {
        options.putAll(defaults);
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new BadArgs("unexpected argument '" + a + "'");
            }
            if (i + 1 >= argv.length) {
                throw new BadArgs(a + " needs a value");
            }
            String key = a.substring(2);
            String value = argv[++i];
            if (key.equals("variant")) {
                variants.add(parseVariant(value));
            } else if (defaults.containsKey(key)) {
                options.put(key, value);
            } else {
                throw new BadArgs("unknown option " + a);
            }
        }
        if (variants.isEmpty()) {
            throw new BadArgs("at least one --variant NAME=JVM ARGS is needed");
        }
    }

    /**
     * The options of a tool that measures one thing itself rather than launching variants
     * (DemoFrames, TurnTaker): the parser wants a variant, so this process is the one.
     */
    static Variants ofThisRun(String[] argv, Map<String, String> defaults) throws BadArgs {
        String[] all = Arrays.copyOf(argv, argv.length + 2);
        all[argv.length] = "--variant";
        all[argv.length + 1] = "this=";
        return new Variants(all, defaults);
    }

    static Variant parseVariant(String spec) throws BadArgs {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new BadArgs("--variant wants NAME=JVM ARGS, got '" + spec + "'");
        }
        String args = spec.substring(eq + 1).trim();
        List<String> jvmArgs = args.isEmpty() ? List.of() : Arrays.asList(args.split("\\s+"));
        return new Variant(spec.substring(0, eq), List.copyOf(jvmArgs));
    }

    int positiveInt(String key) throws BadArgs {
        try {
            int v = Integer.parseInt(options.get(key));
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BadArgs("--" + key + " wants a positive whole number, got '" + options.get(key) + "'");
        }
    }

    /** The value at rank ceil(q * n) of the sorted values (q = 0.5: the median, 0.99: p99). */
    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
