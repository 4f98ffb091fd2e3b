package dev.peephole.collector.alerting;

import dev.peephole.collector.notify.GoTemplate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A Prometheus alert label or annotation template, in the collector's one template engine
 * ({@link GoTemplate}) with Prometheus' data: {@code $labels}, {@code $labels.name},
 * {@code $value}, {@code $externalLabels.name}, {@code $externalURL} and their dot forms
 * ({@code .Labels.name}, {@code .Value}, {@code .ExternalLabels}, {@code .ExternalURL}), and the
 * engine's functions ({@code humanize}, {@code printf}, ...), {@code if} and {@code range}.
 * Another {@code $variable} or an unsupported action is refused when the rule is saved. Missing
 * labels expand to the empty string, as Prometheus' {@code missingkey=zero}; an expansion error
 * gives {@code <error expanding template: ...>} in place of the text, as Prometheus does.
 */
public final class AlertTemplate {

    private static final GoTemplate.Dialect PROMETHEUS =
            new GoTemplate.Dialect(Set.of("labels", "value", "externalLabels", "externalURL"), false);

    /** A template that cannot be parsed. */
    public static final class TemplateException extends Exception {
        public TemplateException(String message) {
            super(message);
        }
    }

    /** What a template sees. */
    public record Data(Map<String, String> labels, double value, Map<String, String> externalLabels,
                       String externalUrl) {
    }

    private final GoTemplate template;

    private AlertTemplate(GoTemplate template) {
        this.template = template;
    }

    public static AlertTemplate parse(String text) throws TemplateException {
        try {
            return new AlertTemplate(GoTemplate.parse(text, false, PROMETHEUS));
        } catch (IllegalArgumentException e) {
            throw new TemplateException(e.getMessage());
        }
    }

    /** Expands the template; an error (a function given a wrong argument) is the result, as in Prometheus. */
    public String expand(Data data) {
        Map<String, Object> root = new HashMap<>();
        root.put("labels", data.labels());
        root.put("Labels", data.labels());
        root.put("value", data.value());
        root.put("Value", data.value());
        root.put("externalLabels", data.externalLabels());
        root.put("ExternalLabels", data.externalLabels());
        root.put("externalURL", data.externalUrl());
        root.put("ExternalURL", data.externalUrl());
        try {
            return template.render(root);
        } catch (IllegalArgumentException e) {
            return "<error expanding template: " + e.getMessage() + ">";
        }
    }

    /** Parses and expands in one step; a template that does not parse gives its error text, as Prometheus does. */
    public static String expand(String text, Data data) {
        try {
            return parse(text).expand(data);
        } catch (TemplateException e) {
            return "<error expanding template: " + e.getMessage() + ">";
        }
    }
}
