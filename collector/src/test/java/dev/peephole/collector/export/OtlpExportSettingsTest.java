package dev.peephole.collector.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.config.CollectorSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PEEPHOLE_OTLP_EXPORT_* settings: parsed as documented, refused with a clear message. */
class OtlpExportSettingsTest {

    private static OtlpExportSettings settings(String endpoint, String protocol, String headers) {
        return new OtlpExportSettings(endpoint, protocol, headers, "", "", "", "none", Duration.ofSeconds(10),
                100, 10, 5, Duration.ofSeconds(1));
    }

    @Test
    void unsetEndpointMeansNoExport() {
        assertThat(settings("", "grpc", "").enabled()).isFalse();
        // nothing else is checked while export is off
        assertThat(settings("", "carrier-pigeon", "").enabled()).isFalse();
    }

    @Test
    void headersAreNameValuePairsSplitOnTheFirstEquals() {
        assertThat(OtlpExportSettings.parseHeaders("Authorization=Bearer abc==, x-scope-orgid = tenant-1,,"))
                .isEqualTo(Map.of("Authorization", "Bearer abc==", "x-scope-orgid", "tenant-1"));
        assertThat(OtlpExportSettings.parseHeaders("")).isEmpty();
    }

    @Test
    void aBadHeaderEntryIsNamedByPositionNeverByItsSecretText() {
        assertThatThrownBy(() -> settings("http://jaeger:4317", "grpc", "a=1,sup3rsecret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PEEPHOLE_OTLP_EXPORT_HEADERS: entry 2")
                .message().doesNotContain("sup3rsecret");
        assertThatThrownBy(() -> settings("http://jaeger:4317", "grpc", "=value"))
                .hasMessageContaining("entry 1");
    }

    @Test
    void wrongProtocolOrEndpointIsRefused() {
        assertThatThrownBy(() -> settings("http://jaeger:4317", "http/json", ""))
                .hasMessageContaining("PEEPHOLE_OTLP_EXPORT_PROTOCOL must be grpc or http/protobuf");
        assertThatThrownBy(() -> settings("jaeger:4317", "grpc", ""))
                .hasMessageContaining("PEEPHOLE_OTLP_EXPORT_ENDPOINT must be an http:// or https:// URL");
        assertThatThrownBy(() -> new OtlpExportSettings("http://jaeger:4317", "grpc", "", "/no/such/ca.pem", "", "",
                "none", Duration.ofSeconds(10), 100, 10, 5, Duration.ofSeconds(1)))
                .hasMessageContaining("PEEPHOLE_OTLP_EXPORT_CERTIFICATE: cannot read /no/such/ca.pem");
        assertThatThrownBy(() -> new OtlpExportSettings("http://jaeger:4317", "grpc", "", "", "", "", "none",
                Duration.ofSeconds(10), 100, 10, 9, Duration.ofSeconds(1)))
                .hasMessageContaining("PEEPHOLE_OTLP_EXPORT_RETRY_ATTEMPTS must be 1 to 5");
    }

    @Test
    void httpEndpointWithoutPathGetsV1Traces() {
        assertThat(settings("http://jaeger:4318", "http/protobuf", "").exporterEndpoint())
                .isEqualTo("http://jaeger:4318/v1/traces");
        assertThat(settings("http://jaeger:4318/", "http/protobuf", "").exporterEndpoint())
                .isEqualTo("http://jaeger:4318/v1/traces");
        assertThat(settings("https://otlp.example:443/custom/traces", "http/protobuf", "").exporterEndpoint())
                .isEqualTo("https://otlp.example:443/custom/traces");
        assertThat(settings("http://jaeger:4317", "grpc", "").exporterEndpoint()).isEqualTo("http://jaeger:4317");
    }

    @Test
    void logsShowTheEndpointWithoutCredentials() {
        assertThat(settings("https://user:pa55@otlp.example:4318/v1/traces?key=k", "http/protobuf", "")
                .endpointForLogs()).isEqualTo("https://otlp.example:4318");
    }

    @Test
    void everyExportSettingIsInHelpAndTheHeadersAreSecret() {
        String help = CollectorSettings.helpText();
        for (String key : new String[] {"ENDPOINT", "PROTOCOL", "HEADERS", "CERTIFICATE", "CLIENT_CERTIFICATE",
                "CLIENT_KEY", "COMPRESSION", "TIMEOUT", "QUEUE_SIZE", "BATCH_SIZE", "RETRY_ATTEMPTS", "RETRY_BACKOFF"}) {
            assertThat(help).contains("PEEPHOLE_OTLP_EXPORT_" + key + " ");
        }
        assertThat(CollectorSettings.ALL.stream().filter(s -> s.env().equals("PEEPHOLE_OTLP_EXPORT_HEADERS"))
                .findFirst().orElseThrow().secret()).isTrue();
    }
}
