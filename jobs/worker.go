package jobs

import (
	"sync"

	"github.com/hibiken/asynq"
)

// Worker handles the engine's tasks: ticks, records, activities, and their
// failures.
type Worker struct {
	*core
	readings  readingCache // queue lengths and the breaker's state, briefly reused
	firstFail sync.Map     // task id → time of its first failure
}

// Register adds the engine's task handlers to a worker's mux, each behind guard.
func (e *Worker) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeTick, e.guard(e.handleTick))
	mux.HandleFunc(TypeRecords, e.guard(e.tallied(e.handleRecords)))
	mux.HandleFunc(TypeActivityPrefix, e.guard(e.tallied(e.handleActivities)))
	mux.HandleFunc(TypeCleanup, e.guard(e.handleCleanup))
}
