package dev.peephole.collector.alerting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The rules Peephole ships for doorbell apps and its own agents (resource {@code doorbell.rules.yml}). */
public final class DefaultRules {
    public static final String RESOURCE = "doorbell.rules.yml";
    public static final String SOURCE = "builtin:" + RESOURCE;
    /** Rules on the collector's scheduled backups, loaded only when PEEPHOLE_BACKUP_SCHEDULE is set. */
    public static final String BACKUP_RESOURCE = "backup.rules.yml";
    public static final String BACKUP_SOURCE = "builtin:" + BACKUP_RESOURCE;

    private DefaultRules() {
    }

    public static String text() {
        return text(RESOURCE);
    }

    public static String backupText() {
        return text(BACKUP_RESOURCE);
    }

    private static String text(String resource) {
        try (InputStream in = DefaultRules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the default rules are missing from the collector jar: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<RuleGroupSpec> load(long defaultIntervalMs) throws RuleFileParser.InvalidRulesException {
        return RuleFileParser.parse(SOURCE, text(), defaultIntervalMs);
    }
}
