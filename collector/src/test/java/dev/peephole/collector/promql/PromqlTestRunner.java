package dev.peephole.collector.promql;

import dev.peephole.collector.promql.ast.Durations;
import dev.peephole.collector.promql.parser.GoParse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs test scripts in the format of Prometheus' promqltest ("load", "clear", "eval instant at", "eval range from
 * ... to ... step", "expect fail/ordered"), for float samples only: native histogram lines and cases are skipped,
 * as are cases using functions this engine does not support. Values are compared with a relative tolerance of 1e-6.
 */
public final class PromqlTestRunner {
    private static final double EPSILON = 0.000001;

    final List<String> failures = new ArrayList<>();
    int passed;
    int skipped;
    private InMemorySource source = new InMemorySource();

    void runFile(Path file) throws IOException {
        source = new InMemorySource();
        List<String> lines = Files.readAllLines(file);
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                i++;
                continue;
            }
            List<String> block = new ArrayList<>();
            int startLine = i + 1;
            i++;
            while (i < lines.size() && !lines.get(i).trim().isEmpty() && !isCommand(lines.get(i).trim())) {
                block.add(lines.get(i).trim());
                i++;
            }
            String where = file.getFileName() + ":" + startLine;
            if (line.equals("clear")) {
                source = new InMemorySource();
            } else if (line.startsWith("load ")) {
                load(line, block);
            } else if (line.startsWith("eval")) {
                eval(line, block, where);
            }
        }
    }

    private static boolean isCommand(String l) {
        return l.equals("clear") || l.startsWith("load ") || l.startsWith("eval ") || l.startsWith("eval_");
    }

    private static long dur(String s) {
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            return Math.round(Double.parseDouble(s) * 1000);
        }
    }

    private void load(String cmd, List<String> block) {
        long step = dur(cmd.substring(5).trim());
        for (String l : block) {
            if (l.startsWith("#") || l.contains("{{")) {
                continue;
            }
            int split = seriesEnd(l);
            Labels labels = InMemorySource.parseLabels(l.substring(0, split).trim());
            List<Double> vals = expandValues(l.substring(split).trim());
            List<Long> ts = new ArrayList<>();
            List<Double> vs = new ArrayList<>();
            for (int k = 0; k < vals.size(); k++) {
                if (vals.get(k) != null) {
                    ts.add(k * step);
                    vs.add(vals.get(k));
                }
            }
            long[] t = new long[ts.size()];
            double[] v = new double[vs.size()];
            for (int k = 0; k < t.length; k++) {
                t[k] = ts.get(k);
                v[k] = vs.get(k);
            }
            source.add(labels, t, v);
        }
    }

    /** End of the series description (metric{labels}) in a line. */
    private static int seriesEnd(String l) {
        int brace = l.indexOf('{');
        int space = indexOfWhitespace(l);
        if (brace >= 0 && (space < 0 || brace < space)) {
            boolean inQuote = false;
            for (int i = brace; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c == '"' && l.charAt(i - 1) != '\\') {
                    inQuote = !inQuote;
                } else if (c == '}' && !inQuote) {
                    return i + 1;
                }
            }
        }
        return space < 0 ? l.length() : space;
    }

    private static int indexOfWhitespace(String l) {
        for (int i = 0; i < l.length(); i++) {
            if (Character.isWhitespace(l.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Expands "1 2 _ 0+10x3 _x2 stale" (null = no sample). */
    public static List<Double> expandValues(String s) {
        List<Double> out = new ArrayList<>();
        for (String item : s.trim().split("\\s+")) {
            if (item.isEmpty()) {
                continue;
            }
            if (item.equals("_")) {
                out.add(null);
                continue;
            }
            if (item.startsWith("_x")) {
                int n = Integer.parseInt(item.substring(2));
                for (int k = 0; k < n; k++) {
                    out.add(null);
                }
                continue;
            }
            if (item.equals("stale")) {
                out.add(InMemorySource.STALE);
                continue;
            }
            int x = item.lastIndexOf('x');
            if (x > 0 && item.substring(x + 1).matches("\\d+")) {
                // a+bxn / a-bxn / axn (series descriptions have no hex numbers)
                int n = Integer.parseInt(item.substring(x + 1));
                String base = item.substring(0, x);
                double a;
                double b = 0;
                int op = Math.max(base.lastIndexOf('+'), base.lastIndexOf('-'));
                if (op > 0 && base.charAt(op - 1) != 'e' && base.charAt(op - 1) != 'E') {
                    a = num(base.substring(0, op));
                    b = num(base.substring(op + 1));
                    if (base.charAt(op) == '-') {
                        b = -b;
                    }
                } else {
                    a = num(base);
                }
                for (int k = 0; k <= n; k++) {
                    out.add(a);
                    a += b;
                }
                continue;
            }
            out.add(num(item));
        }
        return out;
    }

    static double num(String s) {
        return GoParse.parseFloat(s.startsWith(".") ? "0" + s : s.startsWith("-.") ? "-0" + s.substring(1) : s);
    }

    private void eval(String cmd, List<String> block, String where) {
        boolean expectFail = cmd.startsWith("eval_fail");
        boolean ordered = cmd.startsWith("eval_ordered");
        String rest = cmd.substring(cmd.indexOf(' ') + 1).trim();
        boolean range = rest.startsWith("range ");
        long start;
        long end = 0;
        long step = 0;
        String query;
        if (range) {
            // range from <s> to <e> step <d> <query>
            String[] p = rest.split("\\s+", 8);
            start = dur(p[2]);
            end = dur(p[4]);
            step = dur(p[6]);
            query = p[7];
        } else {
            String[] p = rest.split("\\s+", 4);
            start = dur(p[2]);
            query = p[3];
        }
        List<String> expected = new ArrayList<>();
        for (String l : block) {
            if (l.startsWith("expect fail")) {
                expectFail = true;
            } else if (l.startsWith("expect ordered")) {
                ordered = true;
            } else if (l.startsWith("expect") || l.startsWith("#")) {
                continue;
            } else {
                expected.add(l);
            }
        }
        for (String e : expected) {
            if (e.contains("{{")) {
                skipped++;
                return;
            }
        }
        Engine engine = new Engine(source, EngineOptions.defaults()
            .withLeftOpenIntervals(!"false".equals(System.getProperty("promqltest.leftOpen"))));
        QueryResult r;
        try {
            r = range ? engine.rangeQuery(query, start, end, step) : engine.instantQuery(query, start);
        } catch (PromQLParseException e) {
            if (e.getMessage().contains("not supported") || e.getMessage().contains("unknown function")) {
                skipped++;
                return;
            }
            if (!expectFail) {
                failures.add(where + " " + query + ": unexpected " + e.getMessage());
            } else {
                passed++;
            }
            return;
        } catch (RuntimeException e) {
            if (!expectFail) {
                failures.add(where + " " + query + ": unexpected " + e);
            } else {
                passed++;
            }
            return;
        }
        if (expectFail) {
            failures.add(where + " " + query + ": expected failure, got " + r);
            return;
        }
        String err = range ? compareRange(r, expected, start, step) : compareInstant(r, expected, ordered);
        if (err == null) {
            passed++;
        } else {
            failures.add(where + " " + query + ": " + err);
        }
    }

    private static boolean close(double exp, double act) {
        if (Double.isNaN(exp) || Double.isNaN(act)) {
            return Double.isNaN(exp) && Double.isNaN(act);
        }
        return GoMath.almostEqual(exp, act, EPSILON);
    }

    private static String compareInstant(QueryResult r, List<String> expected, boolean ordered) {
        if (r.resultType().equals("scalar")) {
            if (expected.size() != 1) {
                return "scalar result " + r.scalar() + " vs " + expected;
            }
            double e = num(expected.get(0).trim());
            return close(e, r.scalar().v()) ? null : "expected " + e + " got " + r.scalar();
        }
        List<Sample> got;
        if (r.resultType().equals("matrix")) {
            return "matrix results not compared";
        }
        got = r.vector();
        if (got.size() != expected.size()) {
            return "expected " + expected.size() + " samples " + expected + ", got " + got;
        }
        for (int k = 0; k < expected.size(); k++) {
            String line = expected.get(k);
            int split = seriesEnd(line);
            String ls = line.substring(0, split).trim();
            double v = num(line.substring(split).trim());
            Labels want = ls.equals("{}") ? Labels.EMPTY : InMemorySource.parseLabels(ls);
            Sample match = null;
            if (ordered) {
                match = got.get(k).labels().equals(want) ? got.get(k) : null;
            } else {
                for (Sample s : got) {
                    if (s.labels().equals(want)) {
                        match = s;
                    }
                }
            }
            if (match == null) {
                return "missing " + want + (ordered ? " at position " + k : "") + " in " + got;
            }
            if (!close(v, match.v())) {
                return "for " + want + " expected " + v + " got " + match.v();
            }
        }
        return null;
    }

    private static String compareRange(QueryResult r, List<String> expected, long start, long step) {
        List<Series> got = r.matrix();
        if (got.size() != expected.size()) {
            return "expected " + expected.size() + " series, got " + got;
        }
        for (String line : expected) {
            int split = seriesEnd(line);
            String ls = line.substring(0, split).trim();
            Labels want = ls.equals("{}") ? Labels.EMPTY : InMemorySource.parseLabels(ls);
            List<Double> vals = expandValues(line.substring(split).trim());
            Series s = null;
            for (Series x : got) {
                if (x.labels().equals(want)) {
                    s = x;
                }
            }
            if (s == null) {
                return "missing series " + want + " in " + got;
            }
            int k = 0;
            for (int i = 0; i < vals.size(); i++) {
                long t = start + i * step;
                Double e = vals.get(i);
                boolean has = k < s.size() && s.timestampsMs()[k] == t;
                if (e == null) {
                    if (has) {
                        return want + " @" + t + ": expected no value, got " + s.values()[k];
                    }
                    continue;
                }
                if (!has) {
                    return want + " @" + t + ": expected " + e + ", got none: " + s;
                }
                if (!close(e, s.values()[k])) {
                    return want + " @" + t + ": expected " + e + ", got " + s.values()[k];
                }
                k++;
            }
            if (k != s.size()) {
                return want + ": unexpected extra points " + s;
            }
        }
        return null;
    }
}
