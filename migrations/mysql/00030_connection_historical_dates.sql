-- +goose Up
-- A connection may refuse SimCRM's planned dates (createdate, the "became a …"
-- stage dates, a task's completion date) in backfills: on by default.
ALTER TABLE hubspot_connections ADD COLUMN historical_dates BOOLEAN NOT NULL DEFAULT TRUE;

-- +goose Down
ALTER TABLE hubspot_connections DROP COLUMN historical_dates;
