package dev.peephole.collector.notify;

import java.util.List;
import java.util.Map;

/** One way of telling a receiver (a webhook, Slack, e-mail, Telegram, an Alertmanager). */
public interface Integration {

    /** {@code webhook}, {@code slack}, {@code email}, {@code telegram} or {@code alertmanager}. */
    String type();

    /** Whether resolved alerts are sent too (Alertmanager's {@code send_resolved}). */
    boolean sendResolved();

    /** Delivers one notification; throws {@link DeliveryException} saying whether a retry may help. */
    void send(Notification notification) throws DeliveryException;

    /**
     * Sends a scheduled report ({@link ReportMessage}); integrations that take none (forwarding to
     * Alertmanagers) refuse it.
     */
    default void sendReport(ReportMessage report) throws DeliveryException {
        throw new DeliveryException(type() + " integrations take no reports", false);
    }

    /** The integration's settings for {@code /api/v1/channels}, every secret replaced by {@code <secret>}. */
    Map<String, Object> describe();

    /** The secret strings of this integration, scrubbed from every error text and log line. */
    List<String> secrets();

    String SECRET = "<secret>";

    /** {@code text} with every secret replaced by {@code <secret>}. */
    default String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets()) {
            if (s != null && !s.isEmpty()) {
                out = out.replace(s, SECRET);
            }
        }
        return out;
    }
}
