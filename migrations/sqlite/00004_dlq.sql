-- +goose Up
-- DLQ triage: what each audit entry was (replay, resolve, discard), how it ended and
-- why; one row per replay of a DLQ entry; indexes for the triage page's filters,
-- its summary and the per-user replay limit.
ALTER TABLE replay_audit ADD COLUMN action VARCHAR(16) NOT NULL DEFAULT 'replay';
ALTER TABLE replay_audit ADD COLUMN outcome VARCHAR(16) NOT NULL DEFAULT 'ok';
ALTER TABLE replay_audit ADD COLUMN simulation_id BIGINT NULL;
ALTER TABLE replay_audit ADD COLUMN reason VARCHAR(500) NOT NULL DEFAULT '';
ALTER TABLE replay_audit ADD COLUMN message VARCHAR(500) NOT NULL DEFAULT '';
CREATE INDEX replay_audit_user ON replay_audit (user_id, action, at);

ALTER TABLE dlq_entries ADD COLUMN resolved_at DATETIME NULL;
ALTER TABLE dlq_entries ADD COLUMN resolve_audit_id BIGINT NULL;

CREATE TABLE dlq_replays (
    id        INTEGER      PRIMARY KEY,
    dlq_id    BIGINT       NOT NULL,
    audit_id  BIGINT       NOT NULL,
    task_id   VARCHAR(128) NOT NULL,
    queue     VARCHAR(64)  NOT NULL,
    max_retry INT          NOT NULL,
    at        DATETIME     NOT NULL,
    error     VARCHAR(500) NOT NULL DEFAULT '',
    FOREIGN KEY (dlq_id) REFERENCES dlq_entries (id) ON DELETE CASCADE,
    FOREIGN KEY (audit_id) REFERENCES replay_audit (id)
);
CREATE INDEX dlq_replays_entry ON dlq_replays (dlq_id, id);
CREATE INDEX dlq_replays_audit ON dlq_replays (audit_id);

-- Summary: GROUP BY simulation, category over open rows, trend from last_failed_at,
-- all read from this one index.
CREATE INDEX dlq_summary ON dlq_entries (status, simulation_id, category, last_failed_at);
-- List pages (newest first, keyset on id) under the common filters.
CREATE INDEX dlq_status_cat ON dlq_entries (status, category, id);
CREATE INDEX dlq_status_object ON dlq_entries (status, object_type, id);
CREATE INDEX dlq_sim_status ON dlq_entries (simulation_id, status, id);
CREATE INDEX dlq_task ON dlq_entries (task_id);

-- +goose Down
DROP INDEX dlq_task;
DROP INDEX dlq_sim_status;
DROP INDEX dlq_status_object;
DROP INDEX dlq_status_cat;
DROP INDEX dlq_summary;
ALTER TABLE dlq_entries DROP COLUMN resolve_audit_id;
ALTER TABLE dlq_entries DROP COLUMN resolved_at;
DROP TABLE dlq_replays;
DROP INDEX replay_audit_user;
ALTER TABLE replay_audit DROP COLUMN message;
ALTER TABLE replay_audit DROP COLUMN reason;
ALTER TABLE replay_audit DROP COLUMN simulation_id;
ALTER TABLE replay_audit DROP COLUMN outcome;
ALTER TABLE replay_audit DROP COLUMN action;
