-- +goose Up
-- The moment the plan gave each created object, for the report's export and its
-- lateness figures (NULL for objects created before this column existed).
ALTER TABLE ledger ADD COLUMN planned_at DATETIME(3) NULL;

-- +goose Down
ALTER TABLE ledger DROP COLUMN planned_at;
