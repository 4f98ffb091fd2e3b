package dev.peephole.doorbell;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppConfigTest {

    @Test
    void defaults() throws UsageException {
        AppConfig c = AppConfig.parse(new String[0]);
        assertEquals(8090, c.getHttpPort());
        assertEquals(10, c.getFps());
        assertEquals(42, c.getSeed());
        assertFalse(c.isHelp());
    }

    @Test
    void bothOptionStyles() throws UsageException {
        AppConfig c = AppConfig.parse(new String[] {"--http-port", "0", "--fps=20", "--seed", "-7", "--bind", "127.0.0.1"});
        assertEquals(0, c.getHttpPort());
        assertEquals(20, c.getFps());
        assertEquals(-7, c.getSeed());
        assertEquals("127.0.0.1", c.getBindAddress());
        assertTrue(AppConfig.parse(new String[] {"--help"}).isHelp());
    }

    @Test
    void badOptionsAreRefused() {
        String[][] bad = {
            {"--fps", "0"}, {"--fps", "ten"}, {"--fps"}, {"--http-port", "70000"}, {"--seed", "1.5"},
            {"--colour", "red"}, {"extra"}, {"--help=yes"}, {"--fps", "--seed", "3"},
        };
        for (String[] args : bad) {
            assertThrows(UsageException.class, () -> AppConfig.parse(args), String.join(" ", args));
        }
    }
}
