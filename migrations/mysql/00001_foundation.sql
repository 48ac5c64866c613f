-- +goose Up
CREATE TABLE users (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    created_at    DATETIME(3)  NOT NULL,
    UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    id           CHAR(64)    NOT NULL PRIMARY KEY,
    user_id      BIGINT      NOT NULL,
    created_at   DATETIME(3) NOT NULL,
    expires_at   DATETIME(3) NOT NULL,
    KEY sessions_user (user_id),
    KEY sessions_expires (expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_tokens (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id      BIGINT      NOT NULL,
    token_hash   CHAR(64)    NOT NULL,
    name         VARCHAR(100) NOT NULL,
    created_at   DATETIME(3) NOT NULL,
    last_used_at DATETIME(3) NULL,
    UNIQUE KEY api_tokens_hash (token_hash),
    CONSTRAINT api_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE login_failures (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    ip         VARCHAR(64)  NOT NULL,
    at         DATETIME(3)  NOT NULL,
    KEY login_failures_email (email, at),
    KEY login_failures_ip (ip, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE hubspot_connections (
    id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id            BIGINT       NOT NULL,
    name               VARCHAR(100) NOT NULL,
    base_url           VARCHAR(255) NOT NULL,
    tier               VARCHAR(32)  NOT NULL,
    token_ciphertext   VARBINARY(1024) NOT NULL,
    validated_at       DATETIME(3)  NULL,
    validation_ok      BOOLEAN      NOT NULL DEFAULT FALSE,
    validation_message TEXT         NOT NULL,
    created_at         DATETIME(3)  NOT NULL,
    KEY hubspot_connections_user (user_id),
    CONSTRAINT hubspot_connections_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE scenario_overrides (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scenario   VARCHAR(32) NOT NULL,
    version    INT         NOT NULL,
    overrides  TEXT        NOT NULL,
    changed_by BIGINT      NOT NULL,
    created_at DATETIME(3) NOT NULL,
    UNIQUE KEY scenario_overrides_version (scenario, version),
    CONSTRAINT scenario_overrides_user_fk FOREIGN KEY (changed_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE simulations (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id          BIGINT       NOT NULL,
    name             VARCHAR(200) NOT NULL,
    scenario         VARCHAR(32)  NOT NULL,
    scenario_version INT          NOT NULL DEFAULT 0,
    distribution     VARCHAR(32)  NOT NULL,
    hour_weights     TEXT         NOT NULL,
    start_at         DATETIME(3)  NOT NULL,
    end_at           DATETIME(3)  NOT NULL,
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
    created_at       DATETIME(3)  NOT NULL,
    updated_at       DATETIME(3)  NOT NULL,
    started_at       DATETIME(3)  NULL,
    finished_at      DATETIME(3)  NULL,
    KEY simulations_user (user_id, id),
    KEY simulations_status (status),
    CONSTRAINT simulations_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT simulations_connection_fk FOREIGN KEY (connection_id) REFERENCES hubspot_connections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE simulation_transitions (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    simulation_id BIGINT      NOT NULL,
    from_status   VARCHAR(16) NOT NULL,
    to_status     VARCHAR(16) NOT NULL,
    reason        TEXT        NOT NULL,
    at            DATETIME(3) NOT NULL,
    KEY simulation_transitions_sim (simulation_id, id),
    CONSTRAINT simulation_transitions_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE simulation_counters (
    simulation_id BIGINT      NOT NULL,
    name          VARCHAR(64) NOT NULL,
    value         BIGINT      NOT NULL,
    PRIMARY KEY (simulation_id, name),
    CONSTRAINT simulation_counters_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE segments (
    simulation_id BIGINT      NOT NULL,
    segment_index INT         NOT NULL,
    start_at      DATETIME(3) NOT NULL,
    end_at        DATETIME(3) NOT NULL,
    first_index   INT         NOT NULL,
    last_index    INT         NOT NULL,
    state         VARCHAR(16) NOT NULL,
    expanded_at   DATETIME(3) NULL,
    PRIMARY KEY (simulation_id, segment_index),
    KEY segments_state (simulation_id, state, segment_index),
    CONSTRAINT segments_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    simulation_id BIGINT       NOT NULL,
    record_index  INT          NOT NULL,
    object_type   VARCHAR(16)  NOT NULL,
    record_key    VARCHAR(128) NOT NULL,
    external_id   VARCHAR(64)  NOT NULL,
    created_at    DATETIME(3)  NOT NULL,
    UNIQUE KEY ledger_key (simulation_id, record_key),
    KEY ledger_index (simulation_id, record_index),
    KEY ledger_type (simulation_id, object_type),
    CONSTRAINT ledger_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE replay_audit (
    id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id          BIGINT      NOT NULL,
    at               DATETIME(3) NOT NULL,
    filters          TEXT        NOT NULL,
    strategy         VARCHAR(16) NOT NULL,
    limit_n          INT         NOT NULL,
    max_per_category INT         NOT NULL,
    use_full_retry   BOOLEAN     NOT NULL,
    dry_run          BOOLEAN     NOT NULL,
    candidates       INT         NOT NULL,
    selected         INT         NOT NULL,
    replayed         INT         NOT NULL,
    KEY replay_audit_at (at),
    CONSTRAINT replay_audit_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dlq_entries (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    simulation_id    BIGINT       NOT NULL,
    job_type         VARCHAR(32)  NOT NULL,
    object_type      VARCHAR(16)  NOT NULL,
    record_index     INT          NOT NULL,
    record_key       VARCHAR(128) NOT NULL,
    task_id          VARCHAR(128) NOT NULL,
    payload          MEDIUMTEXT   NOT NULL,
    category         VARCHAR(16)  NOT NULL,
    error            TEXT         NOT NULL,
    attempts         INT          NOT NULL,
    first_failed_at  DATETIME(3)  NOT NULL,
    last_failed_at   DATETIME(3)  NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    resolution       TEXT         NOT NULL,
    replay_count     INT          NOT NULL DEFAULT 0,
    replayed_at      DATETIME(3)  NULL,
    replay_audit_id  BIGINT       NULL,
    KEY dlq_sim_cat (simulation_id, category, id),
    KEY dlq_status (status, id),
    KEY dlq_category (category, id),
    KEY dlq_object (object_type, id),
    KEY dlq_failed_at (last_failed_at),
    CONSTRAINT dlq_sim_fk FOREIGN KEY (simulation_id) REFERENCES simulations (id) ON DELETE CASCADE,
    CONSTRAINT dlq_audit_fk FOREIGN KEY (replay_audit_id) REFERENCES replay_audit (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
