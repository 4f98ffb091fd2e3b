package dev.peephole.collector.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/** Writes every change to the append-only audit log. */
@Singleton
public class AuditLog {

    private static final JsonFactory JSON = new JsonFactory();
    private final AuditRepository repository;

    public AuditLog(AuditRepository repository) {
        this.repository = repository;
    }

    public void record(String actor, String action, String target, Map<String, String> detail, String sourceIp) {
        repository.save(new AuditEntry(null, Instant.now(), actor, action, target, toJson(detail),
                sourceIp == null ? "" : sourceIp));
    }

    private static String toJson(Map<String, String> detail) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : detail.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
