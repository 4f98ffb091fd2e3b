package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartupFailureTest {

    @Test
    void theInnermostMessageNamingASettingWins() {
        Throwable cause = new IllegalArgumentException("PEEPHOLE_NOTIFY_CONFIG /x.yml: bad route (line 1, column 8)\nmore");
        Throwable wrapped = new IllegalStateException("Bean definition [X] could not be loaded: Error instantiating bean\n\n"
                + "Message: PEEPHOLE_NOTIFY_CONFIG /x.yml: bad route", new RuntimeException("wrapper", cause));
        assertThat(StartupFailure.reason(wrapped)).isEqualTo("PEEPHOLE_NOTIFY_CONFIG /x.yml: bad route (line 1, column 8)");
    }

    @Test
    void otherwiseTheInnermostMessageOrTheType() {
        assertThat(StartupFailure.reason(new RuntimeException("outer", new java.io.IOException("disk full"))))
                .isEqualTo("disk full");
        assertThat(StartupFailure.reason(new RuntimeException("outer", new NullPointerException()))).isEqualTo("outer");
        assertThat(StartupFailure.reason(new NullPointerException())).isEqualTo("java.lang.NullPointerException");
    }
}
