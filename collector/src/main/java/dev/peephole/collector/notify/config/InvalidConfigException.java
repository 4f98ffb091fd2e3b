package dev.peephole.collector.notify.config;

/** The notification configuration file is unreadable or wrong; the message names the file, the problem and its position. */
public class InvalidConfigException extends RuntimeException {

    public InvalidConfigException(String message) {
        super(message);
    }
}
