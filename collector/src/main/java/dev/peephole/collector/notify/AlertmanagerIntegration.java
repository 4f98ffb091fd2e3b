package dev.peephole.collector.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Forwards alerts to a real Alertmanager's {@code POST {url}/api/v2/alerts}, as Prometheus does. */
public final class AlertmanagerIntegration implements Integration {

    private final String url;
    private final Duration timeout;
    private final HttpAuth auth;

    public AlertmanagerIntegration(String url, Duration timeout, HttpAuth auth) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.timeout = timeout;
        this.auth = auth;
    }

    @Override
    public String type() {
        return "alertmanager";
    }

    @Override
    public boolean sendResolved() {
        return true;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        HttpPoster.post(url + "/api/v2/alerts", Payloads.toJson(Payloads.alertmanagerV2(n.alerts())), auth, timeout);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", WebhookIntegration.urlCarriesSecret(url) ? SECRET : url);
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
        if (WebhookIntegration.urlCarriesSecret(url)) {
            s.add(url);
        }
        s.add(auth.password());
        s.add(auth.credentials());
        return s;
    }
}
