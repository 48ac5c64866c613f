-- +goose Up
-- The simulation engine (jobs/): per-segment plan caches, durable skip decisions
-- (thinned activities, objects blocked by a failed record) and exact plan totals.

-- used_before: the simulation's budget usage (JSON sim.Counts) before the segment's
-- first record, so expanding segment k never re-sums records 0..first; objects: how
-- many objects the segment plans (contacts, first-seen companies, deals, activities).
ALTER TABLE segments ADD COLUMN used_before TEXT NULL;
ALTER TABLE segments ADD COLUMN objects INT NOT NULL DEFAULT 0;
ALTER TABLE segments ADD COLUMN done_at DATETIME NULL;

-- A planned object the engine decided not to create: thinned (optional activity
-- skipped under pressure) or blocked (its record failed into the DLQ). Keyed like
-- the ledger so "plan = ledger + DLQ + skips" can be counted with distinct keys.
CREATE TABLE simulation_skips (
    simulation_id BIGINT       NOT NULL,
    record_key    VARCHAR(128) NOT NULL,
    record_index  INT          NOT NULL,
    object_type   VARCHAR(16)  NOT NULL,
    reason        VARCHAR(16)  NOT NULL,
    created_at    DATETIME     NOT NULL,
    PRIMARY KEY (simulation_id, record_key),
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);
CREATE INDEX simulation_skips_index ON simulation_skips (simulation_id, record_index);

-- Exact planned totals per object type (JSON), computed once when a run starts.
CREATE TABLE simulation_plans (
    simulation_id BIGINT   NOT NULL PRIMARY KEY,
    totals        TEXT     NOT NULL,
    created_at    DATETIME NOT NULL,
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);

-- Completion checks count a segment's DLQ rows by record index.
CREATE INDEX dlq_sim_record ON dlq_entries (simulation_id, record_index);

-- +goose Down
DROP INDEX dlq_sim_record;
DROP TABLE simulation_plans;
DROP TABLE simulation_skips;
ALTER TABLE segments DROP COLUMN done_at;
ALTER TABLE segments DROP COLUMN objects;
ALTER TABLE segments DROP COLUMN used_before;
