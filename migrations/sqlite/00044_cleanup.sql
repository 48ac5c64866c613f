-- +goose Up
-- Cleaning up a target: each ledger row's state (NULL: still in the target,
-- archived, failed: in the DLQ), one cleanup per simulation with its state, and
-- an index to tell objects shared with another simulation (same type and id).
ALTER TABLE ledger ADD COLUMN cleanup_state VARCHAR(8) NULL;
CREATE INDEX ledger_external ON ledger (object_type, external_id);

CREATE TABLE cleanups (
    simulation_id BIGINT      NOT NULL PRIMARY KEY,
    status        VARCHAR(16) NOT NULL,
    started_by    BIGINT      NOT NULL,
    started_at    DATETIME    NOT NULL,
    finished_at   DATETIME    NULL,
    found         INT         NOT NULL DEFAULT 0,
    message       TEXT        NOT NULL,
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE cleanups;
DROP INDEX ledger_external;
ALTER TABLE ledger DROP COLUMN cleanup_state;
