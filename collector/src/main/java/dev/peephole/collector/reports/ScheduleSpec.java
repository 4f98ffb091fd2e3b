package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an admin configures for a report schedule, checked: a daily report at {@code at} (HH:MM)
 * in {@code timezone}, a weekly one on {@code weekday} too; sent to {@code receiver} of the
 * notification configuration, its e-mail {@code to} replaced by {@code to} when given.
 */
public record ScheduleSpec(String name, String period, String at, String weekday, String timezone, String receiver,
                           List<String> to, boolean enabled) {

    private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
    private static final Set<String> KEYS = Set.of("name", "period", "at", "weekday", "timezone", "receiver", "to", "enabled");

    /** A schedule body that is not valid; the message says what is wrong. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Parses and checks a JSON body; {@code receivers} are the receivers of the notification configuration. */
    public static ScheduleSpec parse(String body, Set<String> receivers) throws Invalid {
        JsonNode n;
        try {
            n = body == null || body.isBlank() ? null : ReportBuilder.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new Invalid("the body is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new Invalid("the body must be a JSON object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new Invalid("unknown field \"" + k + "\"");
            }
        }
        String name = text(n, "name");
        if (name == null || name.isBlank()) {
            throw new Invalid("name is required");
        }
        if (name.length() > 200) {
            throw new Invalid("name is longer than 200 characters");
        }
        String period = text(n, "period");
        if (!"daily".equals(period) && !"weekly".equals(period)) {
            throw new Invalid("period must be \"daily\" or \"weekly\"");
        }
        String at = text(n, "at");
        if (at == null || !HH_MM.matcher(at).matches()) {
            throw new Invalid("at must be a time of day HH:MM (00:00 to 23:59), not " + (at == null ? "missing" : "\"" + at + "\""));
        }
        String weekday = text(n, "weekday");
        if ("weekly".equals(period)) {
            if (weekday == null) {
                throw new Invalid("weekday is required for a weekly schedule (monday to sunday)");
            }
            weekday = weekday.toLowerCase(Locale.ROOT);
            try {
                DayOfWeek.valueOf(weekday.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Invalid("weekday must be monday to sunday, not \"" + weekday + "\"");
            }
        } else if (weekday != null) {
            throw new Invalid("weekday is only for weekly schedules");
        }
        String timezone = text(n, "timezone");
        if (timezone == null) {
            timezone = "UTC";
        }
        try {
            ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new Invalid("unknown timezone \"" + timezone + "\"");
        }
        String receiver = text(n, "receiver");
        if (receiver != null && !receivers.contains(receiver)) {
            throw new Invalid("receiver \"" + receiver + "\" is not in the notification configuration"
                    + (receivers.isEmpty() ? " (PEEPHOLE_NOTIFY_CONFIG names no receivers)" : " (known: "
                    + String.join(", ", new java.util.TreeSet<>(receivers)) + ")"));
        }
        List<String> to = new ArrayList<>();
        JsonNode list = n.get("to");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new Invalid("to must be an array of e-mail addresses");
            }
            for (JsonNode a : list) {
                if (!a.isTextual()) {
                    throw new Invalid("to must be an array of e-mail addresses");
                }
                try {
                    InternetAddress ia = new InternetAddress(a.asText(), true);
                    ia.validate();
                    if (!a.asText().contains("@")) {
                        throw new AddressException("no @");
                    }
                } catch (AddressException e) {
                    throw new Invalid("bad e-mail address \"" + a.asText() + "\"");
                }
                to.add(a.asText());
            }
        }
        JsonNode en = n.get("enabled");
        if (en != null && !en.isNull() && !en.isBoolean()) {
            throw new Invalid("enabled must be true or false");
        }
        boolean enabled = en == null || en.isNull() || en.asBoolean();
        return new ScheduleSpec(name, period, at, weekday, timezone, receiver, to, enabled);
    }

    private static String text(JsonNode n, String k) throws Invalid {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid(k + " must be a string");
        }
        return v.asText();
    }

    /** The length of the period a run covers. */
    public static Duration length(String period) {
        return "weekly".equals(period) ? Duration.ofDays(7) : Duration.ofDays(1);
    }

    /** The first scheduled time strictly after {@code after}. */
    public static Instant nextRun(String period, String at, String weekday, String timezone, Instant after) {
        ZoneId zone = ZoneId.of(timezone);
        LocalTime time = LocalTime.parse(at);
        LocalDate day = after.atZone(zone).toLocalDate().minusDays(1);
        for (int i = 0; i < 16; i++) {
            LocalDate d = day.plusDays(i);
            if ("weekly".equals(period) && d.getDayOfWeek() != DayOfWeek.valueOf(weekday.toUpperCase(Locale.ROOT))) {
                continue;
            }
            Instant t = ZonedDateTime.of(d, time, zone).toInstant(); // a time in a DST gap moves forward by the gap
            if (t.isAfter(after)) {
                return t;
            }
        }
        throw new IllegalStateException("no run time found after " + after);
    }

    /** The latest scheduled time at or before {@code now}. */
    public static Instant lastRun(String period, String at, String weekday, String timezone, Instant now) {
        ZoneId zone = ZoneId.of(timezone);
        LocalTime time = LocalTime.parse(at);
        LocalDate day = now.atZone(zone).toLocalDate().plusDays(1);
        for (int i = 0; i < 16; i++) {
            LocalDate d = day.minusDays(i);
            if ("weekly".equals(period) && d.getDayOfWeek() != DayOfWeek.valueOf(weekday.toUpperCase(Locale.ROOT))) {
                continue;
            }
            Instant t = ZonedDateTime.of(d, time, zone).toInstant();
            if (!t.isAfter(now)) {
                return t;
            }
        }
        throw new IllegalStateException("no run time found before " + now);
    }

    static DayOfWeek day(String weekday) {
        return DayOfWeek.valueOf(weekday.toUpperCase(Locale.ROOT));
    }

}
