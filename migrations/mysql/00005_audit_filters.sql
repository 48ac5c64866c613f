-- +goose Up
-- An audit entry keeps the whole filter it ran with: a bulk action may name 500
-- task ids of up to 128 characters, more than TEXT's 64 KiB.
ALTER TABLE replay_audit MODIFY filters MEDIUMTEXT NOT NULL;

-- +goose Down
ALTER TABLE replay_audit MODIFY filters TEXT NOT NULL;
