package dev.peephole.agent.core.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One instrumentation rule: which classes and methods it weaves, how the span is named, what it
 * records. Written in YAML:
 * <pre>
 * - name: doorbell.face.recognize            # unique; the collector can switch rules on and off by name
 *   class: dev.peephole.doorbell.vision.FaceRecognizer   # a name or a glob (*, **, ?); or a map:
 *   #  class: {name|glob: ..., supertype: some.Interface, annotation: some.Annotation}
 *   method: recognize                        # a name or a glob; or {name|glob: ..., annotation: ..., parameters: [...]}
 *   parameters: [dev.peephole.doorbell.camera.Frame, FaceRegion]   # optional: exact parameter types (full or simple names)
 *   span: "face.recognize"                   # name template: {class} {simpleClass} {method} {arg0.x}; default {simpleClass}.{method}
 *   kind: internal                           # internal (default), server, client, producer, consumer
 *   attributes:                              # span attribute: property path
 *     recognition.result: return.kind
 *     person.name: return.personName
 *   metricLabels: [recognition.result]       # captured attributes that also label the span metrics
 *   enabled: true
 * </pre>
 */
public final class Rule {
    public final String name;
    public final String classPattern;      // exact name or glob, or null
    public final Pattern classGlob;
    public final String supertype;
    public final String classAnnotation;
    public final String methodPattern;     // exact name or glob, or null (any method)
    public final Pattern methodGlob;
    public final String methodAnnotation;
    public final List<String> parameters;  // null: any
    public final String spanTemplate;
    public final String kind;
    public final Map<String, PropertyPath> attributes;
    public final List<String> metricLabels;
    public final boolean enabledByDefault;
    /** Set for the built-in @WithSpan rule: the span name and kind come from the annotation. */
    public final boolean fromAnnotation;

    Rule(String name, String classPattern, String supertype, String classAnnotation, String methodPattern,
         String methodAnnotation, List<String> parameters, String spanTemplate, String kind,
         Map<String, PropertyPath> attributes, List<String> metricLabels, boolean enabledByDefault, boolean fromAnnotation) {
        this.name = name;
        this.classPattern = classPattern;
        this.classGlob = classPattern != null && Glob.isGlob(classPattern) ? Glob.compile(classPattern) : null;
        this.supertype = supertype;
        this.classAnnotation = classAnnotation;
        this.methodPattern = methodPattern;
        this.methodGlob = methodPattern != null && Glob.isGlob(methodPattern) ? Glob.compile(methodPattern) : null;
        this.methodAnnotation = methodAnnotation;
        this.parameters = parameters;
        this.spanTemplate = spanTemplate == null ? "{simpleClass}.{method}" : spanTemplate;
        this.kind = kind;
        this.attributes = attributes;
        this.metricLabels = metricLabels;
        this.enabledByDefault = enabledByDefault;
        this.fromAnnotation = fromAnnotation;
    }

    /** The built-in rule for OpenTelemetry's {@code @WithSpan}, matched by annotation name. */
    public static Rule withSpan(String annotation) {
        return new Rule("withspan:" + annotation, null, null, null, null, annotation, null, null, "internal",
                Collections.emptyMap(), Collections.emptyList(), true, true);
    }

    /** Whether an attribute is read from the return value. */
    public boolean readsReturn() {
        for (PropertyPath p : attributes.values()) {
            if (p.root() == PropertyPath.Root.RETURN) {
                return true;
            }
        }
        return false;
    }

    public boolean needsArguments() {
        for (PropertyPath p : attributes.values()) {
            if (p.root() != PropertyPath.Root.RETURN) {
                return true;
            }
        }
        return spanTemplate.contains("{arg") || spanTemplate.contains("{this");
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ YAML

    /** Builds a rule from its YAML map; throws IllegalArgumentException naming what is wrong. */
    @SuppressWarnings("unchecked")
    public static Rule fromYaml(Object raw) {
        if (!(raw instanceof Map)) {
            throw new IllegalArgumentException("a rule must be a map, not " + raw);
        }
        Map<String, Object> m = (Map<String, Object>) raw;
        for (String key : m.keySet()) {
            if (!List.of("name", "class", "method", "parameters", "span", "kind", "attributes", "metricLabels",
                    "enabled").contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "'");
            }
        }
        String name = str(m.get("name"));
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a rule needs a name");
        }
        String classPattern = null;
        String supertype = null;
        String classAnnotation = null;
        Object c = m.get("class");
        if (c instanceof Map) {
            Map<String, Object> cm = (Map<String, Object>) c;
            classPattern = first(str(cm.get("name")), str(cm.get("glob")));
            supertype = str(cm.get("supertype"));
            classAnnotation = str(cm.get("annotation"));
        } else {
            classPattern = str(c);
        }
        String methodPattern = null;
        String methodAnnotation = null;
        List<String> parameters = strings(m.get("parameters"));
        Object me = m.get("method");
        if (me instanceof Map) {
            Map<String, Object> mm = (Map<String, Object>) me;
            methodPattern = first(str(mm.get("name")), str(mm.get("glob")));
            methodAnnotation = str(mm.get("annotation"));
            if (mm.containsKey("parameters")) {
                parameters = strings(mm.get("parameters"));
            }
        } else {
            methodPattern = str(me);
        }
        if (classPattern == null && supertype == null && classAnnotation == null && methodAnnotation == null) {
            throw new IllegalArgumentException("rule " + name + " matches no class: give class (name, glob, supertype or annotation)");
        }
        if (methodPattern == null && methodAnnotation == null) {
            throw new IllegalArgumentException("rule " + name + " needs a method (name, glob or annotation)");
        }
        String kind = str(m.get("kind"));
        kind = kind == null ? "internal" : kind.toLowerCase(Locale.ROOT);
        if (!List.of("internal", "server", "client", "producer", "consumer").contains(kind)) {
            throw new IllegalArgumentException("rule " + name + ": unknown kind " + kind);
        }
        Map<String, PropertyPath> attributes = new LinkedHashMap<>();
        Object a = m.get("attributes");
        if (a instanceof Map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) a).entrySet()) {
                attributes.put(e.getKey(), PropertyPath.parse(String.valueOf(e.getValue())));
            }
        } else if (a != null) {
            throw new IllegalArgumentException("rule " + name + ": attributes must be a map of name: path");
        }
        List<String> labels = strings(m.get("metricLabels"));
        if (labels == null) {
            labels = Collections.emptyList();
        }
        for (String l : labels) {
            if (!attributes.containsKey(l)) {
                throw new IllegalArgumentException("rule " + name + ": metric label " + l + " is not one of its attributes");
            }
        }
        Object enabled = m.get("enabled");
        String span = str(m.get("span"));
        Rule r = new Rule(name, classPattern, supertype, classAnnotation, methodPattern, methodAnnotation, parameters,
                span, kind, attributes, labels, enabled == null || Boolean.parseBoolean(String.valueOf(enabled)), false);
        SpanNameTemplate.of(r.spanTemplate, "C", "m"); // validates the template
        return r;
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o).trim();
    }

    private static List<String> strings(Object o) {
        if (o == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (o instanceof List) {
            for (Object x : (List<?>) o) {
                out.add(String.valueOf(x).trim());
            }
        } else {
            for (String s : String.valueOf(o).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }
}
