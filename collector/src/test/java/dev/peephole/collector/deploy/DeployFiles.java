package dev.peephole.collector.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's {@code deploy/} folder is, seen from a collector test. */
final class DeployFiles {

    private DeployFiles() {
    }

    /** The repository root: the nearest folder upwards holding {@code deploy/} and a {@code pom.xml}. */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new AssertionError("no deploy/ folder above " + Path.of("").toAbsolutePath());
    }

    static Path deploy() {
        return root().resolve("deploy");
    }
}
