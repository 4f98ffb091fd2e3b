package dev.peephole.collector.alerting;

import dev.peephole.collector.notify.AlertNotice;
import dev.peephole.collector.notify.AlertSink;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/** Test bean: keeps what the rule manager hands to notification routing. */
@Singleton
@Requires(property = "peephole.test.alert-sink", value = "true")
public class RecordingAlertSink implements AlertSink {
    final List<AlertNotice> received = new ArrayList<>();

    @Override
    public synchronized void send(List<AlertNotice> alerts) {
        received.addAll(alerts);
    }

    synchronized List<AlertNotice> received() {
        return List.copyOf(received);
    }
}
