-- +goose Up
-- MySQL's replay_audit.filters grows to MEDIUMTEXT; SQLite's TEXT has no limit, so
-- nothing changes here (the versions stay the same in both dialects).
SELECT 1;

-- +goose Down
SELECT 1;
