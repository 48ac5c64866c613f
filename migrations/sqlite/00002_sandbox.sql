-- +goose Up
-- The built-in HubSpot-compatible sandbox (internal/sandbox). These tables sit on the
-- sandbox's hot path, so they carry no foreign keys: rows are only ever written by
-- storage/sandbox_*.go, in one transaction per call, and ResetSandbox empties every
-- table.

-- Object ids are handed out in blocks from this row (see the MySQL migration).
CREATE TABLE sandbox_sequences (
    name    VARCHAR(32) NOT NULL PRIMARY KEY,
    next_id BIGINT      NOT NULL
);

INSERT INTO sandbox_sequences (name, next_id) VALUES ('object', 1);

-- One CRM record; id is its HubSpot id (assigned by SimCRM, not by SQLite).
-- properties is a JSON object of strings; simulation_id repeats the
-- simcrm_simulation_id property so that a simulation's records are found by index.
CREATE TABLE sandbox_objects (
    id            INTEGER     PRIMARY KEY,
    object_type   VARCHAR(32) NOT NULL,
    properties    TEXT        NOT NULL,
    simulation_id VARCHAR(64) NULL,
    created_at    DATETIME    NOT NULL,
    updated_at    DATETIME    NOT NULL,
    archived      BOOLEAN     NOT NULL DEFAULT FALSE,
    archived_at   DATETIME    NULL
);
CREATE INDEX sandbox_objects_type ON sandbox_objects (object_type, archived, id);
CREATE INDEX sandbox_objects_simulation ON sandbox_objects (simulation_id, object_type, archived, id);

-- The values of unique properties: the primary key lets exactly one object claim a
-- value. Tables keyed by a composite primary key are WITHOUT ROWID (one b-tree per
-- row written instead of two).
CREATE TABLE sandbox_unique_values (
    object_type VARCHAR(32)  NOT NULL,
    property    VARCHAR(100) NOT NULL,
    value       VARCHAR(255) NOT NULL,
    object_id   BIGINT       NOT NULL,
    PRIMARY KEY (object_type, property, value)
) WITHOUT ROWID;
CREATE INDEX sandbox_unique_values_object ON sandbox_unique_values (object_id);

-- Associations, stored in both directions (each with its own type id).
CREATE TABLE sandbox_associations (
    from_id    BIGINT      NOT NULL,
    to_type    VARCHAR(32) NOT NULL,
    to_id      BIGINT      NOT NULL,
    category   VARCHAR(32) NOT NULL,
    type_id    INT         NOT NULL,
    created_at DATETIME    NOT NULL,
    PRIMARY KEY (from_id, to_type, to_id, category, type_id)
) WITHOUT ROWID;
CREATE INDEX sandbox_associations_to ON sandbox_associations (to_id);

-- Custom property definitions (the properties API).
CREATE TABLE sandbox_properties (
    object_type VARCHAR(32)  NOT NULL,
    name        VARCHAR(100) NOT NULL,
    definition  TEXT         NOT NULL,
    created_at  DATETIME     NOT NULL,
    updated_at  DATETIME     NOT NULL,
    PRIMARY KEY (object_type, name)
);

-- +goose Down
DROP TABLE sandbox_properties;
DROP TABLE sandbox_associations;
DROP TABLE sandbox_unique_values;
DROP TABLE sandbox_objects;
DROP TABLE sandbox_sequences;
