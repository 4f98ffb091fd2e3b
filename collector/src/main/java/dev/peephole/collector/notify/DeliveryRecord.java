package dev.peephole.collector.notify;

import java.time.Instant;

/**
 * The outcome of one notification to one integration, after its retries.
 *
 * @param outcome {@code sent} or {@code failed}
 * @param error   the last error (secrets redacted), or null
 */
@io.micronaut.serde.annotation.Serdeable
public record DeliveryRecord(Instant at, String receiver, String integration, String groupKey, String status,
                             int alerts, String outcome, int attempts, String error) {
}
