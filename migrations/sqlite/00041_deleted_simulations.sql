-- +goose Up
-- Deleted simulations: who deleted which one and when. Their ids are never given
-- out again, because objects in a target keep naming their simulation by id
-- (simcrm_simulation_id) after the simulation is gone.
CREATE TABLE deleted_simulations (
    id INTEGER PRIMARY KEY,
    user_id    BIGINT       NOT NULL,
    name       VARCHAR(200) NOT NULL,
    deleted_by BIGINT       NOT NULL,
    deleted_at DATETIME  NOT NULL
);

-- +goose Down
DROP TABLE deleted_simulations;
