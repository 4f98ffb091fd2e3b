package dev.peephole.collector.audit;

import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.model.DataType;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/** One change: who did what to what, when and from where. */
@Serdeable
@MappedEntity("audit_log")
public record AuditEntry(@Id @GeneratedValue Long id,
                         Instant at,
                         String actor,
                         String action,
                         String target,
                         @TypeDef(type = DataType.JSON) String detail,
                         String sourceIp) {
}
