package dev.peephole.collector.users;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** A row of {@code api_tokens}: only the SHA-256 of the token is stored. */
@MappedEntity("api_tokens")
public record ApiTokenEntity(@Id @GeneratedValue Long id,
                             Long userId,
                             String name,
                             String tokenHash,
                             Instant createdAt,
                             @Nullable Instant expiresAt,
                             @Nullable Instant lastUsedAt) {
}
