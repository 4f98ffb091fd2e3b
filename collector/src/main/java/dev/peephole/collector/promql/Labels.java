package dev.peephole.collector.promql;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable label set, sorted by label name. The metric name is stored as the label {@code __name__}.
 * Labels with an empty value are dropped, as in Prometheus (an empty value is equivalent to an absent label).
 * Ordering ({@link #compareTo}) is the one of Prometheus' {@code labels.Compare}.
 */
public final class Labels implements Comparable<Labels> {
    /** The label holding the metric name. */
    public static final String METRIC_NAME = "__name__";
    /** The empty label set. */
    public static final Labels EMPTY = new Labels(new String[0], new String[0]);

    private final String[] names;
    private final String[] values;
    private final int hash;

    private Labels(String[] names, String[] values) {
        this.names = names;
        this.values = values;
        int h = 1;
        for (int i = 0; i < names.length; i++) {
            h = 31 * h + names[i].hashCode();
            h = 31 * h + values[i].hashCode();
        }
        this.hash = h;
    }

    /** Builds a label set from a map; null or empty values are dropped. */
    public static Labels of(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return EMPTY;
        }
        List<String> keys = new ArrayList<>(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("label name must not be null");
            }
            if (e.getValue() != null && !e.getValue().isEmpty()) {
                keys.add(e.getKey());
            }
        }
        Collections.sort(keys);
        String[] n = new String[keys.size()];
        String[] v = new String[keys.size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = keys.get(i);
            v[i] = map.get(n[i]);
        }
        return n.length == 0 ? EMPTY : new Labels(n, v);
    }

    /** Builds a label set from alternating names and values: {@code of("__name__", "up", "job", "x")}. */
    public static Labels of(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of arguments");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            m.put(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return of(m);
    }

    /** Returns the value of the label, or {@code ""} if the label is absent (Prometheus semantics). */
    public String get(String name) {
        int i = indexOf(name);
        return i < 0 ? "" : values[i];
    }

    /** Whether the label is present. */
    public boolean has(String name) {
        return indexOf(name) >= 0;
    }

    private int indexOf(String name) {
        // label sets are small: a linear scan beats binary search on String.compareTo
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Number of labels. */
    public int size() {
        return names.length;
    }

    public boolean isEmpty() {
        return names.length == 0;
    }

    /** Name of the i-th label (sorted order). */
    public String name(int i) {
        return names[i];
    }

    /** Value of the i-th label (sorted order). */
    public String value(int i) {
        return values[i];
    }

    /** The metric name, or {@code ""}. */
    public String metricName() {
        return get(METRIC_NAME);
    }

    /** An unmodifiable, name-sorted map view. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], values[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    /** A copy without the given labels. */
    public Labels without(String... drop) {
        return without(Arrays.asList(drop));
    }

    /** A copy without the given labels. */
    public Labels without(Collection<String> drop) {
        int keep = 0;
        boolean[] k = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            k[i] = !drop.contains(names[i]);
            if (k[i]) {
                keep++;
            }
        }
        return select(k, keep);
    }

    /** A copy with only the given labels (those present). */
    public Labels keep(String... keepNames) {
        return keep(Arrays.asList(keepNames));
    }

    /** A copy with only the given labels (those present). */
    public Labels keep(Collection<String> keepNames) {
        int keep = 0;
        boolean[] k = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            k[i] = keepNames.contains(names[i]);
            if (k[i]) {
                keep++;
            }
        }
        return select(k, keep);
    }

    private Labels select(boolean[] k, int keep) {
        if (keep == names.length) {
            return this;
        }
        if (keep == 0) {
            return EMPTY;
        }
        String[] n = new String[keep];
        String[] v = new String[keep];
        int j = 0;
        for (int i = 0; i < names.length; i++) {
            if (k[i]) {
                n[j] = names[i];
                v[j] = values[i];
                j++;
            }
        }
        return new Labels(n, v);
    }

    /** A copy without the metric name. */
    public Labels withoutMetricName() {
        return has(METRIC_NAME) ? without(METRIC_NAME) : this;
    }

    /** A copy with the label set to the value; an empty or null value removes the label. */
    public Labels with(String name, String value) {
        int i = indexOf(name);
        if (value == null || value.isEmpty()) {
            return i < 0 ? this : without(name);
        }
        if (i >= 0) {
            if (values[i].equals(value)) {
                return this;
            }
            String[] v = values.clone();
            v[i] = value;
            return new Labels(names, v);
        }
        int pos = 0;
        while (pos < names.length && names[pos].compareTo(name) < 0) {
            pos++;
        }
        String[] n = new String[names.length + 1];
        String[] v = new String[names.length + 1];
        System.arraycopy(names, 0, n, 0, pos);
        System.arraycopy(values, 0, v, 0, pos);
        n[pos] = name;
        v[pos] = value;
        System.arraycopy(names, pos, n, pos + 1, names.length - pos);
        System.arraycopy(values, pos, v, pos + 1, names.length - pos);
        return new Labels(n, v);
    }

    @Override
    public int compareTo(Labels o) {
        int l = Math.min(names.length, o.names.length);
        for (int i = 0; i < l; i++) {
            int c = names[i].compareTo(o.names[i]);
            if (c != 0) {
                return c;
            }
            c = values[i].compareTo(o.values[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(names.length, o.names.length);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Labels)) {
            return false;
        }
        Labels other = (Labels) o;
        return hash == other.hash && Arrays.equals(names, other.names) && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    private static boolean isLegacyName(String n) {
        if (n.isEmpty()) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** Prometheus' {@code labels.String()}: {@code {__name__="up", job="x"}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            String n = names[i];
            sb.append(isLegacyName(n) ? n : GoStrings.quote(n)).append('=').append(GoStrings.quote(values[i]));
        }
        return sb.append('}').toString();
    }
}
