package views

import (
	"strconv"

	"github.com/a-h/templ"
)

// Option is one choice of a select or radio group.
type Option struct {
	Value, Label, Hint string
}

// SimulationForm is the new-simulation form as shown or as submitted. Values are
// the text the user typed (blank when too long to echo back).
type SimulationForm struct {
	Name, Scenario, Distribution      string
	StartTime, EndTime, TimeZone      string // datetime-local text, IANA zone
	TotalRecords, Pace, PaceFactor    string
	Target, Seed, Pipeline, OwnerIDs  string
	HourWeights                       [24]string
	StartNow                          bool
	Faults                            string // the sandbox's fault injection, when it is on
	Errors                            FormErrors
	Scenarios, Distributions, Targets []Option
	Paces                             []Option
	TimeZones                         []string
	Notice                            string // where the values came from: a simulation run again, a profile
	ProfileName                       string // "save as profile"
	Profiles                          []ProfileLink
}

// ProfileLink is one of the user's saved profiles.
type ProfileLink struct {
	ID   int64
	Name string
}

// URL opens the form filled from the profile.
func (p ProfileLink) URL() string { return "/simulations/new?profile=" + strconv.FormatInt(p.ID, 10) }

// DeleteURL deletes the profile.
func (p ProfileLink) DeleteURL() string {
	return "/profiles/" + strconv.FormatInt(p.ID, 10) + "/delete"
}

// PreviewView is the live preview beside the form.
type PreviewView struct {
	Chart          BarChart
	Requested      int
	EffectiveTotal int
	Totals         []TypeCount
	Warnings       []string
	Problems       []Problem // input the preview could not use
}

// TypeCount is a count for one object type (plural name).
type TypeCount struct {
	Type  string
	Count int64
}

// Problem is a field message shown away from its field.
type Problem struct {
	Label, Message string
}

// SimulationView is a simulation's definition as its page shows it.
type SimulationView struct {
	ID                     int64
	Name                   string
	Owner                  string // shown to a boss looking at someone else's simulation
	Scenario, Distribution string
	Window, TimeZone       string
	TotalRecords           int
	EffectiveTotal         int
	Pace, Target           string
	Pipeline, Owners       string
	Seed                   string
	CreatedAt              string
	StartedAt, FinishedAt  string
	Metrics                MetricsView
	Segments               SegmentsView
	Controls               ControlsView
	Panels                 []templ.Component // DLQ and thinning panels, built by their owners
	RedisCLI               string            // "redis-cli -h … -p …" for the boss; "" otherwise
}

// MetricsView is the polled progress panel.
type MetricsView struct {
	SimID          int64
	Status         string
	StatusReason   string
	Source         string // redis or db
	Finished       bool
	Percent        float64
	EffectiveTotal int
	Processed      int64
	Created        int64 // objects of every type
	Records        int64 // contacts created: one per record journey
	Failed         int64
	Thinned        int64
	Rows           []MetricsRow
	Throughput     Throughput
	Progress       LineChart     // planned against actual records over the window
	Types          HBarChart     // created out of scheduled, per type
	Timing         TimingView    // simulated clock, elapsed, ETA
	Faults         Notice        // "Fault injection is on: …" when it explains failures
	Lateness       *LatenessView // paced runs, once something was measured
	Unavailable    string        // why there are no numbers right now
	NoWorker       bool          // the simulation waits for work and no worker was seen for 15 s
	// Bar is the progress bar's parts, in percent of the planned objects.
	Bar ProgressParts
	// Holding says, one line each, what holds the work back while the target is
	// failing (retries, breaker, cooldown, daily limit); empty when nothing does.
	Holding []string
}

// Notice is a warning with a link to where it can be acted on.
type Notice struct {
	Text, URL, Link string
}

// TimingView is a run's sense of time.
type TimingView struct {
	SimClock   string // the simulated moment the run has reached, in the simulation's zone
	WindowPart string // "62% of the window"
	Elapsed    string // run time so far, or the whole run's once finished
	ETA        string // "14:22 (in about 4 min)"; "" when unknown
	Finished   string // when it finished, in the reader's zone
	Note       string // why it is not done although the window is, etc.
}

// LatenessView is how long after their planned moment objects were made.
type LatenessView struct {
	P50, P99 string // "200 ms", "1.5 s"
	Measured int64
	Early    int64 // made more than a second before their moment
}

// ProgressParts are the progress bar's coloured parts: created, failed (DLQ) and
// thinned, each in percent of the planned objects.
type ProgressParts struct{ Created, Failed, Thinned float64 }

// MetricsRow is one object type's counters.
type MetricsRow struct {
	Type                                string
	Scheduled, Created, Failed, Thinned int64
}

// PollURL is the fragment address, carrying the status on screen so the answer
// can refresh the controls when it changed.
func (m MetricsView) PollURL() string {
	return "/fragments/simulations/" + strconv.FormatInt(m.SimID, 10) + "/metrics?shown=" + m.Status
}

// SegmentsView is the polled segment panel.
type SegmentsView struct {
	SimID                   int64
	Finished                bool
	Source                  string
	Planned, Expanded, Done int
	Cells                   []SegmentCell
	Rows                    []SegmentRow // the segments around the current one
	Unavailable             string
}

// SegmentCell is one segment in the overview strip.
type SegmentCell struct {
	State, Title string
}

// SegmentRow is one segment in the table.
type SegmentRow struct {
	Index          int
	Start, End     string
	Records, State string
	Current        bool
}

// PollURL is the segment fragment's address.
func (s SegmentsView) PollURL() string {
	return "/fragments/simulations/" + strconv.FormatInt(s.SimID, 10) + "/segments"
}

// ControlsView is the pause/resume/abort region.
type ControlsView struct {
	SimID                                   int64
	Status                                  string
	CanStart, CanPause, CanResume, CanAbort bool
	CanDelete                               bool   // not running or paused
	Message                                 string // a refused action, e.g. a state conflict
	StartRefused                            string // why Start is disabled now (no Redis), "" when it is not
	CSRF                                    string
}

// PageURL is the simulation's page.
func (c ControlsView) PageURL() string { return "/simulations/" + strconv.FormatInt(c.SimID, 10) }

// ActionURL is where a control posts.
func (c ControlsView) ActionURL(action string) string {
	return "/simulations/" + strconv.FormatInt(c.SimID, 10) + "/" + action
}

// DashboardView is the list of simulations.
type DashboardView struct {
	Rows          []SimulationRow
	All           bool // a boss looking at everyone's
	CanSeeAll     bool
	Query, Status string // the search as typed
	StatusOptions []Option
	Page          int
	PrevURL       string // "" on the first page
	NextURL       string // "" on the last page
	ClearURL      string
	Live          bool   // a listed simulation is still going: the list polls
	PollURL       string // the list's fragment with the same search and page
}

// SimulationRow is one simulation in the list.
type SimulationRow struct {
	ID             int64
	Name           string
	Owner          string
	Scenario       string
	Target         string
	Status         string
	StatusReason   string
	Percent        float64
	Records        int64
	EffectiveTotal int
	Failed         int64
	CreatedAt      string // short, in the reader's zone
	CreatedFull    string
	Source         string
	HasMetrics     bool
}

// URL is the simulation's page.
func (r SimulationRow) URL() string { return "/simulations/" + strconv.FormatInt(r.ID, 10) }
