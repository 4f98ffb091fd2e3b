package dev.peephole.agent.core.rules;

import dev.peephole.agent.core.Log;
import dev.peephole.agent.core.config.AgentConfig;
import dev.peephole.agent.core.config.Setting;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The rules in force: the built-in doorbell profile, the config file's rules, extra rule files, @WithSpan. */
public final class RuleSet {
    public static final String DEFAULT_PROFILE = "/dev/peephole/agent/core/rules/doorbell.yaml";
    public static final String[] WITH_SPAN = {
        "io.opentelemetry.instrumentation.annotations.WithSpan",
        "io.opentelemetry.extension.annotations.WithSpan",
    };

    private RuleSet() {
    }

    public static List<Rule> load(AgentConfig config) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        if (config.getBoolean(Setting.RULES_DEFAULT)) {
            try (InputStream in = RuleSet.class.getResourceAsStream(DEFAULT_PROFILE)) {
                addAll(rules, parseDocument(AgentConfig.yaml().load(in)), "the built-in profile");
            } catch (IOException | RuntimeException e) {
                Log.warn("the built-in rules could not be read", e);
            }
        }
        addAll(rules, config.fileRules(), "the config file");
        String files = config.get(Setting.RULES);
        if (!files.isEmpty()) {
            for (String f : files.split("[,:;]")) {
                if (f.isBlank()) {
                    continue;
                }
                Path p = Path.of(f.trim());
                if (!p.isAbsolute() && config.configDir() != null && !Files.exists(p)) {
                    p = config.configDir().resolve(p);
                }
                try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    addAll(rules, parseDocument(AgentConfig.yaml().load(r)), p.toString());
                } catch (IOException | RuntimeException e) {
                    Log.warn("rule file " + p + " could not be read; its rules are left out", e);
                }
            }
        }
        if (config.getBoolean(Setting.RULES_WITH_SPAN)) {
            for (String a : WITH_SPAN) {
                Rule r = Rule.withSpan(a);
                rules.put(r.name, r);
            }
        }
        return new ArrayList<>(rules.values());
    }

    /** A rules document: a list of rules, or a map with a {@code rules:} list. */
    static List<Object> parseDocument(Object doc) {
        if (doc instanceof Map) {
            Object r = ((Map<?, ?>) doc).get("rules");
            return r instanceof List ? new ArrayList<>((List<?>) r) : new ArrayList<>();
        }
        if (doc instanceof List) {
            return new ArrayList<>((List<?>) doc);
        }
        return new ArrayList<>();
    }

    private static void addAll(Map<String, Rule> into, List<Object> raw, String source) {
        for (Object o : raw) {
            try {
                Rule r = Rule.fromYaml(o);
                into.put(r.name, r); // a later rule of the same name replaces an earlier one
            } catch (RuntimeException e) {
                Log.warn("a rule in " + source + " is left out: " + e.getMessage());
            }
        }
    }
}
