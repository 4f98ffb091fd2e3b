package dev.peephole.collector.notify.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The notification configuration file as written: Alertmanager's configuration format
 * ({@code global}, {@code route}, {@code inhibit_rules}, {@code receivers}) plus Peephole's
 * {@code escalations} and {@code alertmanagers}. Keys are snake_case as in Alertmanager;
 * unknown keys are errors. {@link ConfigLoader} turns it into a checked {@link NotifyRouting}.
 */
public class NotifyConfigFile {

    public Global global = new Global();
    public RouteFile route;
    public List<InhibitRuleFile> inhibitRules = new ArrayList<>();
    public List<ReceiverFile> receivers = new ArrayList<>();
    /** Peephole extension: named escalation policies a route may name. */
    public List<EscalationFile> escalations = new ArrayList<>();
    /** Peephole extension: real Alertmanagers every alert is forwarded to (their /api/v2/alerts). */
    public List<AlertmanagerFile> alertmanagers = new ArrayList<>();

    public static class Global {
        public String resolveTimeout = "5m";
        public String smtpFrom;
        public String smtpSmarthost;
        public String smtpHello = "localhost";
        public String smtpAuthUsername;
        public String smtpAuthPassword;
        public Boolean smtpRequireTls = true;
        public String slackApiUrl;
        public String telegramApiUrl = "https://api.telegram.org";
    }

    public static class RouteFile {
        public String receiver;
        public List<String> groupBy;
        public String groupWait;
        public String groupInterval;
        public String repeatInterval;
        public List<String> matchers = new ArrayList<>();
        public Map<String, String> match = new LinkedHashMap<>();
        public Map<String, String> matchRe = new LinkedHashMap<>();
        @com.fasterxml.jackson.annotation.JsonProperty("continue")
        public boolean continueMatching;
        public List<RouteFile> routes = new ArrayList<>();
        /** Peephole extension: the name of an escalation policy for the alerts this route takes. */
        public String escalation;
    }

    public static class InhibitRuleFile {
        public List<String> sourceMatchers = new ArrayList<>();
        public List<String> targetMatchers = new ArrayList<>();
        public Map<String, String> sourceMatch = new LinkedHashMap<>();
        public Map<String, String> sourceMatchRe = new LinkedHashMap<>();
        public Map<String, String> targetMatch = new LinkedHashMap<>();
        public Map<String, String> targetMatchRe = new LinkedHashMap<>();
        public List<String> equal = new ArrayList<>();
    }

    public static class ReceiverFile {
        public String name;
        public List<WebhookFile> webhookConfigs = new ArrayList<>();
        public List<SlackFile> slackConfigs = new ArrayList<>();
        public List<EmailFile> emailConfigs = new ArrayList<>();
        public List<TelegramFile> telegramConfigs = new ArrayList<>();
    }

    public static class HttpConfigFile {
        public BasicAuthFile basicAuth;
        public AuthorizationFile authorization;
    }

    public static class BasicAuthFile {
        public String username;
        public String password;
    }

    public static class AuthorizationFile {
        public String type = "Bearer";
        public String credentials;
    }

    public static class TlsConfigFile {
        public String caFile;
        public String serverName;
        public boolean insecureSkipVerify;
    }

    public static class WebhookFile {
        public Boolean sendResolved;
        public String url;
        public int maxAlerts;
        public String timeout;
        public HttpConfigFile httpConfig;
    }

    public static class SlackFile {
        public Boolean sendResolved;
        public String apiUrl;
        public String channel;
        public String username;
        public String iconEmoji;
        public String iconUrl;
        public String color;
        public String title;
        public String titleLink;
        public String pretext;
        public String text;
        public String fallback;
        public String footer;
        public HttpConfigFile httpConfig;
    }

    public static class EmailFile {
        public Boolean sendResolved;
        public String to;
        public String from;
        public String smarthost;
        public String hello;
        public String authUsername;
        public String authPassword;
        public Boolean requireTls;
        public TlsConfigFile tlsConfig;
        public Map<String, String> headers = new LinkedHashMap<>();
        public String html;
        public String text;
    }

    public static class TelegramFile {
        public Boolean sendResolved;
        public String apiUrl;
        public String botToken;
        public Long chatId;
        public String message;
        public String parseMode = "HTML";
        public boolean disableNotifications;
        public HttpConfigFile httpConfig;
    }

    public static class EscalationFile {
        public String name;
        public List<LevelFile> levels = new ArrayList<>();
    }

    public static class LevelFile {
        public String receiver;
        public String after;
    }

    public static class AlertmanagerFile {
        public String url;
        public String timeout;
        public HttpConfigFile httpConfig;
    }
}
