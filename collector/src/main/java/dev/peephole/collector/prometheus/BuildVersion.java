package dev.peephole.collector.prometheus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The collector's version, from the build. */
public final class BuildVersion {

    private static final Properties BUILD = load();
    public static final String VERSION = BUILD.getProperty("version", "unknown");
    /** When the jar was built (UTC), or "unknown" outside a Maven build. */
    public static final String BUILT = BUILD.getProperty("built", "unknown").startsWith("$")
            ? "unknown" : BUILD.getProperty("built", "unknown");

    private BuildVersion() {
    }

    /** What {@code --version} prints: version, build time, and the Java it runs on. */
    public static String describe() {
        return "peephole-collector " + VERSION + " (built " + BUILT + "; Java " + Runtime.version()
                + ", " + System.getProperty("java.vendor", "unknown vendor") + ")";
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildVersion.class.getResourceAsStream("/peephole-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown
        }
        return p;
    }
}
