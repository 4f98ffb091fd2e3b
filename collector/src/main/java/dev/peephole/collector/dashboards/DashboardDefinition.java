package dev.peephole.collector.dashboards;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.peephole.collector.promql.PromQLParser;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A custom dashboard as saved, exported and imported: a title and its panels in grid order.
 * {@link #parse} reads a request body strictly (unknown fields, wrong types, too many panels and
 * PromQL that does not parse are refused with a message naming the place).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DashboardDefinition(@JsonProperty("title") String title,
                                  @JsonProperty("panels") List<Panel> panels) {

    public static final int MAX_PANELS = 50;
    public static final int MAX_THRESHOLDS = 10;
    public static final int MAX_TITLE = 200;
    public static final int MAX_QUERY = 4000;
    public static final long MAX_STEP_SECONDS = 86400;
    public static final Set<String> TYPES = Set.of("line", "area", "bar", "stat", "table");
    /** The units the UI formats values in ("" is a plain number). */
    public static final Set<String> UNITS = Set.of("", "s", "bytes", "bytes/s", "ratio", "/s");
    /** Replaced by the UI with the rate window of the panel's step; parsed here as 1m. */
    public static final String RATE_INTERVAL = "$__rate_interval";
    private static final Pattern COLOR = Pattern.compile("#[0-9a-fA-F]{6}");

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /**
     * One chart: a PromQL query, how it is drawn, the unit of its values, an optional fixed step in
     * seconds (else the UI's step for the range) and threshold lines.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Panel(@JsonProperty("title") String title,
                        @JsonProperty("query") String query,
                        @JsonProperty("type") String type,
                        @JsonProperty("unit") String unit,
                        @JsonProperty("step") Long step,
                        @JsonProperty("thresholds") List<Threshold> thresholds) {
    }

    /** A horizontal line at a value, in a colour (#rrggbb). */
    public record Threshold(@JsonProperty("value") Double value, @JsonProperty("color") String color) {
    }

    /** A request body that is not a valid dashboard; the message says what and where. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Reads and checks a dashboard; defaults filled in (type line, unit "", no thresholds). */
    public static DashboardDefinition parse(String body) throws Invalid {
        if (body == null || body.isBlank()) {
            throw new Invalid("the body must be a dashboard in JSON: {\"title\": ..., \"panels\": [...]}");
        }
        DashboardDefinition d;
        try {
            d = JSON.readValue(body, DashboardDefinition.class);
        } catch (UnrecognizedPropertyException e) {
            throw new Invalid("unknown field \"" + e.getPropertyName() + "\"" + where(e));
        } catch (MismatchedInputException e) {
            if (e.getOriginalMessage().startsWith("Trailing token")) {
                throw new Invalid("the body is not valid JSON: more follows the dashboard's object");
            }
            throw new Invalid("wrong type of value" + where(e) + ": " + e.getOriginalMessage().split("\n")[0]);
        } catch (JsonProcessingException e) {
            throw new Invalid("the body is not valid JSON: " + e.getOriginalMessage().split("\n")[0]);
        }
        if (d == null) {
            throw new Invalid("the body must be a JSON object");
        }
        String title = text(d.title(), "title", MAX_TITLE);
        if (d.panels() == null) {
            throw new Invalid("\"panels\" is required (a list, may be empty)");
        }
        if (d.panels().size() > MAX_PANELS) {
            throw new Invalid("too many panels: " + d.panels().size() + "; a dashboard holds at most " + MAX_PANELS);
        }
        List<Panel> panels = new java.util.ArrayList<>();
        for (int i = 0; i < d.panels().size(); i++) {
            panels.add(checked(d.panels().get(i), "panels[" + i + "]"));
        }
        return new DashboardDefinition(title, List.copyOf(panels));
    }

    private static Panel checked(Panel p, String at) throws Invalid {
        if (p == null) {
            throw new Invalid(at + " must be an object");
        }
        String title = text(p.title(), at + ".title", MAX_TITLE);
        String query = text(p.query(), at + ".query", MAX_QUERY);
        try {
            PromQLParser.parse(query.replace(RATE_INTERVAL, "1m"));
        } catch (RuntimeException e) { // PromQLParseException and the parser's other refusals
            throw new Invalid(at + ".query does not parse: " + e.getMessage());
        }
        String type = p.type() == null ? "line" : p.type();
        if (!TYPES.contains(type)) {
            throw new Invalid(at + ".type \"" + type + "\" is not one of line, area, bar, stat, table");
        }
        String unit = p.unit() == null ? "" : p.unit();
        if (!UNITS.contains(unit)) {
            throw new Invalid(at + ".unit \"" + unit + "\" is not one of \"\", s, bytes, bytes/s, ratio, /s");
        }
        if (p.step() != null && (p.step() < 1 || p.step() > MAX_STEP_SECONDS)) {
            throw new Invalid(at + ".step must be 1 to " + MAX_STEP_SECONDS + " seconds");
        }
        List<Threshold> thresholds = p.thresholds() == null ? List.of() : p.thresholds();
        if (thresholds.size() > MAX_THRESHOLDS) {
            throw new Invalid(at + " has " + thresholds.size() + " thresholds; at most " + MAX_THRESHOLDS);
        }
        for (int i = 0; i < thresholds.size(); i++) {
            Threshold t = thresholds.get(i);
            String tAt = at + ".thresholds[" + i + "]";
            if (t == null || t.value() == null || !Double.isFinite(t.value())) {
                throw new Invalid(tAt + ".value must be a finite number");
            }
            if (t.color() == null || !COLOR.matcher(t.color()).matches()) {
                throw new Invalid(tAt + ".color must be a colour like #ef4444");
            }
        }
        return new Panel(title, query, type, unit, p.step(), List.copyOf(thresholds));
    }

    private static String text(String value, String field, int max) throws Invalid {
        if (value == null || value.isBlank()) {
            throw new Invalid("\"" + field + "\" is required");
        }
        if (value.length() > max) {
            throw new Invalid("\"" + field + "\" is longer than " + max + " characters");
        }
        return value;
    }

    /** " at panels[2].thresholds" from the path of a mapping error. */
    private static String where(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            } else if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            }
        }
        // the unknown field itself is the last reference: name the object that holds it
        if (e instanceof UnrecognizedPropertyException u && b.toString().endsWith(u.getPropertyName())) {
            b.setLength(Math.max(0, b.length() - u.getPropertyName().length() - 1));
        }
        return b.length() == 0 ? "" : " at " + b;
    }

    /** The definition as stored and exported. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
