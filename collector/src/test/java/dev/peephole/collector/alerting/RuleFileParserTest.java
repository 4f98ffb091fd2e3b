package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.promql.GoFloat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleFileParserTest {

    private static List<String> problems(String yaml) {
        try {
            RuleFileParser.parse("f.yml", yaml, 60_000);
            return List.of();
        } catch (RuleFileParser.InvalidRulesException e) {
            return e.problems();
        }
    }

    @Test
    void readsGroupsAndRulesWithDefaults() throws Exception {
        List<RuleGroupSpec> groups = RuleFileParser.parse("f.yml", """
                groups:
                  - name: a
                    rules:
                      - alert: X
                        expr: up == 0
                        for: 5m
                        keep_firing_for: 1m
                        labels: {severity: page}
                        annotations: {summary: '{{ $labels.job }} down'}
                  - name: b
                    interval: 15s
                    limit: 10
                    rules:
                      - record: job:up:sum
                        expr: sum by (job) (up)
                """, 60_000);
        assertThat(groups).hasSize(2);
        RuleSpec x = groups.get(0).rules().get(0);
        assertThat(groups.get(0).intervalMs()).isEqualTo(60_000);
        assertThat(x.forMs()).isEqualTo(300_000);
        assertThat(x.keepFiringForMs()).isEqualTo(60_000);
        assertThat(x.labels()).isEqualTo(Map.of("severity", "page"));
        assertThat(groups.get(1).intervalMs()).isEqualTo(15_000);
        assertThat(groups.get(1).limit()).isEqualTo(10);
        assertThat(groups.get(1).rules().get(0).alerting()).isFalse();
    }

    @Test
    void reportsEveryProblemWithWhereItIs() {
        List<String> p = problems("""
                groups:
                  - name: a
                    rules:
                      - alert: X
                        record: y
                        expr: up
                      - record: 'not a name'
                        expr: up
                      - alert: Y
                        expr: sum(rate(x[5m])
                      - record: z
                        expr: up
                        for: 5m
                      - alert: T
                        expr: up
                        annotations: {a: '{{ define "x" }}x{{ end }}'}
                  - name: a
                    rules: []
                """);
        assertThat(p).anyMatch(s -> s.contains("rule 1") && s.contains("one of 'record' or 'alert' must be set"));
        assertThat(p).anyMatch(s -> s.contains("invalid recording rule name: not a name"));
        assertThat(p).anyMatch(s -> s.contains("\"Y\": could not parse expression") && s.contains("1:"));
        assertThat(p).anyMatch(s -> s.contains("invalid field 'for' in recording rule"));
        assertThat(p).anyMatch(s -> s.contains("annotation a") && s.contains("not supported"));
        assertThat(p).anyMatch(s -> s.contains("repeated in the same file"));
    }

    @Test
    void yamlErrorsAndUnknownFieldsNameTheLine() {
        assertThat(problems("groups:\n  - name: a\n    rulez: []\n")).singleElement()
                .isEqualTo("field rulez not known at groups[0].rulez (line 4)");
        assertThat(problems("groups: [\n")).singleElement().satisfies(s -> assertThat(s).startsWith("YAML (line"));
    }

    @Test
    void templatesExpandAsPrometheusDoes() {
        AlertTemplate.Data d = new AlertTemplate.Data(Map.of("job", "api", "instance", "h:9090"), 0.12345,
                Map.of("region", "eu"), "http://x");
        assertThat(AlertTemplate.expand("{{ $labels.job }} {{ .Labels.instance | stripPort }} {{ $value }}", d))
                .isEqualTo("api h 0.12345");
        assertThat(AlertTemplate.expand("{{- \" a \" -}} b {{ $externalLabels.region | toUpper }}", d))
                .isEqualTo(" a b EU");
        assertThat(AlertTemplate.expand("{{ printf \"%.1f%%\" 99.95 }} {{ humanizePercentage $value }}", d))
                .isEqualTo("100.0% 12.35%");
        assertThat(AlertTemplate.expand("{{ $labels.nope }}|{{/* note */}}|", d)).isEqualTo("||");
        assertThat(AlertTemplate.expand("{{ humanize \"x\" }}", d)).contains("<error expanding template");
        // control actions, raw strings and maps print as in Prometheus (one engine with notifications)
        assertThat(AlertTemplate.expand("{{ if gt $value 0.1 }}high{{ else }}low{{ end }} "
                + "{{ range $labels }}<{{ . }}>{{ end }} {{ `raw|x` }} {{ $labels }}", d))
                .isEqualTo("high <h:9090><api> raw|x map[instance:h:9090 job:api]");
        assertThatThrownBy(() -> AlertTemplate.parse("ok {{ template \"email.default.html\" . }}"))
                .hasMessageContaining("not supported").hasMessageContaining("at offset 3");
    }

    @Test
    void goFloatFormatting() {
        assertThat(GoFloat.formatV(1e6)).isEqualTo("1e+06");
        assertThat(GoFloat.formatV(123456)).isEqualTo("123456");
        assertThat(GoFloat.formatV(0.0001)).isEqualTo("0.0001");
        assertThat(GoFloat.formatV(0.00001)).isEqualTo("1e-05");
        assertThat(GoFloat.formatG(100000, 4)).isEqualTo("1e+05");
        assertThat(GoFloat.formatG(1234, 4)).isEqualTo("1234");
        assertThat(GoFloat.humanize(1234567)).isEqualTo("1.235M");
        assertThat(GoFloat.humanize(0.000123)).isEqualTo("123u");
        assertThat(GoFloat.humanizeDuration(93784)).isEqualTo("1d 2h 3m 4s");
        assertThat(GoFloat.humanizeDuration(0.25)).isEqualTo("250ms");
        assertThat(GoFloat.humanize1024(1536)).isEqualTo("1.5ki");
        assertThat(GoFloat.sprintf("%5.2f|%-4d|%s|%e", 3.14159, 7.0, "x", 1234.5)).isEqualTo(" 3.14|7   |x|1.234500e+03");
        assertThatThrownBy(() -> AlertTemplate.parse("{{ $nope }}")).hasMessageContaining("undefined variable");
    }
}
