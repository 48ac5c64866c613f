-- +goose Up
-- Notifications: a user's channels (a webhook URL with its sealed signing secret,
-- or an e-mail address), the events they want, and every delivery with its last
-- answer. notification_cursor remembers how far the notifier read transitions.
CREATE TABLE notification_channels (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id        BIGINT        NOT NULL,
    kind           VARCHAR(16)   NOT NULL,
    target         VARCHAR(500)  NOT NULL,
    secret_sealed  VARBINARY(256) NULL,
    events         VARCHAR(255)  NOT NULL,
    dlq_threshold  INT           NOT NULL,
    created_at     DATETIME(3)   NOT NULL,
    KEY notification_channels_user (user_id),
    CONSTRAINT notification_channels_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE notification_deliveries (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    channel_id     BIGINT       NOT NULL,
    event_key      VARCHAR(100) NOT NULL,
    event          VARCHAR(32)  NOT NULL,
    simulation_id  BIGINT       NULL,
    payload        TEXT         NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    attempts       INT          NOT NULL DEFAULT 0,
    last_status    INT          NOT NULL DEFAULT 0,
    last_response  TEXT         NOT NULL,
    created_at     DATETIME(3)  NOT NULL,
    updated_at     DATETIME(3)  NOT NULL,
    UNIQUE KEY notification_deliveries_event (channel_id, event_key),
    KEY notification_deliveries_channel (channel_id, id),
    CONSTRAINT notification_deliveries_channel_fk FOREIGN KEY (channel_id) REFERENCES notification_channels (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE notification_cursor (
    name  VARCHAR(32) NOT NULL PRIMARY KEY,
    value BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notification_cursor;
DROP TABLE notification_deliveries;
DROP TABLE notification_channels;
