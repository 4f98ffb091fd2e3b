package dev.peephole.collector.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Alertmanager's {@code slack_configs}: POSTs {@code {channel, username, text, attachments}}
 * to the incoming-webhook URL ({@code api_url}, a secret).
 */
public final class SlackIntegration implements Integration {

    private final String apiUrl;
    private final boolean sendResolved;
    private final String channel;
    private final String username;
    private final String iconEmoji;
    private final String iconUrl;
    private final GoTemplate color;
    private final GoTemplate title;
    private final GoTemplate titleLink;
    private final GoTemplate pretext;
    private final GoTemplate text;
    private final GoTemplate fallback;
    private final GoTemplate footer;
    private final HttpAuth auth;
    private final Duration timeout;

    public SlackIntegration(String apiUrl, boolean sendResolved, String channel, String username, String iconEmoji,
                            String iconUrl, GoTemplate color, GoTemplate title, GoTemplate titleLink, GoTemplate pretext,
                            GoTemplate text, GoTemplate fallback, GoTemplate footer, HttpAuth auth, Duration timeout) {
        this.apiUrl = apiUrl;
        this.sendResolved = sendResolved;
        this.channel = channel;
        this.username = username;
        this.iconEmoji = iconEmoji;
        this.iconUrl = iconUrl;
        this.color = color;
        this.title = title;
        this.titleLink = titleLink;
        this.pretext = pretext;
        this.text = text;
        this.fallback = fallback;
        this.footer = footer;
        this.auth = auth;
        this.timeout = timeout;
    }

    @Override
    public String type() {
        return "slack";
    }

    @Override
    public boolean sendResolved() {
        return sendResolved;
    }

    /** The request body for a notification. */
    public Map<String, Object> body(Notification n) {
        Map<String, Object> data = Payloads.templateData(n);
        Map<String, Object> att = new LinkedHashMap<>();
        String renderedTitle = title.render(data);
        att.put("title", renderedTitle);
        putIfNotEmpty(att, "title_link", titleLink.render(data));
        putIfNotEmpty(att, "pretext", pretext.render(data));
        att.put("text", text.render(data));
        att.put("fallback", fallback.render(data));
        putIfNotEmpty(att, "footer", footer.render(data));
        att.put("color", color.render(data));
        att.put("mrkdwn_in", List.of("fallback", "pretext", "text"));
        Map<String, Object> body = new LinkedHashMap<>();
        if (channel != null) {
            body.put("channel", channel);
        }
        if (username != null) {
            body.put("username", username);
        }
        if (iconEmoji != null) {
            body.put("icon_emoji", iconEmoji);
        }
        if (iconUrl != null) {
            body.put("icon_url", iconUrl);
        }
        body.put("text", renderedTitle);
        body.put("attachments", List.of(att));
        return body;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        HttpPoster.post(apiUrl, Payloads.toJson(body(n)), auth, timeout);
    }

    /** A report: the summary as the message text (Slack links the URL in it). */
    @Override
    public void sendReport(ReportMessage r) throws DeliveryException {
        Map<String, Object> body = new LinkedHashMap<>();
        if (channel != null) {
            body.put("channel", channel);
        }
        if (username != null) {
            body.put("username", username);
        }
        if (iconEmoji != null) {
            body.put("icon_emoji", iconEmoji);
        }
        if (iconUrl != null) {
            body.put("icon_url", iconUrl);
        }
        body.put("text", "*" + r.subject() + "*\n" + r.text());
        HttpPoster.post(apiUrl, Payloads.toJson(body), auth, timeout);
    }

    private static void putIfNotEmpty(Map<String, Object> m, String k, String v) {
        if (v != null && !v.isEmpty()) {
            m.put(k, v);
        }
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_url", SECRET);
        m.put("channel", channel);
        m.put("send_resolved", sendResolved);
        return m;
    }

    @Override
    public List<String> secrets() {
        List<String> s = new ArrayList<>();
        s.add(apiUrl);
        int slash = apiUrl.indexOf("/services/");
        if (slash >= 0) {
            s.add(apiUrl.substring(slash + "/services/".length()));
        }
        s.add(auth.password());
        s.add(auth.credentials());
        return s;
    }
}
