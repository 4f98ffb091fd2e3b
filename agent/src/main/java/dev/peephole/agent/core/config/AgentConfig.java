package dev.peephole.agent.core.config;

import dev.peephole.agent.core.Log;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The agent's settings ({@link Setting}), resolved in this order: agent arguments
 * ({@code key=value,key=value}), {@code -Dpeephole.agent.KEY} system properties,
 * {@code PEEPHOLE_AGENT_KEY} environment variables, the YAML config file ({@code config}), defaults.
 * A config file that cannot be read logs one line and is ignored.
 */
public final class AgentConfig {
    private final Map<String, String> args;
    private final Properties sysProps;
    private final Map<String, String> env;
    private final Map<String, String> file;
    private final List<Object> fileRules;
    private final Path configDir;

    private AgentConfig(Map<String, String> args, Properties sysProps, Map<String, String> env,
                        Map<String, String> file, List<Object> fileRules, Path configDir) {
        this.args = args;
        this.sysProps = sysProps;
        this.env = env;
        this.file = file;
        this.fileRules = fileRules;
        this.configDir = configDir;
    }

    public static AgentConfig load(String agentArgs) {
        return load(agentArgs, System.getProperties(), System.getenv());
    }

    public static AgentConfig load(String agentArgs, Properties sysProps, Map<String, String> env) {
        Map<String, String> args = parseArgs(agentArgs);
        AgentConfig partial = new AgentConfig(args, sysProps, env, Collections.emptyMap(), Collections.emptyList(), null);
        String configFile = partial.get(Setting.CONFIG);
        Map<String, String> file = new LinkedHashMap<>();
        List<Object> rules = new ArrayList<>();
        Path dir = null;
        if (!configFile.isEmpty()) {
            Path p = Path.of(configFile);
            dir = p.toAbsolutePath().getParent();
            try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                Object doc = yaml().load(r);
                if (doc instanceof Map) {
                    flatten("", (Map<?, ?>) doc, file, rules);
                } else if (doc != null) {
                    Log.warn("config file " + p + " is not a YAML mapping; ignored");
                }
            } catch (IOException | RuntimeException e) {
                Log.warn("config file " + p + " could not be read, going on without it", e);
            }
        }
        return new AgentConfig(args, sysProps, env, file, rules, dir);
    }

    public static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        return new Yaml(new SafeConstructor(options));
    }

    static Map<String, String> parseArgs(String agentArgs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) {
            return out;
        }
        for (String part : agentArgs.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                Log.warn("agent argument '" + part + "' is not key=value; ignored");
                continue;
            }
            String key = part.substring(0, eq).trim();
            if (Setting.byKey(key) == null) {
                Log.warn("unknown agent argument '" + key + "'; ignored");
                continue;
            }
            out.put(key, part.substring(eq + 1).trim());
        }
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out, List<Object> rules) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object v = e.getValue();
            if (key.equals("rules") && v instanceof List) {
                rules.addAll((List<?>) v);
            } else if (v instanceof Map) {
                flatten(key + ".", (Map<?, ?>) v, out, rules);
            } else if (v instanceof List) {
                StringBuilder sb = new StringBuilder();
                for (Object o : (List<?>) v) {
                    if (sb.length() > 0) {
                        sb.append(',');
                    }
                    sb.append(o);
                }
                out.put(key, sb.toString());
            } else if (v != null) {
                if (Setting.byKey(key) == null && !key.startsWith("resource.")) {
                    Log.warn("unknown setting '" + key + "' in the config file; ignored");
                }
                out.put(key, String.valueOf(v));
            }
        }
    }

    /** The value and where it came from. */
    public String get(Setting s) {
        String v = args.get(s.key());
        if (v == null) {
            v = sysProps.getProperty(s.systemProperty());
        }
        if (v == null) {
            v = env.get(s.envVariable());
        }
        if (v == null) {
            v = file.get(s.key());
        }
        if (v == null) {
            v = s.defaultValue();
        }
        return v.trim();
    }

    public boolean getBoolean(Setting s) {
        String v = get(s).toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("yes") || v.equals("on") || v.equals("1")) {
            return true;
        }
        if (v.equals("false") || v.equals("no") || v.equals("off") || v.equals("0")) {
            return false;
        }
        Log.warn(s.key() + "=" + v + " is not a boolean; using " + s.defaultValue());
        return Boolean.parseBoolean(s.defaultValue());
    }

    public long getLong(Setting s) {
        try {
            return Long.parseLong(get(s));
        } catch (NumberFormatException e) {
            Log.warn(s.key() + "=" + get(s) + " is not a number; using " + s.defaultValue());
            return Long.parseLong(s.defaultValue());
        }
    }

    public int getInt(Setting s) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, getLong(s)));
    }

    public double getDouble(Setting s) {
        try {
            return Double.parseDouble(get(s));
        } catch (NumberFormatException e) {
            Log.warn(s.key() + "=" + get(s) + " is not a number; using " + s.defaultValue());
            return Double.parseDouble(s.defaultValue());
        }
    }

    public Duration getDuration(Setting s) {
        Duration d = parseDuration(get(s));
        if (d == null) {
            Log.warn(s.key() + "=" + get(s) + " is not a duration (500ms, 2s, 1m); using " + s.defaultValue());
            d = parseDuration(s.defaultValue());
        }
        return d;
    }

    /** {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}; a bare number is seconds. */
    public static Duration parseDuration(String v) {
        try {
            String t = v.trim().toLowerCase(Locale.ROOT);
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Rules written inline in the config file's {@code rules:} list (raw YAML values). */
    public List<Object> fileRules() {
        return fileRules;
    }

    /** The directory of the config file (relative rule file paths are resolved against it), or null. */
    public Path configDir() {
        return configDir;
    }

    /** {@code resource.KEY: value} entries of the config file, sent as Hello resource attributes. */
    public Map<String, String> resourceAttributes() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : file.entrySet()) {
            if (e.getKey().startsWith("resource.")) {
                out.put(e.getKey().substring("resource.".length()), e.getValue());
            }
        }
        return out;
    }
}
