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

    private DefaultRules() {
    }

    public static String text() {
        try (InputStream in = DefaultRules.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the default rules are missing from the collector jar: " + RESOURCE);
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
