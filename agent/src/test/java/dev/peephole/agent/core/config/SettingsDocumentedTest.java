package dev.peephole.agent.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SettingsDocumentedTest {
    @Test
    void everySettingIsInTheReadmeWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting s : Setting.values()) {
            assertThat(readme).as(s.key()).contains("| `" + s.key() + "` | `" + s.envVariable() + "` |");
            if (!s.defaultValue().isEmpty()) {
                assertThat(readme).as(s.key()).contains("`" + s.defaultValue() + "`");
            }
        }
    }
}
