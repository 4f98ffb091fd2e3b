package dev.peephole.collector.config;

import dev.peephole.collector.security.Requests;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/config} (admins): every setting of {@link CollectorSettings} with the
 * value the collector runs with and where it came from; secrets are {@code <redacted>}.
 */
@Controller("/api/v1/config")
public class ConfigController {

    public static final String REDACTED = Redaction.REDACTED;
    private final Environment environment;

    public ConfigController(Environment environment) {
        this.environment = environment;
    }

    @Serdeable
    public record Entry(String name, String property, @Nullable String value, String source,
                        String defaultValue, boolean secret, String meaning) {
    }

    @Serdeable
    public record Config(String status, List<Entry> data) {
    }

    @Get
    public Config config(HttpRequest<?> request) {
        Requests.admin(request);
        return new Config("success", entries());
    }

    /** The effective configuration, secrets redacted. */
    public List<Entry> entries() {
        List<PropertySource> sources = new ArrayList<>(environment.getPropertySources());
        // Micronaut: a source of higher order wins
        sources.sort(Comparator.comparingInt(PropertySource::getOrder).reversed());
        List<Entry> out = new ArrayList<>();
        for (CollectorSettings.Setting s : CollectorSettings.ALL) {
            String value = environment.getProperty(s.property(), String.class).orElse(null);
            String source = "default";
            if (value != null) {
                source = "property";
                for (PropertySource ps : sources) {
                    // environment sources keep the variable names (PEEPHOLE_DATA_DIR), the others the property names
                    if (ps.get(s.property()) != null || ps.get(s.env()) != null) {
                        source = describe(ps);
                        break;
                    }
                }
            }
            String shown;
            if (value == null) {
                shown = null;
            } else if (s.secret()) {
                shown = REDACTED;
            } else {
                // a password inside a JDBC URL is a secret too
                shown = Redaction.url(value);
            }
            out.add(new Entry(s.env(), s.property(), value == null && !isWordNotValue(s.defaultValue())
                    ? s.defaultValue() : shown, source, s.defaultValue(), s.secret(), s.meaning()));
        }
        return out;
    }

    /** Defaults that are words, not values ("unset", "generated"). */
    private static boolean isWordNotValue(String defaultValue) {
        return defaultValue.equals("unset") || defaultValue.equals("generated");
    }

    private static String describe(PropertySource ps) {
        String name = ps.getName();
        return switch (name) {
            case "env" -> "environment";
            case "system" -> "system property";
            case "context" -> "property";
            default -> "file (" + name + ")";
        };
    }
}
