-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    created_at    DATETIME     NOT NULL,
    UNIQUE (email)
);

CREATE TABLE sessions (
    id           CHAR(64)    NOT NULL PRIMARY KEY,
    user_id      BIGINT      NOT NULL,
    created_at   DATETIME    NOT NULL,
    expires_at   DATETIME    NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER      PRIMARY KEY,
    user_id      BIGINT      NOT NULL,
    token_hash   CHAR(64)    NOT NULL,
    name         VARCHAR(100) NOT NULL,
    created_at   DATETIME    NOT NULL,
    last_used_at DATETIME    NULL,
    UNIQUE (token_hash),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE login_failures (
    id         INTEGER       PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    ip         VARCHAR(64)  NOT NULL,
    at         DATETIME     NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE hubspot_connections (
    id                 INTEGER       PRIMARY KEY,
    user_id            BIGINT       NOT NULL,
    name               VARCHAR(100) NOT NULL,
    base_url           VARCHAR(255) NOT NULL,
    tier               VARCHAR(32)  NOT NULL,
    token_ciphertext   BLOB NOT NULL,
    validated_at       DATETIME     NULL,
    validation_ok      BOOLEAN      NOT NULL DEFAULT FALSE,
    validation_message TEXT         NOT NULL,
    created_at         DATETIME     NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX hubspot_connections_user ON hubspot_connections (user_id);

CREATE TABLE scenario_overrides (
    id         INTEGER      PRIMARY KEY,
    scenario   VARCHAR(32) NOT NULL,
    version    INT         NOT NULL,
    overrides  TEXT        NOT NULL,
    changed_by BIGINT      NOT NULL,
    created_at DATETIME    NOT NULL,
    UNIQUE (scenario, version),
    FOREIGN KEY (changed_by) REFERENCES users (id)
);

CREATE TABLE simulations (
    id               INTEGER       PRIMARY KEY,
    user_id          BIGINT       NOT NULL,
    name             VARCHAR(200) NOT NULL,
    scenario         VARCHAR(32)  NOT NULL,
    scenario_version INT          NOT NULL DEFAULT 0,
    distribution     VARCHAR(32)  NOT NULL,
    hour_weights     TEXT         NOT NULL,
    start_at         DATETIME     NOT NULL,
    end_at           DATETIME     NOT NULL,
    time_zone        VARCHAR(64)  NOT NULL,
    total_records    INT          NOT NULL,
    effective_total  INT          NOT NULL,
    pace_mode        VARCHAR(16)  NOT NULL,
    pace_factor      DOUBLE       NOT NULL,
    target_kind      VARCHAR(16)  NOT NULL,
    connection_id    BIGINT       NULL,
    pipeline         VARCHAR(100) NOT NULL DEFAULT '',
    owner_ids        TEXT         NOT NULL,
    seed             BIGINT       NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    status_reason    TEXT         NOT NULL,
    created_at       DATETIME     NOT NULL,
    updated_at       DATETIME     NOT NULL,
    started_at       DATETIME     NULL,
    finished_at      DATETIME     NULL,
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (connection_id) REFERENCES hubspot_connections (id)
);
CREATE INDEX simulations_user ON simulations (user_id, id);
CREATE INDEX simulations_status ON simulations (status);

CREATE TABLE simulation_transitions (
    id            INTEGER      PRIMARY KEY,
    simulation_id BIGINT      NOT NULL,
    from_status   VARCHAR(16) NOT NULL,
    to_status     VARCHAR(16) NOT NULL,
    reason        TEXT        NOT NULL,
    at            DATETIME    NOT NULL,
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);
CREATE INDEX simulation_transitions_sim ON simulation_transitions (simulation_id, id);

CREATE TABLE simulation_counters (
    simulation_id BIGINT      NOT NULL,
    name          VARCHAR(64) NOT NULL,
    value         BIGINT      NOT NULL,
    PRIMARY KEY (simulation_id, name),
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);

CREATE TABLE segments (
    simulation_id BIGINT      NOT NULL,
    segment_index INT         NOT NULL,
    start_at      DATETIME    NOT NULL,
    end_at        DATETIME    NOT NULL,
    first_index   INT         NOT NULL,
    last_index    INT         NOT NULL,
    state         VARCHAR(16) NOT NULL,
    expanded_at   DATETIME    NULL,
    PRIMARY KEY (simulation_id, segment_index),
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);
CREATE INDEX segments_state ON segments (simulation_id, state, segment_index);

CREATE TABLE ledger (
    id            INTEGER       PRIMARY KEY,
    simulation_id BIGINT       NOT NULL,
    record_index  INT          NOT NULL,
    object_type   VARCHAR(16)  NOT NULL,
    record_key    VARCHAR(128) NOT NULL,
    external_id   VARCHAR(64)  NOT NULL,
    created_at    DATETIME     NOT NULL,
    UNIQUE (simulation_id, record_key),
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
);
CREATE INDEX ledger_index ON ledger (simulation_id, record_index);
CREATE INDEX ledger_type ON ledger (simulation_id, object_type);

CREATE TABLE replay_audit (
    id               INTEGER      PRIMARY KEY,
    user_id          BIGINT      NOT NULL,
    at               DATETIME    NOT NULL,
    filters          TEXT        NOT NULL,
    strategy         VARCHAR(16) NOT NULL,
    limit_n          INT         NOT NULL,
    max_per_category INT         NOT NULL,
    use_full_retry   BOOLEAN     NOT NULL,
    dry_run          BOOLEAN     NOT NULL,
    candidates       INT         NOT NULL,
    selected         INT         NOT NULL,
    replayed         INT         NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX replay_audit_at ON replay_audit (at);

CREATE TABLE dlq_entries (
    id               INTEGER       PRIMARY KEY,
    simulation_id    BIGINT       NOT NULL,
    job_type         VARCHAR(32)  NOT NULL,
    object_type      VARCHAR(16)  NOT NULL,
    record_index     INT          NOT NULL,
    record_key       VARCHAR(128) NOT NULL,
    task_id          VARCHAR(128) NOT NULL,
    payload          TEXT         NOT NULL,
    category         VARCHAR(16)  NOT NULL,
    error            TEXT         NOT NULL,
    attempts         INT          NOT NULL,
    first_failed_at  DATETIME     NOT NULL,
    last_failed_at   DATETIME     NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    resolution       TEXT         NOT NULL,
    replay_count     INT          NOT NULL DEFAULT 0,
    replayed_at      DATETIME     NULL,
    replay_audit_id  BIGINT       NULL,
    FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE,
    FOREIGN KEY (replay_audit_id) REFERENCES replay_audit (id)
);
CREATE INDEX dlq_sim_cat ON dlq_entries (simulation_id, category, id);
CREATE INDEX dlq_status ON dlq_entries (status, id);
CREATE INDEX dlq_category ON dlq_entries (category, id);
CREATE INDEX dlq_object ON dlq_entries (object_type, id);
CREATE INDEX dlq_failed_at ON dlq_entries (last_failed_at);

-- +goose Down
DROP TABLE dlq_entries;
DROP TABLE replay_audit;
DROP TABLE ledger;
DROP TABLE segments;
DROP TABLE simulation_counters;
DROP TABLE simulation_transitions;
DROP TABLE simulations;
DROP TABLE scenario_overrides;
DROP TABLE hubspot_connections;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
