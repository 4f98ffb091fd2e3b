package dev.peephole.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --key value} arguments with defaults. Unknown keys, a key without a value and
 * values that are not numbers where numbers are expected are errors ({@link BadArgs}),
 * which the mains turn into their usage text and exit code 2.
 */
final class Args {

    static final class BadArgs extends Exception {
        BadArgs(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    /** @param defaults every accepted key with its default (null: required) */
    Args(String[] argv, Map<String, String> defaults) throws BadArgs {
        values.putAll(defaults);
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new BadArgs("");
            }
            if (!a.startsWith("--")) {
                throw new BadArgs("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= argv.length) {
                    throw new BadArgs("--" + key + " needs a value");
                }
                value = argv[++i];
            }
            if (!defaults.containsKey(key)) {
                throw new BadArgs("unknown option --" + key);
            }
            values.put(key, value);
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getValue() == null) {
                throw new BadArgs("--" + e.getKey() + " is required");
            }
        }
    }

    String str(String key) {
        return values.get(key);
    }

    int positiveInt(String key) throws BadArgs {
        int v = intValue(key);
        if (v <= 0) {
            throw new BadArgs("--" + key + " must be at least 1, got " + v);
        }
        return v;
    }

    int nonNegativeInt(String key) throws BadArgs {
        int v = intValue(key);
        if (v < 0) {
            throw new BadArgs("--" + key + " must not be negative, got " + v);
        }
        return v;
    }

    private int intValue(String key) throws BadArgs {
        try {
            return Integer.parseInt(values.get(key).trim());
        } catch (NumberFormatException e) {
            throw new BadArgs("--" + key + " must be a whole number, got '" + values.get(key) + "'");
        }
    }

    String oneOf(String key, String... allowed) throws BadArgs {
        String v = values.get(key);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new BadArgs("--" + key + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
    }

    /** Prints the problem and the usage to stderr and exits with 2 (0 for --help). */
    static void usageAndExit(BadArgs e, String usage) {
        if (!e.getMessage().isEmpty()) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
        }
        System.err.println(usage);
        System.exit(e.getMessage().isEmpty() ? 0 : 2);
    }
}
