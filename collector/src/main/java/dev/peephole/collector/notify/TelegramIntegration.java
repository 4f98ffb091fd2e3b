package dev.peephole.collector.notify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alertmanager's {@code telegram_configs}: the Bot API's {@code POST {api_url}/bot{token}/sendMessage}. */
public final class TelegramIntegration implements Integration {

    private final String apiUrl;
    private final String botToken;
    private final long chatId;
    private final GoTemplate message;
    private final String parseMode;
    private final boolean disableNotifications;
    private final boolean sendResolved;
    private final Duration timeout;

    public TelegramIntegration(String apiUrl, String botToken, long chatId, GoTemplate message, String parseMode,
                               boolean disableNotifications, boolean sendResolved, Duration timeout) {
        this.apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        this.botToken = botToken;
        this.chatId = chatId;
        this.message = message;
        this.parseMode = parseMode;
        this.disableNotifications = disableNotifications;
        this.sendResolved = sendResolved;
        this.timeout = timeout;
    }

    @Override
    public String type() {
        return "telegram";
    }

    @Override
    public boolean sendResolved() {
        return sendResolved;
    }

    public Map<String, Object> body(Notification n) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("chat_id", chatId);
        String text = message.render(Payloads.templateData(n));
        // the Bot API refuses messages over 4096 characters
        body.put("text", text.length() > 4096 ? text.substring(0, 4095) + "…" : text);
        if (parseMode != null && !parseMode.isEmpty()) {
            body.put("parse_mode", parseMode);
        }
        body.put("disable_notification", disableNotifications);
        return body;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        String answer = HttpPoster.post(apiUrl + "/bot" + botToken + "/sendMessage", Payloads.toJson(body(n)),
                HttpAuth.NONE, timeout);
        try {
            JsonNode r = Payloads.JSON.readTree(answer);
            if (r == null || !r.path("ok").asBoolean(false)) {
                throw new DeliveryException("Telegram answered without ok: " + r, false);
            }
        } catch (IOException e) {
            throw new DeliveryException("Telegram's answer is not JSON", false);
        }
    }

    /** A report: the summary as plain text (no parse mode, so nothing in it is markup). */
    @Override
    public void sendReport(ReportMessage r) throws DeliveryException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("chat_id", chatId);
        String text = r.subject() + "\n" + r.text();
        body.put("text", text.length() > 4096 ? text.substring(0, 4095) + "…" : text);
        body.put("disable_notification", disableNotifications);
        String answer = HttpPoster.post(apiUrl + "/bot" + botToken + "/sendMessage", Payloads.toJson(body), HttpAuth.NONE, timeout);
        try {
            JsonNode a = Payloads.JSON.readTree(answer);
            if (a == null || !a.path("ok").asBoolean(false)) {
                throw new DeliveryException("Telegram answered without ok: " + a, false);
            }
        } catch (IOException e) {
            throw new DeliveryException("Telegram's answer is not JSON", false);
        }
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_url", apiUrl);
        m.put("bot_token", SECRET);
        m.put("chat_id", chatId);
        m.put("parse_mode", parseMode);
        m.put("send_resolved", sendResolved);
        return m;
    }

    @Override
    public List<String> secrets() {
        List<String> s = new ArrayList<>();
        s.add(botToken);
        return s;
    }
}
