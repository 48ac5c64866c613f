-- +goose Up
-- A simulation may end "completed_with_failures" (23 characters). SQLite does not
-- enforce VARCHAR lengths, so only MySQL widens its columns; this keeps the
-- dialects' versions in step.
SELECT 1;

-- +goose Down
UPDATE simulations SET status = 'completed' WHERE status = 'completed_with_failures';
UPDATE simulation_transitions SET from_status = 'completed' WHERE from_status = 'completed_with_failures';
UPDATE simulation_transitions SET to_status = 'completed' WHERE to_status = 'completed_with_failures';
