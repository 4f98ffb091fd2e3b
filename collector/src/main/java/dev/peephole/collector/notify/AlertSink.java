package dev.peephole.collector.notify;

import java.util.List;

/**
 * Where the rule evaluator sends its alerts, as Prometheus sends to Alertmanager: after every
 * evaluation round, every firing alert (again, so the receiver can tell it is still firing)
 * and each alert resolved in that round (with {@code endsAt}). An acknowledgement is sent at
 * once as the acknowledged alert. Implementations must not block: the evaluator's round
 * must not wait on a slow receiver.
 */
public interface AlertSink {
    void send(List<AlertNotice> alerts);
}
