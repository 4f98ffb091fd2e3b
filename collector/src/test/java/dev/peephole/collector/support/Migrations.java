package dev.peephole.collector.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The schema version the collector's migrations reach (the highest {@code V<n>} among them). */
public final class Migrations {

    private static final Pattern VERSION = Pattern.compile("^V(\\d+)(?:_\\d+)?__.*\\.sql$");

    private Migrations() {
    }

    public static int latestVersion() {
        try {
            Path root = Path.of(Migrations.class.getClassLoader().getResource("db/migration").toURI());
            try (Stream<Path> files = Files.walk(root)) {
                return files.map(p -> VERSION.matcher(p.getFileName().toString()))
                        .filter(Matcher::matches)
                        .mapToInt(m -> Integer.parseInt(m.group(1)))
                        .max().orElseThrow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
