package dev.peephole.collector.notify;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Credentials of Alertmanager's {@code http_config}: {@code basic_auth} or an {@code authorization} header. */
public record HttpAuth(String username, String password, String type, String credentials) {

    public static final HttpAuth NONE = new HttpAuth(null, null, null, null);

    String header() {
        if (username != null) {
            String pair = username + ":" + (password == null ? "" : password);
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
        if (credentials != null) {
            return (type == null ? "Bearer" : type) + " " + credentials;
        }
        return null;
    }
}
