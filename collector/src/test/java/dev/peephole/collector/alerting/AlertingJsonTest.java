package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.promql.Labels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertingJsonTest {

    /**
     * An evaluation changes an alert's state before the store gives it an id; an API read in that
     * moment must not hand out id 0, which a client would use for the ack and never find again.
     */
    @Test
    void anAlertNotYetStoredHasNoIdAndAStoredOneHasIts() {
        Alert a = new Alert(Labels.of(Map.of("alertname", "DoorOpen")), Map.of(), AlertState.FIRING, 1, 1_000);
        assertThat(AlertingJson.alert(a)).doesNotContainKey("id").containsEntry("state", "firing");
        a.id = 42;
        assertThat(AlertingJson.alert(a)).containsEntry("id", 42L);
    }
}
