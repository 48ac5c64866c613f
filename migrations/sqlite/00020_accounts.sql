-- +goose Up
-- Accounts a boss manages: a disabled account's sessions and API tokens stop at
-- once (the lookups skip it); invite and password-reset links are single-use and
-- stored as hashes; every account action is audited.
ALTER TABLE users ADD COLUMN disabled_at DATETIME NULL;

CREATE TABLE account_links (
    id          INTEGER      PRIMARY KEY,
    token_hash  CHAR(64)     NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    role        VARCHAR(16)  NOT NULL,
    user_id     BIGINT       NULL,
    created_by  BIGINT       NOT NULL,
    created_at  DATETIME     NOT NULL,
    expires_at  DATETIME     NOT NULL,
    used_at     DATETIME     NULL,
    used_by     BIGINT       NULL,
    UNIQUE (token_hash),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX account_links_created ON account_links (created_at);

CREATE TABLE account_audit (
    id            INTEGER      PRIMARY KEY,
    at            DATETIME     NOT NULL,
    actor_id      BIGINT       NULL,
    actor_email   VARCHAR(254) NOT NULL,
    action        VARCHAR(32)  NOT NULL,
    subject_email VARCHAR(254) NOT NULL,
    detail        TEXT         NOT NULL
);
CREATE INDEX account_audit_at ON account_audit (at);

-- Log-in throttling: one row per account, per client address and per pair,
-- checked and updated in one transaction before a password is compared.
CREATE TABLE login_throttle (
    throttle_key VARCHAR(400) NOT NULL PRIMARY KEY,
    attempts     INT          NOT NULL,
    window_start DATETIME     NOT NULL,
    last_at      DATETIME     NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);

DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    id         INTEGER       PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    ip         VARCHAR(64)  NOT NULL,
    at         DATETIME     NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
DROP TABLE login_throttle;
DROP TABLE account_audit;
DROP TABLE account_links;
ALTER TABLE users DROP COLUMN disabled_at;
