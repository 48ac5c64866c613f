package jobs

import "github.com/hibiken/asynq"

// Worker handles the engine's tasks: ticks, records, activities, and their
// failures.
type Worker struct{ *core }

// Register adds the engine's task handlers to a worker's mux.
func (e *Worker) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeTick, e.handleTick)
	mux.HandleFunc(TypeRecords, e.handleRecords)
	mux.HandleFunc(TypeActivityPrefix, e.handleActivities)
}
