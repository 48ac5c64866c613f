-- +goose Up
-- A simulation may end "completed_with_failures" (23 characters).
ALTER TABLE simulations MODIFY status VARCHAR(32) NOT NULL;
ALTER TABLE simulation_transitions MODIFY from_status VARCHAR(32) NOT NULL;
ALTER TABLE simulation_transitions MODIFY to_status VARCHAR(32) NOT NULL;

-- +goose Down
UPDATE simulations SET status = 'completed' WHERE status = 'completed_with_failures';
UPDATE simulation_transitions SET from_status = 'completed' WHERE from_status = 'completed_with_failures';
UPDATE simulation_transitions SET to_status = 'completed' WHERE to_status = 'completed_with_failures';
ALTER TABLE simulation_transitions MODIFY to_status VARCHAR(16) NOT NULL;
ALTER TABLE simulation_transitions MODIFY from_status VARCHAR(16) NOT NULL;
ALTER TABLE simulations MODIFY status VARCHAR(16) NOT NULL;
