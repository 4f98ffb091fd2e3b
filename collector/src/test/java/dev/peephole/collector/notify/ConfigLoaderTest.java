package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.InvalidConfigException;
import dev.peephole.collector.notify.config.Matchers;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.notify.config.Route;
import dev.peephole.collector.promql.LabelMatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Alertmanager-format file: parsing, inheritance, matcher syntax, templates and error messages. */
class ConfigLoaderTest {

    private final ConfigLoader loader = new ConfigLoader(Duration.ofSeconds(10));

    @Test
    void matcherSyntax() {
        assertThat(Matchers.parse("alertname=\"Down\"")).isEqualTo(LabelMatcher.eq("alertname", "Down"));
        assertThat(Matchers.parse("severity = page")).isEqualTo(LabelMatcher.eq("severity", "page"));
        assertThat(Matchers.parse("team!=\"db\"")).isEqualTo(LabelMatcher.neq("team", "db"));
        assertThat(Matchers.parse("{job=~\"api|web\"}")).isEqualTo(LabelMatcher.re("job", "api|web"));
        assertThat(Matchers.parse("msg!~\"a\\\\.b \\\"q\\\"\"")).isEqualTo(LabelMatcher.nre("msg", "a\\.b \"q\""));
        assertThat(Matchers.parse("job=~\"api|web\"").matches("web")).isTrue();
        assertThat(Matchers.parse("job=~\"api|web\"").matches("webx")).as("anchored").isFalse();
        assertThatThrownBy(() -> Matchers.parse("job")).hasMessageContaining("bad matcher \"job\"");
        assertThatThrownBy(() -> Matchers.parse("job=~\"(\"")).hasMessageContaining("bad matcher");
        assertThatThrownBy(() -> Matchers.parse("job=\"open")).hasMessageContaining("unterminated");
    }

