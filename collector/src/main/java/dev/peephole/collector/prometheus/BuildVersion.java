package dev.peephole.collector.prometheus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The collector's version, from the build. */
public final class BuildVersion {

    public static final String VERSION = load();

    private BuildVersion() {
    }

    private static String load() {
        try (InputStream in = BuildVersion.class.getResourceAsStream("/peephole-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
