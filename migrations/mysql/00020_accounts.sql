-- +goose Up
-- Accounts a boss manages: a disabled account's sessions and API tokens stop at
-- once (the lookups skip it); invite and password-reset links are single-use and
-- stored as hashes; every account action is audited.
ALTER TABLE users ADD COLUMN disabled_at DATETIME(3) NULL;

CREATE TABLE account_links (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash  CHAR(64)     NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    role        VARCHAR(16)  NOT NULL,
    user_id     BIGINT       NULL,
    created_by  BIGINT       NOT NULL,
    created_at  DATETIME(3)  NOT NULL,
    expires_at  DATETIME(3)  NOT NULL,
    used_at     DATETIME(3)  NULL,
    used_by     BIGINT       NULL,
    UNIQUE KEY account_links_hash (token_hash),
    KEY account_links_created (created_at),
    CONSTRAINT account_links_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT account_links_creator_fk FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE account_audit (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at            DATETIME(3)  NOT NULL,
    actor_id      BIGINT       NULL,
    actor_email   VARCHAR(254) NOT NULL,
    action        VARCHAR(32)  NOT NULL,
    subject_email VARCHAR(254) NOT NULL,
    detail        TEXT         NOT NULL,
    KEY account_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Log-in throttling: one row per account, per client address and per pair,
-- checked and updated in one transaction before a password is compared.
CREATE TABLE login_throttle (
    throttle_key VARCHAR(400) NOT NULL PRIMARY KEY,
    attempts     INT          NOT NULL,
    window_start DATETIME(3)  NOT NULL,
    last_at      DATETIME(3)  NOT NULL,
    KEY login_throttle_last (last_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    ip         VARCHAR(64)  NOT NULL,
    at         DATETIME(3)  NOT NULL,
    KEY login_failures_email (email, at),
    KEY login_failures_ip (ip, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
DROP TABLE login_throttle;
DROP TABLE account_audit;
DROP TABLE account_links;
ALTER TABLE users DROP COLUMN disabled_at;
