// Package jobs is SimCRM's simulation engine: New builds it in four parts that
// share one cache of running simulations (Lifecycle, Progress, Worker,
// Reconciler, see core.go), with its asynq task types, payloads and handlers, the
// in-process worker server that runs them, and the DLQ triage (Triage).
package jobs

import "fmt"

// Queues. Primary queues create records and shard by simulation id; the secondary
// queue creates activities.
const (
	SecondaryQueue = "simulation-secondary"
	ControlQueue   = "simulation-control"
	PrimaryShards  = 1
)

// PrimaryQueue is the primary queue of a simulation.
func PrimaryQueue(simID int64) string {
	return fmt.Sprintf("simulation-jobs:%d", simID%PrimaryShards)
}

// queuePriorities weighs the queues a worker serves: control work (expansion,
// reconciliation) first, then records, then activities.
func queuePriorities() map[string]int {
	q := map[string]int{ControlQueue: 8, SecondaryQueue: 3}
	for i := 0; i < PrimaryShards; i++ {
		q[PrimaryQueue(int64(i))] = 6
	}
	return q
}
