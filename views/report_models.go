package views

import "strconv"

// ReportView is a simulation's end-of-run summary.
type ReportView struct {
	ID                     int64
	Name, Status, Reason   string
	Finished               bool // a final state: the numbers will not change
	Scenario, Distribution string
	Pace, Target, Seed     string
	Window                 string
	Started, Ended         string
	Duration               string
	Types                  []ReportRow
	Total                  ReportRow
	Curve                  ComparisonChart
	Figures                []Fact // calls, 429s, retries, breaker trips, lateness
	Failures               []FailureRow
	FailuresLinked         bool // the viewer may open the DLQ (a boss)
	Cleanup                CleanupView
}

// ReportRow is one object type's plan and outcome.
type ReportRow struct {
	Type                                    string
	Planned                                 int64
	PlannedKnown                            bool // the exact plan was counted when the run started
	Created, Thinned, Blocked, DLQ, Missing int64
}

// Fact is a labelled figure.
type Fact struct {
	Label, Value, Hint string
}

// FailureRow is one failure category of the simulation's DLQ.
type FailureRow struct {
	Category    string
	Total, Open int64
	URL         string // the DLQ filtered to this simulation and category
}

// URL is the simulation's page.
func (v ReportView) URL() string { return "/simulations/" + strconv.FormatInt(v.ID, 10) }

// ExportURL is the download of every created object in a format (csv or json).
func (v ReportView) ExportURL(format string) string {
	return "/simulations/" + strconv.FormatInt(v.ID, 10) + "/export." + format
}

// CleanupView is the clean-up panel: what would go (the dry run), then progress.
type CleanupView struct {
	SimID    int64
	Status   string // "": never started; running; done
	Message  string
	Rows     []CleanupRow
	Total    CleanupRow
	Found    int  // archived beyond the ledger by the search on simcrm_simulation_id
	CanStart bool // finished and not cleaning up now
	Why      string
	CSRF     string
}

// CleanupRow is one object type's clean-up counts.
type CleanupRow struct {
	Type                              string
	Pending, Shared, Archived, Failed int64
}

// Running reports whether the panel should keep polling.
func (v CleanupView) Running() bool { return v.Status == "running" }

// URL is where the start form posts.
func (v CleanupView) URL() string {
	return "/simulations/" + strconv.FormatInt(v.SimID, 10) + "/cleanup"
}

// FragmentURL is the panel alone, polled while it runs.
func (v CleanupView) FragmentURL() string {
	return "/fragments/simulations/" + strconv.FormatInt(v.SimID, 10) + "/cleanup"
}
