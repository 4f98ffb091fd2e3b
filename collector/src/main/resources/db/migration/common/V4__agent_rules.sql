-- Instrumentation rules switched on or off per agent, pushed with the sampling ratio.
ALTER TABLE agents ADD COLUMN enabled_rules text[] NOT NULL DEFAULT '{}';
ALTER TABLE agents ADD COLUMN disabled_rules text[] NOT NULL DEFAULT '{}';
