package dev.peephole.collector.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When schedules run: daily and weekly times in a time zone, across DST changes, and the missed-run-once rule. */
class ScheduleTimesTest {

    @Test
    void dailyRunsAtTheTimeOfDayInItsZone() {
        assertThat(ScheduleSpec.nextRun("daily", "07:00", null, "UTC", Instant.parse("2026-06-10T06:59:59Z")))
                .isEqualTo(Instant.parse("2026-06-10T07:00:00Z"));
        assertThat(ScheduleSpec.nextRun("daily", "07:00", null, "UTC", Instant.parse("2026-06-10T07:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-11T07:00:00Z"));
        // Berlin in summer is UTC+2, New York UTC-4
        assertThat(ScheduleSpec.nextRun("daily", "07:00", null, "Europe/Berlin", Instant.parse("2026-06-10T06:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-11T05:00:00Z"));
        assertThat(ScheduleSpec.nextRun("daily", "23:30", null, "America/New_York", Instant.parse("2026-06-10T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-11T03:30:00Z"));
        assertThat(ScheduleSpec.lastRun("daily", "07:00", null, "UTC", Instant.parse("2026-06-10T06:59:59Z")))
                .isEqualTo(Instant.parse("2026-06-09T07:00:00Z"));
        assertThat(ScheduleSpec.lastRun("daily", "07:00", null, "UTC", Instant.parse("2026-06-10T07:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-10T07:00:00Z"));
    }

    @Test
    void daylightSavingChangesKeepTheLocalTime() {
        // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST. 07:00 local is 06:00Z before, 05:00Z after.
        assertThat(ScheduleSpec.nextRun("daily", "07:00", null, "Europe/Berlin", Instant.parse("2026-03-28T07:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-29T05:00:00Z"));
        // a time inside the gap (02:30 does not exist that day) runs once, an hour later (03:30 CEST)
        assertThat(ScheduleSpec.nextRun("daily", "02:30", null, "Europe/Berlin", Instant.parse("2026-03-28T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-29T01:30:00Z"));
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice and runs once, at the first
        Instant first = ScheduleSpec.nextRun("daily", "02:30", null, "Europe/Berlin", Instant.parse("2026-10-24T12:00:00Z"));
        assertThat(first).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
        assertThat(ScheduleSpec.nextRun("daily", "02:30", null, "Europe/Berlin", first))
                .isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
    }

    @Test
    void weeklyRunsOnItsWeekday() {
        // 10 June 2026 is a Wednesday
        assertThat(ScheduleSpec.nextRun("weekly", "08:00", "monday", "UTC", Instant.parse("2026-06-10T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-15T08:00:00Z"));
        assertThat(ScheduleSpec.nextRun("weekly", "08:00", "wednesday", "UTC", Instant.parse("2026-06-10T07:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-10T08:00:00Z"));
        assertThat(ScheduleSpec.nextRun("weekly", "08:00", "wednesday", "UTC", Instant.parse("2026-06-10T08:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-17T08:00:00Z"));
        assertThat(ScheduleSpec.lastRun("weekly", "08:00", "monday", "Asia/Tokyo", Instant.parse("2026-06-10T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-06-07T23:00:00Z")); // Monday 08:00 in Tokyo is Sunday 23:00Z
        assertThat(ScheduleSpec.length("weekly").toDays()).isEqualTo(7);
        assertThat(ScheduleSpec.length("daily").toHours()).isEqualTo(24);
    }

    @Test
    void aMissedRunIsDoneOnceNotOncePerMissedDay() {
        Instant created = Instant.parse("2026-06-01T12:00:00Z");
        ReportStore.Schedule s = schedule(created, true);
        // three days of downtime: the latest scheduled time is due, once
        Instant now = Instant.parse("2026-06-04T09:15:00Z");
        assertThat(ReportScheduler.due(s, now)).isEqualTo(Instant.parse("2026-06-04T07:00:00Z"));
        ReportStore.Schedule ran = schedule(Instant.parse("2026-06-04T07:00:00Z"), true);
        assertThat(ReportScheduler.due(ran, now)).isNull();
        assertThat(ReportScheduler.due(ran, Instant.parse("2026-06-05T06:59:00Z"))).isNull();
        assertThat(ReportScheduler.due(ran, Instant.parse("2026-06-05T07:00:00Z"))).isEqualTo(Instant.parse("2026-06-05T07:00:00Z"));
        // created after today's time: nothing due before tomorrow's
        ReportStore.Schedule fresh = schedule(Instant.parse("2026-06-04T08:00:00Z"), true);
        assertThat(ReportScheduler.due(fresh, now)).isNull();
        assertThat(ReportScheduler.due(schedule(created, false), now)).isNull();
    }

    private static ReportStore.Schedule schedule(Instant lastDue, boolean enabled) {
        return new ReportStore.Schedule(1, "Daily summary", "daily", "07:00", null, "UTC", null, List.of(), enabled, "admin",
                Instant.parse("2026-06-01T12:00:00Z"), lastDue, null, null, null, null);
    }
}
