-- +goose Up
-- Saved profiles: a named set of new-simulation settings (the form's values, JSON)
-- a user starts new simulations from.
CREATE TABLE simulation_profiles (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT       NOT NULL,
    name       VARCHAR(100) NOT NULL,
    settings   TEXT         NOT NULL,
    created_at DATETIME(3)  NOT NULL,
    updated_at DATETIME(3)  NOT NULL,
    UNIQUE KEY simulation_profiles_name (user_id, name),
    CONSTRAINT simulation_profiles_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE simulation_profiles;
