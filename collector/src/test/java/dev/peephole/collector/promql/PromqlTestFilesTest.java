package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs promqltest-format scripts (e.g. Prometheus' promql/promqltest/testdata/*.test) from the directory given by
 * the system property {@code promqltest.dir}: {@code mvn test -Dpromqltest.dir=/path/to/testdata}. Skipped if unset.
 */
class PromqlTestFilesTest {
    @Test
    void runScripts() throws Exception {
        String dir = System.getProperty("promqltest.dir");
        Assumptions.assumeTrue(dir != null && !dir.isEmpty(), "set -Dpromqltest.dir to run promqltest scripts");
        PromqlTestRunner runner = new PromqlTestRunner();
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".test")).sorted()::iterator) {
                runner.runFile(f);
            }
        }
        System.out.println("promqltest: " + runner.passed + " passed, " + runner.failures.size() + " failed, "
            + runner.skipped + " skipped");
        runner.failures.forEach(f -> System.out.println("  FAIL " + f));
        assertTrue(runner.failures.isEmpty(), runner.failures.size() + " promqltest cases failed");
    }
}
