package dev.peephole.collector.notify;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Peephole's named default templates, used by {@code {{ template "name" . }}} and as integration defaults. */
public final class DefaultTemplates {

    private static final Map<String, String> TEXT = Map.of(
            "default.title",
            "[{{ .Status | toUpper }}{{ if eq .Status \"firing\" }}:{{ .Alerts.Firing | len }}{{ end }}]"
                    + " {{ .GroupLabels.Values | join \" \" }}",
            "default.alerts",
            "{{ range .Alerts }}- {{ .Status | toUpper }} {{ .Labels.alertname }}"
                    + "{{ if .Annotations.summary }}: {{ .Annotations.summary }}{{ end }}"
                    + "{{ if .Annotations.description }}\n  {{ .Annotations.description }}{{ end }}\n"
                    + "  labels: {{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}\n{{ end }}",
            "slack.default.title", "{{ template \"default.title\" . }}",
            "slack.default.text", "{{ template \"default.alerts\" . }}",
            "email.default.subject", "{{ template \"default.title\" . }}",
            "email.default.text", "{{ template \"default.title\" . }}\n\n{{ template \"default.alerts\" . }}"
                    + "{{ if .ExternalURL }}\n{{ .ExternalURL }}{{ end }}",
            "telegram.default.message", "{{ template \"default.title\" . }}\n{{ template \"default.alerts\" . }}");

    private static final Map<String, String> HTML = Map.of(
            "email.default.html",
            "<h3>{{ template \"default.title\" . }}</h3><ul>{{ range .Alerts }}<li><b>{{ .Status | toUpper }}"
                    + " {{ .Labels.alertname }}</b>{{ if .Annotations.summary }}: {{ .Annotations.summary }}{{ end }}"
                    + "{{ if .Annotations.description }}<br>{{ .Annotations.description }}{{ end }}</li>{{ end }}</ul>");

    public static final Set<String> NAMES;

    static {
        java.util.HashSet<String> names = new java.util.HashSet<>(TEXT.keySet());
        names.addAll(HTML.keySet());
        NAMES = Set.copyOf(names);
    }

    private static final Map<String, GoTemplate> PARSED = new ConcurrentHashMap<>();

    private DefaultTemplates() {
    }

    public static GoTemplate get(String name) {
        GoTemplate t = PARSED.get(name);
        if (t == null) {
            if (TEXT.containsKey(name)) {
                t = GoTemplate.parse(TEXT.get(name), false);
            } else if (HTML.containsKey(name)) {
                t = GoTemplate.parse(HTML.get(name), true);
            } else {
                return null;
            }
            PARSED.put(name, t);
        }
        return t;
    }
}
