package dev.peephole.collector.config;

import java.util.regex.Pattern;

/** Hides secrets inside values that are shown or logged. */
public final class Redaction {

    public static final String REDACTED = "<redacted>";
    /** A password inside a JDBC URL ({@code ?password=...} or {@code ;password=...}). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

    private Redaction() {
    }

    /** The URL with any password parameter's value replaced by {@code <redacted>}. */
    public static String url(String url) {
        return url == null ? null : URL_PASSWORD.matcher(url).replaceAll("$1" + REDACTED);
    }
}
