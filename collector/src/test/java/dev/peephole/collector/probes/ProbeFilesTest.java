package dev.peephole.collector.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe file format: defaults, and each mistake refused with a message naming file and probe. */
class ProbeFilesTest {

    @TempDir
    Path dir;

    private List<ProbeDefinition> read(String yaml) throws Exception {
        Path f = dir.resolve("p.yml");
        Files.writeString(f, yaml);
        return ProbeFiles.read(f);
    }

    @Test
    void defaultsAndBothTypes() throws Exception {
        List<ProbeDefinition> ps = read("""
                probes:
                  - name: doorbell-health
                    type: http
                    url: http://localhost:8090/api/health
                  - name: door.port
                    type: tcp
                    address: "[::1]:8090"
                    interval: 2s
                    severity: critical
                  - name: codes
                    type: http
                    url: https://example.com/
                    expected_status: [200, 301]
                """);
        assertThat(ps).hasSize(3);
        ProbeDefinition h = ps.get(0);
        assertThat(h.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(h.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(h.statusOk(204)).isTrue();
        assertThat(h.statusOk(301)).isFalse();
        assertThat(h.critical()).isFalse();
        ProbeDefinition t = ps.get(1);
        assertThat(t.target()).isEqualTo("[::1]:8090");
        // the default timeout never exceeds the interval
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.critical()).isTrue();
        assertThat(ps.get(2).statusOk(301)).isTrue();
        assertThat(ps.get(2).statusOk(204)).isFalse();
    }

    @Test
    void filesWithoutProbesAreNotProbeFiles() throws Exception {
        assertThat(read("groups:\n  - name: a\n    rules: []\n")).isEmpty();
        assertThat(read("groups: [unclosed\n")).isEmpty();
        assertThat(read("")).isEmpty();
    }

    @Test
    void mistakesAreNamed() {
        String[][] cases = {
            {"probes: {a: 1}", "probes must be a list"},
            {"probes:\n  - type: http\n    url: http://x/", "probe 1: name is required"},
            {"probes:\n  - name: a b\n    type: tcp\n    address: x:1", "may use only"},
            {"probes:\n  - name: a\n    type: icmp", "type must be http or tcp, not \"icmp\""},
            {"probes:\n  - name: a\n    type: http\n    url: ftp://x/", "url must be an absolute http or https URL"},
            {"probes:\n  - name: a\n    type: http", "\"a\": url is required"},
            {"probes:\n  - name: a\n    type: http\n    url: http://u:secret@x/", "url must not hold credentials"},
            {"probes:\n  - name: a\n    type: tcp\n    address: nohost", "address must be host:port"},
            {"probes:\n  - name: a\n    type: tcp\n    address: h:70000", "port must be 1 to 65535"},
            {"probes:\n  - name: a\n    type: tcp\n    address: h:1\n    url: http://x/", "unknown field \"url\" for type tcp"},
            {"probes:\n  - name: a\n    type: tcp\n    address: h:1\n    interval: 1x", "interval: unknown unit \"x\""},
            {"probes:\n  - name: a\n    type: tcp\n    address: h:1\n    interval: 5s\n    timeout: 10s", "at most the interval"},
            {"probes:\n  - name: a\n    type: http\n    url: http://x/\n    expected_status: ok", "expected_status must be HTTP status codes"},
            {"probes:\n  - name: a\n    type: tcp\n    address: h:1\n  - name: a\n    type: tcp\n    address: h:2", "used twice"},
            {"probes:\n  - name: database\n    type: tcp\n    address: h:1", "built-in database probe"},
            {"probes: [unclosed\n", "not valid YAML"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> read(c[0])).as(c[0]).isInstanceOf(ProbeFiles.InvalidProbeFile.class)
                    .hasMessageContaining(c[1]).hasMessageContaining("p.yml");
        }
    }

    @Test
    void aFolderGivesItsYamlFilesSorted() throws Exception {
        Files.writeString(dir.resolve("b.yaml"), "");
        Files.writeString(dir.resolve("a.yml"), "");
        Files.writeString(dir.resolve("notes.txt"), "");
        assertThat(ProbeFiles.candidates(dir)).extracting(p -> p.getFileName().toString()).containsExactly("a.yml", "b.yaml");
        assertThat(ProbeFiles.candidates(dir.resolve("a.yml"))).hasSize(1);
        assertThat(ProbeFiles.candidates(dir.resolve("missing"))).isEmpty();
        assertThat(ProbeRunner.databaseInstance("jdbc:postgresql://db.local:5433/peephole?user=x&password=y"))
                .isEqualTo("db.local:5433/peephole");
    }
}
