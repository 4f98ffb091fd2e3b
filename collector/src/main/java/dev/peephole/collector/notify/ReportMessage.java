package dev.peephole.collector.notify;

import java.util.List;
import java.util.Map;

/**
 * A scheduled report as the notification integrations send it: e-mail gets the HTML with the
 * charts inline (by Content-ID: the keys of {@code inlinePngs}, which the HTML references as {@code cid:<key>}) and the CSV attached; the chat and webhook integrations
 * get the short {@code text} (with {@code link}, when Peephole's external URL is set).
 *
 * @param to e-mail recipients replacing the e-mail configuration's {@code to}; empty keeps it
 */
public record ReportMessage(long reportId, String subject, String text, String link, String html,
                            Map<String, byte[]> inlinePngs, String csvFileName, String csv, List<String> to) {
}
