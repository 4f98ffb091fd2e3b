package dev.peephole.collector.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;

/**
 * The collector's log encoder: logback's own {@link JsonEncoder} (one JSON object a line:
 * {@code timestamp} in epoch milliseconds, {@code level}, {@code threadName},
 * {@code loggerName}, {@code mdc} with {@code trace_id}/{@code span_id} where a request
 * carried them, {@code kvpList} of structured fields, {@code formattedMessage},
 * {@code throwable}) or a plain text pattern. {@code PEEPHOLE_LOG_FORMAT} (or the system
 * property {@code peephole.log.format}) chooses: {@code json}, {@code text}, or {@code auto}
 * (the default): text when the process has a terminal ({@code System.console()}), JSON
 * otherwise (containers, services, files).
 */
public class LogFormatEncoder extends EncoderBase<ILoggingEvent> {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{20} - %msg%kvp{NONE}%n";
    private String format;
    private Encoder<ILoggingEvent> delegate;

    /** Overrides the setting (for tests and logback.xml). */
    public void setFormat(String format) {
        this.format = format;
    }

    /** The format in use: {@code json} or {@code text}. */
    public String format() {
        return resolve(format);
    }

    /** json or text, from an explicit choice, the system property, the environment, or the terminal. */
    static String resolve(String explicit) {
        String wanted = explicit;
        if (wanted == null || wanted.isBlank()) {
            wanted = System.getProperty("peephole.log.format");
        }
        if (wanted == null || wanted.isBlank()) {
            wanted = System.getenv("PEEPHOLE_LOG_FORMAT");
        }
        wanted = wanted == null ? "auto" : wanted.trim().toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "json" -> "json";
            case "text" -> "text";
            default -> System.console() != null ? "text" : "json";
        };
    }

    @Override
    public void start() {
        if ("json".equals(format())) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithArguments(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            json.setWithMDC(true);
            json.setWithKVPList(true);
            json.setWithThrowable(true);
            delegate = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
