-- +goose Up
-- A finished simulation's lateness figures, worked out once from its ledger and
-- kept with the ledger size they were worked out at (a replay that adds rows
-- makes the report work them out again).
CREATE TABLE report_lateness (
    simulation_id BIGINT      NOT NULL PRIMARY KEY,
    ledger_rows   BIGINT      NOT NULL,
    samples       BIGINT      NOT NULL,
    p50_us        BIGINT      NOT NULL,
    p99_us        BIGINT      NOT NULL,
    computed_at   DATETIME(3) NOT NULL,
    CONSTRAINT report_lateness_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE report_lateness;
