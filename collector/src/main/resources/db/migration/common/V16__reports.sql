-- Scheduled reports: the schedules admins configure, and the reports built (by a schedule or
-- ad hoc) with their figures (jsonb), rendered HTML and CSV, and their PNG charts in a table of
-- their own. Bounded: the collector keeps the newest PEEPHOLE_REPORTS_KEEP reports.
CREATE TABLE report_schedules (
    id              bigserial   PRIMARY KEY,
    name            text        NOT NULL,
    period          text        NOT NULL CHECK (period IN ('daily', 'weekly')),
    at_time         text        NOT NULL,            -- HH:MM in the schedule's time zone
    weekday         text,                            -- monday..sunday, weekly schedules only
    timezone        text        NOT NULL,
    receiver        text,                            -- a receiver of PEEPHOLE_NOTIFY_CONFIG
    recipients      text[]      NOT NULL DEFAULT '{}',
    enabled         boolean     NOT NULL DEFAULT true,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_due        timestamptz,                     -- the scheduled time of the last run
    last_run_at     timestamptz,
    last_report_id  bigint,
    last_outcome    text,
    last_error      text
);

CREATE TABLE reports (
    id               bigserial   PRIMARY KEY,
    schedule_id      bigint      REFERENCES report_schedules (id) ON DELETE SET NULL,
    schedule_name    text,
    period           text        NOT NULL CHECK (period IN ('daily', 'weekly')),
    start_at         timestamptz NOT NULL,
    end_at           timestamptz NOT NULL,
    generated_at     timestamptz NOT NULL DEFAULT now(),
    created_by       text        NOT NULL,
    figures          jsonb       NOT NULL,
    html             text        NOT NULL,
    csv              text        NOT NULL,
    delivery_outcome text        NOT NULL DEFAULT 'not_sent'
                                 CHECK (delivery_outcome IN ('delivered', 'failed', 'not_sent')),
    delivery_error   text,
    delivery_to      text[]      NOT NULL DEFAULT '{}'
);
CREATE INDEX reports_generated_at ON reports (generated_at DESC, id DESC);

CREATE TABLE report_charts (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    name      text   NOT NULL,
    png       bytea  NOT NULL,
    PRIMARY KEY (report_id, name)
);
