package dev.peephole.collector.reports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.nio.charset.StandardCharsets;

/** The JSON of the reports API: report summaries and schedules in {@code {"status":"success","data":...}}. */
final class ReportJson {

    private ReportJson() {
    }

    /** A report's summary: who made it, when, the period, the delivery and the headline figures. */
    static ObjectNode summary(ReportStore.Report r, JsonNode figures) {
        ObjectNode o = ReportBuilder.JSON.createObjectNode();
        o.put("id", r.id());
        if (r.scheduleId() == null) {
            o.putNull("scheduleId");
        } else {
            o.put("scheduleId", r.scheduleId());
        }
        o.put("scheduleName", r.scheduleName());
        o.put("period", r.period());
        o.put("start", r.start().toString());
        o.put("end", r.end().toString());
        o.put("generatedAt", r.generatedAt().toString());
        o.put("createdBy", r.createdBy());
        ObjectNode d = o.putObject("delivery");
        d.put("outcome", r.outcome());
        d.put("error", r.error());
        d.set("to", ReportBuilder.JSON.valueToTree(r.to()));
        ObjectNode h = o.putObject("highlights");
        h.set("frames", figures.at("/frames/current").isMissingNode() ? h.nullNode() : figures.at("/frames/current"));
        ObjectNode rec = h.putObject("recognitions");
        for (String k : ReportBuilder.KINDS) {
            JsonNode v = figures.at("/recognitions/current/" + k);
            rec.set(k, v.isMissingNode() ? rec.nullNode() : v);
        }
        h.put("alertsFired", figures.at("/alerts/fired").asLong());
        return o;
    }

    static JsonNode figures(ReportStore.Report r) {
        try {
            return ReportBuilder.JSON.readTree(r.figures());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("report " + r.id() + " holds no valid JSON", e);
        }
    }

    static ObjectNode schedule(ReportStore.Schedule s) {
        ObjectNode o = ReportBuilder.JSON.createObjectNode();
        o.put("id", s.id());
        o.put("name", s.name());
        o.put("period", s.period());
        o.put("at", s.at());
        o.put("weekday", s.weekday());
        o.put("timezone", s.timezone());
        o.put("receiver", s.receiver());
        o.set("to", ReportBuilder.JSON.valueToTree(s.to()));
        o.put("enabled", s.enabled());
        o.put("createdBy", s.createdBy());
        o.put("createdAt", s.createdAt().toString());
        if (s.lastRunAt() == null) {
            o.putNull("lastRun");
        } else {
            ObjectNode l = o.putObject("lastRun");
            l.put("at", s.lastRunAt().toString());
            if (s.lastReportId() == null) {
                l.putNull("reportId");
            } else {
                l.put("reportId", s.lastReportId());
            }
            l.put("outcome", s.lastOutcome());
            l.put("error", s.lastError());
        }
        if (s.enabled()) {
            o.put("nextRun", ScheduleSpec.nextRun(s.period(), s.at(), s.weekday(), s.timezone(), java.time.Instant.now()).toString());
        } else {
            o.putNull("nextRun");
        }
        return o;
    }

    static MutableHttpResponse<byte[]> ok(JsonNode data) {
        return HttpResponse.ok(bytes(envelope(data))).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    static MutableHttpResponse<byte[]> created(JsonNode data) {
        return HttpResponse.created(bytes(envelope(data))).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    private static ObjectNode envelope(JsonNode data) {
        ObjectNode o = ReportBuilder.JSON.createObjectNode();
        o.put("status", "success");
        o.set("data", data);
        return o;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return ReportBuilder.JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
