package dev.peephole.collector.notify;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alertmanager's {@code webhook_configs}: POSTs the version 4 JSON payload. */
public final class WebhookIntegration implements Integration {

    private final String url;
    private final boolean sendResolved;
    private final int maxAlerts;
    private final Duration timeout;
    private final HttpAuth auth;

    public WebhookIntegration(String url, boolean sendResolved, int maxAlerts, Duration timeout, HttpAuth auth) {
        this.url = url;
        this.sendResolved = sendResolved;
        this.maxAlerts = maxAlerts;
        this.timeout = timeout;
        this.auth = auth;
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public boolean sendResolved() {
        return sendResolved;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        HttpPoster.post(url, Payloads.toJson(Payloads.webhook(n, maxAlerts)), auth, timeout);
    }

    /** A report: {@code {"version":"peephole-report/1","reportId","subject","text","link"}}. */
    @Override
    public void sendReport(ReportMessage r) throws DeliveryException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", "peephole-report/1");
        body.put("reportId", r.reportId());
        body.put("subject", r.subject());
        body.put("text", r.text());
        body.put("link", r.link());
        HttpPoster.post(url, Payloads.toJson(body), auth, timeout);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", urlCarriesSecret(url) ? SECRET : url);
        m.put("send_resolved", sendResolved);
        m.put("max_alerts", maxAlerts);
        if (auth.username() != null) {
            m.put("basic_auth", Map.of("username", auth.username(), "password", SECRET));
        }
        if (auth.credentials() != null) {
            m.put("authorization", Map.of("type", auth.type(), "credentials", SECRET));
        }
        return m;
    }

    @Override
    public List<String> secrets() {
        List<String> s = new ArrayList<>();
        if (urlCarriesSecret(url)) {
            s.add(url);
            URI u = URI.create(url);
            if (u.getRawUserInfo() != null) {
                s.add(u.getRawUserInfo());
            }
            if (u.getRawQuery() != null) {
                s.add(u.getRawQuery());
            }
        }
        s.add(auth.password());
        s.add(auth.credentials());
        return s;
    }

    /** A webhook URL with user info or a query string is treated as a secret (it usually carries a key). */
    static boolean urlCarriesSecret(String url) {
        try {
            URI u = URI.create(url);
            return u.getRawUserInfo() != null || u.getRawQuery() != null;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
