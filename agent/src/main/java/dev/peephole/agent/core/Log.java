package dev.peephole.agent.core;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** The agent's own tiny logger: one line per message on stderr, nothing below the configured level. */
public final class Log {
    public enum Level { DEBUG, INFO, WARN, ERROR, OFF }

    private static volatile Level level = Level.INFO;
    private static volatile PrintStream out = System.err;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Log() {
    }

    public static void setLevel(Level l) {
        level = l;
    }

    public static Level parseLevel(String s) {
        try {
            return Level.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            return Level.INFO;
        }
    }

    public static boolean debugEnabled() {
        return level == Level.DEBUG;
    }

    public static void debug(String msg) {
        log(Level.DEBUG, msg, null);
    }

    public static void info(String msg) {
        log(Level.INFO, msg, null);
    }

    public static void warn(String msg) {
        log(Level.WARN, msg, null);
    }

    public static void warn(String msg, Throwable t) {
        log(Level.WARN, msg, t);
    }

    public static void error(String msg, Throwable t) {
        log(Level.ERROR, msg, t);
    }

    private static void log(Level l, String msg, Throwable t) {
        if (l.ordinal() < level.ordinal()) {
            return;
        }
        try {
            StringBuilder sb = new StringBuilder(96).append(LocalTime.now().format(TIME)).append(" [peephole-agent] ")
                    .append(l).append(' ').append(msg);
            if (t != null) {
                sb.append(": ").append(t);
            }
            out.println(sb);
            if (t != null && level == Level.DEBUG) {
                t.printStackTrace(out);
            }
        } catch (RuntimeException ignored) {
            // the logger never fails the caller
        }
    }
}