    @Test
    void childrenInheritAndGroupKeysFollowAlertmanager() {
        NotifyRouting r = loader.parse("""
                route:
                  receiver: a
                  group_by: [alertname, cluster]
                  group_wait: 10s
                  routes:
                    - matchers: ['severity="page"', 'team=~"db.*"']
                      receiver: b
                      repeat_interval: 2h
                      routes:
                        - match_re: {service: "^(?:mysql|pg)$"}
                          group_by: ['...']
                receivers: [{name: a}, {name: b}]
                """);
        Route leaf = r.route().match(Map.of("severity", "page", "team", "dbops", "service", "pg", "x", "1")).get(0);
        assertThat(leaf.receiver()).isEqualTo("b");
        assertThat(leaf.groupWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(leaf.groupInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(leaf.repeatInterval()).isEqualTo(Duration.ofHours(2));
        assertThat(leaf.groupByAll()).isTrue();
        assertThat(leaf.key()).isEqualTo("{}/{severity=\"page\",team=~\"db.*\"}/{service=~\"^(?:mysql|pg)$\"}");
        Route mid = r.route().match(Map.of("severity", "page", "team", "db", "alertname", "X")).get(0);
        assertThat(mid.groupLabels(Map.of("alertname", "X", "cluster", "c1", "team", "db")))
                .isEqualTo(Map.of("alertname", "X", "cluster", "c1"));
        assertThat(r.route().match(Map.of("severity", "info"))).extracting(Route::receiver).containsExactly("a");
        assertThat(r.resolveTimeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void errorsNameTheProblemAndItsPosition(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> loader.parse("route:\n  receiver: a\n  group_wiat: 1s\nreceivers: [{name: a}]\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown field \"group_wiat\"").hasMessageContaining("line 3");
        assertThatThrownBy(() -> loader.parse("route:\n  receiver: a\n  group_wait: soon\nreceivers: [{name: a}]\n"))
                .hasMessageContaining("route.group_wait").hasMessageContaining("soon");
        assertThatThrownBy(() -> loader.parse("route: {receiver: a, routes: [{receiver: zz}]}\nreceivers: [{name: a}]\n"))
                .hasMessageContaining("route.routes[0]: undefined receiver \"zz\"");
        assertThatThrownBy(() -> loader.parse("route: {receiver: a, escalation: x}\nreceivers: [{name: a}]\n"))
                .hasMessageContaining("undefined escalation \"x\"");
        assertThatThrownBy(() -> loader.parse("route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{channel: x}]}]\n"))
                .hasMessageContaining("slack_configs needs api_url");
        assertThatThrownBy(() -> loader.parse("route: {receiver: a}\nreceivers: [{name: a, slack_configs: "
                + "[{api_url: 'http://h/s', title: '{{ if .Status }}x'}]}]\n"))
                .hasMessageContaining("title").hasMessageContaining("without {{end}}");
        assertThatThrownBy(() -> loader.parse("route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'not a url'}]}]\n"))
                .hasMessageContaining("webhook url");
        assertThatThrownBy(() -> loader.parse("route:\n  receiver: [oops\n"))
                .hasMessageContaining("line");
        Path f = dir.resolve("n.yml");
        Files.writeString(f, "receivers: [{name: a}]\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageStartingWith(f + ": no route");
        assertThatThrownBy(() -> loader.load(dir.resolve("missing.yml"))).hasMessageContaining("missing.yml: no such file");
    }

    @Test
    void escalationsAreChecked() {
        NotifyRouting r = loader.parse("""
                route: {receiver: a, escalation: oncall}
                receivers: [{name: a}, {name: b}]
                escalations:
                  - name: oncall
                    levels:
                      - {receiver: a, after: 5m}
                      - {receiver: b, after: 1h}
                """);
        assertThat(r.escalations().get("oncall").levels()).extracting(l -> l.after())
                .containsExactly(Duration.ofMinutes(5), Duration.ofHours(1));
        assertThatThrownBy(() -> loader.parse("""
                route: {receiver: a}
                receivers: [{name: a}]
                escalations: [{name: e, levels: [{receiver: a, after: 1h}, {receiver: a, after: 5m}]}]
                """)).hasMessageContaining("increasing");
    }

    @Test
    void templateSubset() {
        Notification n = new Notification("r", "k", Map.of("alertname", "A"), List.of(
                new NotifyAlert("f1", 1, Map.of("alertname", "A", "host", "h1"), Map.of("summary", "one"), java.time.Instant.EPOCH, null, ""),
                new NotifyAlert("f2", 2, Map.of("alertname", "A", "host", "h2"), Map.of(), java.time.Instant.EPOCH,
                        java.time.Instant.EPOCH.plusSeconds(1), "")), "");
        Map<String, Object> data = Payloads.templateData(n);
        assertThat(GoTemplate.parse("{{ .Status | toUpper }} {{ len .Alerts }}/{{ .Alerts.Resolved | len }}", false).render(data))
                .isEqualTo("FIRING 2/1");
        assertThat(GoTemplate.parse("{{ range .Alerts -}} {{ .Labels.host }}{{ if .Annotations.summary }}:{{ .Annotations.summary }}"
                + "{{ else if eq .Status \"resolved\" }}:ok{{ else }}?{{ end }} {{- end }}", false).render(data))
                .isEqualTo("h1:oneh2:ok");
        assertThat(GoTemplate.parse("{{ .CommonLabels.Names | join \",\" }} {{ title \"hello world\" }} "
                + "{{ if and (gt (len .Alerts) 1) (ne .Receiver \"x\") }}many{{ end }} {{ $.Receiver }}", false).render(data))
                .isEqualTo("alertname Hello World many r");
        assertThat(GoTemplate.parse("<b>{{ .GroupLabels.alertname }}</b>{{ \"<x>\" }}", true).render(data))
                .isEqualTo("<b>A</b>&lt;x&gt;");
        assertThatThrownBy(() -> GoTemplate.parse("{{ define \"x\" }}{{ end }}", false)).hasMessageContaining("not in Peephole");
        assertThatThrownBy(() -> GoTemplate.parse("{{ nope .Status }}", false)).hasMessageContaining("nope not defined");
    }
}
