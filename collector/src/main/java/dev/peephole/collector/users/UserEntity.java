package dev.peephole.collector.users;

import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** A row of {@code users}. The password is only ever held as its bcrypt hash. */
@MappedEntity("users")
public record UserEntity(@Id @GeneratedValue Long id,
                         String username,
                         String passwordHash,
                         String role,
                         Instant createdAt,
                         boolean disabled) {
}
