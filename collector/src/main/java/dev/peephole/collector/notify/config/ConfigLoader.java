package dev.peephole.collector.notify.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.peephole.collector.notify.AlertmanagerIntegration;
import dev.peephole.collector.notify.EmailIntegration;
import dev.peephole.collector.notify.GoTemplate;
import dev.peephole.collector.notify.Integration;
import dev.peephole.collector.notify.SlackIntegration;
import dev.peephole.collector.notify.TelegramIntegration;
import dev.peephole.collector.notify.WebhookIntegration;
import dev.peephole.collector.notify.config.NotifyConfigFile.HttpConfigFile;
import dev.peephole.collector.notify.config.NotifyConfigFile.RouteFile;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.ast.Durations;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and checks the notification file ({@code PEEPHOLE_NOTIFY_CONFIG}). */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final Duration defaultTimeout;

    public ConfigLoader(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }

    /** Loads {@code file}; throws {@link InvalidConfigException} naming the file and the problem. */
    public NotifyRouting load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidConfigException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage());
        }
    }

    /** Parses and checks the YAML text. */
    public NotifyRouting parse(String text) {
        NotifyConfigFile f;
        try {
            f = YAML.readValue(text, NotifyConfigFile.class);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidConfigException("unknown field \"" + e.getPropertyName() + "\"" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(e.getOriginalMessage() + at(e.getLocation()));
        }
        if (f == null) {
            throw new InvalidConfigException("the file is empty");
        }
        try {
            return build(f);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    private static String at(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private NotifyRouting build(NotifyConfigFile f) {
        NotifyConfigFile.Global g = f.global == null ? new NotifyConfigFile.Global() : f.global;
        Map<String, List<Integration>> receivers = new LinkedHashMap<>();
        for (NotifyConfigFile.ReceiverFile r : f.receivers) {
            if (r.name == null || r.name.isBlank()) {
                throw new IllegalArgumentException("a receiver has no name");
            }
            if (receivers.containsKey(r.name)) {
                throw new IllegalArgumentException("receiver \"" + r.name + "\" is defined twice");
            }
            receivers.put(r.name, integrations(r, g));
        }
        Map<String, EscalationPolicy> escalations = new LinkedHashMap<>();
        for (NotifyConfigFile.EscalationFile e : f.escalations) {
            String where = "escalation \"" + e.name + "\"";
            if (e.name == null || e.name.isBlank()) {
                throw new IllegalArgumentException("an escalation has no name");
            }
            if (escalations.containsKey(e.name)) {
                throw new IllegalArgumentException(where + " is defined twice");
            }
            if (e.levels.isEmpty()) {
                throw new IllegalArgumentException(where + " has no levels");
            }
            List<EscalationPolicy.Level> levels = new ArrayList<>();
            Duration previous = Duration.ZERO;
            for (NotifyConfigFile.LevelFile l : e.levels) {
                requireReceiver(receivers, l.receiver, where);
                if (l.after == null) {
                    throw new IllegalArgumentException(where + ": every level needs \"after\" (a duration)");
                }
                Duration after = duration(l.after, where + " after");
                if (after.compareTo(previous) < 0) {
                    throw new IllegalArgumentException(where + ": levels must be in increasing \"after\" order");
                }
                previous = after;
                levels.add(new EscalationPolicy.Level(l.receiver, after));
            }
            escalations.put(e.name, new EscalationPolicy(e.name, List.copyOf(levels)));
        }
        Route root = null;
        if (f.route != null) {
            if (f.route.receiver == null) {
                throw new IllegalArgumentException("route: the root route needs a receiver");
            }
            if (!Matchers.of(f.route.matchers, f.route.match, f.route.matchRe).isEmpty()) {
                throw new IllegalArgumentException("route: the root route must not have matchers");
            }
            if (f.route.continueMatching) {
                throw new IllegalArgumentException("route: the root route cannot have continue");
            }
            root = route(f.route, null, receivers, escalations, "route");
        } else if (!receivers.isEmpty()) {
            throw new IllegalArgumentException("no route: receivers are defined but nothing routes to them");
        }
        List<InhibitRule> inhibits = new ArrayList<>();
        for (NotifyConfigFile.InhibitRuleFile r : f.inhibitRules) {
            inhibits.add(new InhibitRule(Matchers.of(r.sourceMatchers, r.sourceMatch, r.sourceMatchRe),
                    Matchers.of(r.targetMatchers, r.targetMatch, r.targetMatchRe), List.copyOf(r.equal)));
        }
        List<Integration> alertmanagers = new ArrayList<>();
        for (NotifyConfigFile.AlertmanagerFile a : f.alertmanagers) {
            String url = url(a.url, "alertmanagers url");
            alertmanagers.add(new AlertmanagerIntegration(url, timeout(a.timeout, "alertmanagers"), auth(a.httpConfig)));
        }
        return new NotifyRouting(root, receivers, List.copyOf(inhibits), escalations, List.copyOf(alertmanagers),
                duration(g.resolveTimeout, "global.resolve_timeout"));
    }

    private Route route(RouteFile r, Route parent, Map<String, List<Integration>> receivers,
                        Map<String, EscalationPolicy> escalations, String where) {
        List<LabelMatcher> matchers = Matchers.of(r.matchers, r.match, r.matchRe);
        String receiver = r.receiver != null ? r.receiver : parent.receiver();
        requireReceiver(receivers, receiver, where);
        List<String> groupBy;
        boolean all;
        if (r.groupBy != null) {
            all = r.groupBy.contains("...");
            if (all && r.groupBy.size() > 1) {
                throw new IllegalArgumentException(where + ": group_by \"...\" must be alone");
            }
            groupBy = all ? List.of() : List.copyOf(r.groupBy);
            Set<String> seen = new HashSet<>();
            for (String l : groupBy) {
                if (!seen.add(l)) {
                    throw new IllegalArgumentException(where + ": duplicate label " + l + " in group_by");
                }
            }
        } else {
            groupBy = parent == null ? List.of() : parent.groupBy();
            all = parent != null && parent.groupByAll();
        }
        Duration wait = r.groupWait != null ? duration(r.groupWait, where + ".group_wait")
                : parent == null ? Duration.ofSeconds(30) : parent.groupWait();
        Duration interval = r.groupInterval != null ? duration(r.groupInterval, where + ".group_interval")
                : parent == null ? Duration.ofMinutes(5) : parent.groupInterval();
        Duration repeat = r.repeatInterval != null ? duration(r.repeatInterval, where + ".repeat_interval")
                : parent == null ? Duration.ofHours(4) : parent.repeatInterval();
        if (interval.isZero()) {
            throw new IllegalArgumentException(where + ": group_interval cannot be zero");
        }
        if (repeat.isZero()) {
            throw new IllegalArgumentException(where + ": repeat_interval cannot be zero");
        }
        String escalation = r.escalation != null ? r.escalation : parent == null ? null : parent.escalation();
        if (escalation != null && !escalations.containsKey(escalation)) {
            throw new IllegalArgumentException(where + ": undefined escalation \"" + escalation + "\"");
        }
        String key = parent == null ? Matchers.format(matchers) : parent.key() + "/" + Matchers.format(matchers);
        List<Route> children = new ArrayList<>();
        Route self = new Route(key, receiver, matchers, groupBy, all, wait, interval, repeat, r.continueMatching,
                escalation, children);
        for (int i = 0; i < r.routes.size(); i++) {
            children.add(route(r.routes.get(i), self, receivers, escalations, where + ".routes[" + i + "]"));
        }
        return self;
    }

    private static void requireReceiver(Map<String, List<Integration>> receivers, String name, String where) {
        if (name == null) {
            throw new IllegalArgumentException(where + ": no receiver");
        }
        if (!receivers.containsKey(name)) {
            throw new IllegalArgumentException(where + ": undefined receiver \"" + name + "\"");
        }
    }

    private List<Integration> integrations(NotifyConfigFile.ReceiverFile r, NotifyConfigFile.Global g) {
        String where = "receiver \"" + r.name + "\"";
        List<Integration> out = new ArrayList<>();
        for (NotifyConfigFile.WebhookFile w : r.webhookConfigs) {
            out.add(new WebhookIntegration(url(w.url, where + " webhook url"), bool(w.sendResolved, true), w.maxAlerts,
                    timeout(w.timeout, where), auth(w.httpConfig)));
        }
        for (NotifyConfigFile.SlackFile s : r.slackConfigs) {
            String api = s.apiUrl != null ? s.apiUrl : g.slackApiUrl;
            if (api == null) {
                throw new IllegalArgumentException(where + ": slack_configs needs api_url (or global.slack_api_url)");
            }
            String w = where + " slack_configs";
            out.add(new SlackIntegration(url(api, w + " api_url"), bool(s.sendResolved, false), s.channel, s.username,
                    s.iconEmoji, s.iconUrl,
                    tmpl(s.color, "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}", w + " color", false),
                    tmpl(s.title, "{{ template \"slack.default.title\" . }}", w + " title", false),
                    tmpl(s.titleLink, "", w + " title_link", false),
                    tmpl(s.pretext, "", w + " pretext", false),
                    tmpl(s.text, "{{ template \"slack.default.text\" . }}", w + " text", false),
                    tmpl(s.fallback, "{{ template \"slack.default.title\" . }}", w + " fallback", false),
                    tmpl(s.footer, "", w + " footer", false),
                    auth(s.httpConfig), defaultTimeout));
        }
        for (NotifyConfigFile.EmailFile e : r.emailConfigs) {
            String w = where + " email_configs";
            if (e.to == null || e.to.isBlank()) {
                throw new IllegalArgumentException(w + ": missing to address");
            }
            String from = e.from != null ? e.from : g.smtpFrom;
            String smarthost = e.smarthost != null ? e.smarthost : g.smtpSmarthost;
            if (from == null) {
                throw new IllegalArgumentException(w + ": needs from (or global.smtp_from)");
            }
            if (smarthost == null) {
                throw new IllegalArgumentException(w + ": needs smarthost (or global.smtp_smarthost)");
            }
            Map<String, GoTemplate> headers = new LinkedHashMap<>();
            headers.put("Subject", tmpl(null, "{{ template \"email.default.subject\" . }}", w, false));
            e.headers.forEach((k, v) -> {
                headers.keySet().removeIf(x -> x.equalsIgnoreCase(k));
                headers.put(k, tmpl(v, "", w + " header " + k, false));
            });
            String user = e.authUsername != null ? e.authUsername : g.smtpAuthUsername;
            String password = e.authPassword != null ? e.authPassword : g.smtpAuthPassword;
            boolean requireTls = bool(e.requireTls, bool(g.smtpRequireTls, true));
            try {
                out.add(new EmailIntegration(e.to, from, smarthost, e.hello != null ? e.hello : g.smtpHello, user, password,
                        requireTls, e.tlsConfig != null && e.tlsConfig.insecureSkipVerify,
                        e.tlsConfig == null ? null : e.tlsConfig.caFile, headers,
                        tmpl(e.html, "{{ template \"email.default.html\" . }}", w + " html", true),
                        tmpl(e.text, "{{ template \"email.default.text\" . }}", w + " text", false),
                        bool(e.sendResolved, false), defaultTimeout));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(w + ": " + ex.getMessage());
            }
        }
        for (NotifyConfigFile.TelegramFile t : r.telegramConfigs) {
            String w = where + " telegram_configs";
            if (t.botToken == null || t.botToken.isBlank()) {
                throw new IllegalArgumentException(w + ": missing bot_token");
            }
            if (t.chatId == null) {
                throw new IllegalArgumentException(w + ": missing chat_id");
            }
            boolean html = "HTML".equalsIgnoreCase(t.parseMode);
            String api = t.apiUrl != null ? t.apiUrl : g.telegramApiUrl;
            out.add(new TelegramIntegration(url(api, w + " api_url"), t.botToken, t.chatId,
                    tmpl(t.message, "{{ template \"telegram.default.message\" . }}", w + " message", html),
                    t.parseMode, t.disableNotifications, bool(t.sendResolved, true), defaultTimeout));
        }
        return List.copyOf(out);
    }

    private static GoTemplate tmpl(String text, String dflt, String where, boolean html) {
        try {
            return GoTemplate.parse(text != null ? text : dflt, html);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static boolean bool(Boolean b, boolean dflt) {
        return b == null ? dflt : b;
    }

    private static String url(String url, String where) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(where + " is missing");
        }
        try {
            URI u = new URI(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException(where + " must be an http or https URL");
            }
        } catch (java.net.URISyntaxException e) {
            // the URL itself may carry a key: name the field, not the value
            throw new IllegalArgumentException(where + " is not a valid URL");
        }
        return url;
    }

    private Duration timeout(String s, String where) {
        return s == null ? defaultTimeout : duration(s, where + " timeout");
    }

    private static Duration duration(String s, String where) {
        try {
            return Duration.ofMillis(Durations.parse(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static dev.peephole.collector.notify.HttpAuth auth(HttpConfigFile h) {
        if (h == null) {
            return dev.peephole.collector.notify.HttpAuth.NONE;
        }
        if (h.basicAuth != null && h.authorization != null) {
            throw new IllegalArgumentException("http_config: at most one of basic_auth and authorization");
        }
        if (h.basicAuth != null) {
            return new dev.peephole.collector.notify.HttpAuth(h.basicAuth.username, h.basicAuth.password, null, null);
        }
        if (h.authorization != null) {
            return new dev.peephole.collector.notify.HttpAuth(null, null, h.authorization.type, h.authorization.credentials);
        }
        return dev.peephole.collector.notify.HttpAuth.NONE;
    }
}
