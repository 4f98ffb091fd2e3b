package dev.peephole.doorbell;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per record: {@code 2025-01-01 12:00:00.000 INFO  [thread] Class: message}. */
public final class LogFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static volatile boolean installed;

    @Override
    public String format(LogRecord record) {
        StringBuilder sb = new StringBuilder(128);
        sb.append(TIME.format(LocalDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault())));
        sb.append(' ').append(String.format("%-7s", record.getLevel().getName()));
        sb.append(" [").append(Thread.currentThread().getName()).append("] ");
        String logger = record.getLoggerName();
        sb.append(logger == null ? "" : logger.substring(logger.lastIndexOf('.') + 1)).append(": ");
        sb.append(formatMessage(record)).append(System.lineSeparator());
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            sb.append(trace);
        }
        return sb.toString();
    }

    /**
     * Sends java.util.logging to stderr in this format at INFO, unless a logging configuration
     * file was given with {@code -Djava.util.logging.config.file}.
     */
    public static void install() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new LogFormat());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        installed = true;
    }

    /**
     * Logs a message during shutdown. The JDK resets java.util.logging from its own shutdown
     * hook, which may run before ours; once it has, our handler is gone and the message is
     * written to stderr directly, in the same format.
     */
    public static void logAtShutdown(Logger logger, Level level, String message) {
        if (installed && Logger.getLogger("").getHandlers().length == 0) {
            LogRecord record = new LogRecord(level, message);
            record.setLoggerName(logger.getName());
            System.err.print(new LogFormat().format(record));
            System.err.flush();
        } else {
            logger.log(level, message);
        }
    }
}
