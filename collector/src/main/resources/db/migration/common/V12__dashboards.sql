-- Custom dashboards of the browser UI: a title and a JSON definition (panels in grid order)
-- per dashboard, owned by the user who created it. Every user reads every dashboard; the owner
-- and admins change it (checked by the collector).
CREATE TABLE dashboards (
    id          bigserial   PRIMARY KEY,
    owner_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text        NOT NULL,
    definition  jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL
);
CREATE INDEX dashboards_title ON dashboards (lower(title), id);
