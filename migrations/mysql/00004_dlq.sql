-- +goose Up
-- DLQ triage: what each audit entry was (replay, resolve, discard), how it ended and
-- why; one row per replay of a DLQ entry; indexes for the triage page's filters,
-- its summary and the per-user replay limit.
ALTER TABLE replay_audit
    ADD COLUMN action        VARCHAR(16)  NOT NULL DEFAULT 'replay',
    ADD COLUMN outcome       VARCHAR(16)  NOT NULL DEFAULT 'ok',
    ADD COLUMN simulation_id BIGINT       NULL,
    ADD COLUMN reason        VARCHAR(500) NOT NULL DEFAULT '',
    ADD COLUMN message       VARCHAR(500) NOT NULL DEFAULT '';
CREATE INDEX replay_audit_user ON replay_audit (user_id, action, at);

ALTER TABLE dlq_entries
    ADD COLUMN resolved_at      DATETIME(3) NULL,
    ADD COLUMN resolve_audit_id BIGINT      NULL;

CREATE TABLE dlq_replays (
    id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dlq_id    BIGINT       NOT NULL,
    audit_id  BIGINT       NOT NULL,
    task_id   VARCHAR(128) NOT NULL,
    queue     VARCHAR(64)  NOT NULL,
    max_retry INT          NOT NULL,
    at        DATETIME(3)  NOT NULL,
    error     VARCHAR(500) NOT NULL DEFAULT '',
    KEY dlq_replays_entry (dlq_id, id),
    KEY dlq_replays_audit (audit_id),
    CONSTRAINT dlq_replays_entry_fk FOREIGN KEY (dlq_id) REFERENCES dlq_entries (id) ON DELETE CASCADE,
    CONSTRAINT dlq_replays_audit_fk FOREIGN KEY (audit_id) REFERENCES replay_audit (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Summary: GROUP BY simulation, category over open rows, trend from last_failed_at,
-- all read from this one index.
CREATE INDEX dlq_summary ON dlq_entries (status, simulation_id, category, last_failed_at);
-- List pages (newest first, keyset on id) under the common filters.
CREATE INDEX dlq_status_cat ON dlq_entries (status, category, id);
CREATE INDEX dlq_status_object ON dlq_entries (status, object_type, id);
CREATE INDEX dlq_sim_status ON dlq_entries (simulation_id, status, id);
CREATE INDEX dlq_task ON dlq_entries (task_id);

-- +goose Down
DROP INDEX dlq_task ON dlq_entries;
DROP INDEX dlq_sim_status ON dlq_entries;
DROP INDEX dlq_status_object ON dlq_entries;
DROP INDEX dlq_status_cat ON dlq_entries;
DROP INDEX dlq_summary ON dlq_entries;
ALTER TABLE dlq_entries DROP COLUMN resolve_audit_id, DROP COLUMN resolved_at;
DROP TABLE dlq_replays;
-- The foreign key on user_id leans on replay_audit_user: drop and re-add it around
-- the index so it gets its own again, as before this migration.
ALTER TABLE replay_audit DROP FOREIGN KEY replay_audit_user_fk;
DROP INDEX replay_audit_user ON replay_audit;
ALTER TABLE replay_audit ADD CONSTRAINT replay_audit_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE replay_audit
    DROP COLUMN message,
    DROP COLUMN reason,
    DROP COLUMN simulation_id,
    DROP COLUMN outcome,
    DROP COLUMN action;
