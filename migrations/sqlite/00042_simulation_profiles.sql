-- +goose Up
-- Saved profiles: a named set of new-simulation settings (the form's values, JSON)
-- a user starts new simulations from.
CREATE TABLE simulation_profiles (
    id         INTEGER      PRIMARY KEY,
    user_id    BIGINT       NOT NULL,
    name       VARCHAR(100) NOT NULL,
    settings   TEXT         NOT NULL,
    created_at DATETIME     NOT NULL,
    updated_at DATETIME     NOT NULL,
    UNIQUE (user_id, name),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE simulation_profiles;
