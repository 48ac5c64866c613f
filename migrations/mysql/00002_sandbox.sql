-- +goose Up
-- The built-in HubSpot-compatible sandbox (internal/sandbox). These tables sit on the
-- sandbox's hot path (hundreds of batch calls a second), so they carry no foreign
-- keys: rows are only ever written by storage/sandbox_*.go, in one transaction per
-- call, and ResetSandbox empties every table.

-- Object ids are handed out in blocks from this row, so a batch of 100 gets its ids
-- without a round trip and concurrent writers (several replicas) never collide.
CREATE TABLE sandbox_sequences (
    name    VARCHAR(32) NOT NULL PRIMARY KEY,
    next_id BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO sandbox_sequences (name, next_id) VALUES ('object', 1);

-- One CRM record; id is its HubSpot id. properties holds the stored property values
-- as a JSON object of strings (system properties such as createdate come from the
-- columns); search reads them with JSON_EXTRACT. simulation_id repeats the
-- simcrm_simulation_id property so that a simulation's records are found by index.
CREATE TABLE sandbox_objects (
    id            BIGINT      NOT NULL PRIMARY KEY,
    object_type   VARCHAR(32) NOT NULL,
    properties    MEDIUMTEXT  NOT NULL,
    simulation_id VARCHAR(64) NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    archived      BOOLEAN     NOT NULL DEFAULT FALSE,
    archived_at   DATETIME(3) NULL,
    KEY sandbox_objects_type (object_type, archived, id),
    KEY sandbox_objects_simulation (simulation_id, object_type, archived, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The values of unique properties (contact email, properties with hasUniqueValue):
-- the primary key makes two writers of the same value collide in the database, so
-- a value is claimed by exactly one object even under concurrency. Search and
-- upsert find records by these values through the same key.
CREATE TABLE sandbox_unique_values (
    object_type VARCHAR(32)  NOT NULL,
    property    VARCHAR(100) NOT NULL,
    value       VARCHAR(255) NOT NULL,
    object_id   BIGINT       NOT NULL,
    PRIMARY KEY (object_type, property, value),
    KEY sandbox_unique_values_object (object_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Associations, stored in both directions (each with its own type id).
CREATE TABLE sandbox_associations (
    from_id    BIGINT      NOT NULL,
    to_type    VARCHAR(32) NOT NULL,
    to_id      BIGINT      NOT NULL,
    category   VARCHAR(32) NOT NULL,
    type_id    INT         NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (from_id, to_type, to_id, category, type_id),
    KEY sandbox_associations_to (to_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Custom property definitions (the properties API); definition is the JSON of the
-- property as the API returns it.
CREATE TABLE sandbox_properties (
    object_type VARCHAR(32)  NOT NULL,
    name        VARCHAR(100) NOT NULL,
    definition  TEXT         NOT NULL,
    created_at  DATETIME(3)  NOT NULL,
    updated_at  DATETIME(3)  NOT NULL,
    PRIMARY KEY (object_type, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE sandbox_properties;
DROP TABLE sandbox_associations;
DROP TABLE sandbox_unique_values;
DROP TABLE sandbox_objects;
DROP TABLE sandbox_sequences;
