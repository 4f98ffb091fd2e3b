package dev.peephole.collector.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The schema version the collector's migrations reach, as Flyway shows it: the highest {@code V<n>}
 * among them, or {@code n.m} when the highest is a flavour form {@code V<n>_<m>} (both flavour
 * folders hold the same flavour versions).
 */
public final class Migrations {

    private static final Pattern VERSION = Pattern.compile("^V(\\d+)(?:_(\\d+))?__.*\\.sql$");

    private Migrations() {
    }

    public static String latestVersion() {
        try {
            Path root = Path.of(Migrations.class.getClassLoader().getResource("db/migration").toURI());
            try (Stream<Path> files = Files.walk(root)) {
                int[] best = files.map(p -> VERSION.matcher(p.getFileName().toString()))
                        .filter(Matcher::matches)
                        .map(m -> new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))})
                        .max(java.util.Comparator.<int[]>comparingInt(v -> v[0]).thenComparingInt(v -> v[1]))
                        .orElseThrow();
                return best[1] == 0 ? Integer.toString(best[0]) : best[0] + "." + best[1];
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
