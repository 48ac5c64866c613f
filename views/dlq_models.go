package views

import (
	"github.com/simcrm/simcrm/internal/format"
	"net/url"
	"strconv"
	"strings"
)

// DLQFilterForm is the triage filter as typed, with a message per field it could
// not use. The list, the summary and every bulk action take the same filter.
type DLQFilterForm struct {
	Simulation string   // simulation id as typed
	Categories []string // checked categories
	ObjectType string
	ErrorText  string
	From, To   string // YYYY-MM-DD, both inclusive
	Status     string // open (default), replayed, resolved, discarded, any
	Errors     FormErrors

	SimulationOptions []Option
	CategoryOptions   []Option
	ObjectOptions     []Option
	StatusOptions     []Option
}

// Values is the filter as form values, empty ones left out (paging links, the
// hidden fields of bulk forms).
func (f DLQFilterForm) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("sim", f.Simulation)
	for _, c := range f.Categories {
		v.Add("category", c)
	}
	set("object", f.ObjectType)
	set("q", f.ErrorText)
	set("from", f.From)
	set("to", f.To)
	set("status", f.Status)
	return v
}

// With is the triage address of this filter with extra query values.
func (f DLQFilterForm) With(extra ...string) string {
	v := f.Values()
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return "/boss/dlq"
	}
	return "/boss/dlq?" + v.Encode()
}

// Checked reports whether a category box is ticked.
func (f DLQFilterForm) Checked(cat string) bool {
	for _, c := range f.Categories {
		if c == cat {
			return true
		}
	}
	return false
}

// Hidden is one hidden input a bulk form carries.
type Hidden struct{ Name, Value string }

// HiddenFields are the filter's values as hidden inputs, in a stable order.
func (f DLQFilterForm) HiddenFields() []Hidden {
	var out []Hidden
	add := func(k, s string) {
		if s != "" {
			out = append(out, Hidden{k, s})
		}
	}
	add("sim", f.Simulation)
	for _, c := range f.Categories {
		out = append(out, Hidden{"category", c})
	}
	add("object", f.ObjectType)
	add("q", f.ErrorText)
	add("from", f.From)
	add("to", f.To)
	return out
}

// Chips describe the filter in words ("category: auth") for "acting on".
func (f DLQFilterForm) Chips() []string {
	var out []string
	if f.Simulation != "" {
		out = append(out, "simulation #"+f.Simulation)
	}
	for _, c := range f.Categories {
		out = append(out, "category: "+c)
	}
	if f.ObjectType != "" {
		out = append(out, "object: "+f.ObjectType)
	}
	if f.ErrorText != "" {
		out = append(out, "error contains “"+f.ErrorText+"”")
	}
	if f.From != "" {
		out = append(out, "from "+f.From)
	}
	if f.To != "" {
		out = append(out, "to "+f.To)
	}
	return out
}

// DLQTriageView is the boss's triage page.
type DLQTriageView struct {
	Filter    DLQFilterForm
	OpenTotal int64 // open rows in every simulation
	PileUpAt  int64 // the page warns from this many open rows
	Summary   DLQSummaryView
	List      DLQListView
	Replay    DLQReplayPanelView
	Close     DLQCloseForm
	Groups    DLQGroupsView
	Notice    string
}

// PileUp reports whether open rows piled up past the warning line.
func (v DLQTriageView) PileUp() bool { return v.PileUpAt > 0 && v.OpenTotal >= v.PileUpAt }

// DLQSummaryView is the simulation × category matrix of the rows the filter
// matches.
type DLQSummaryView struct {
	Categories []string
	Rows       []DLQSummaryRow
	Totals     []DLQSummaryCell // per category, aligned with Categories
	Total      DLQSummaryCell
}

// DLQSummaryRow is one simulation's cells, aligned with the categories.
type DLQSummaryRow struct {
	SimID   int64
	SimName string
	Cells   []DLQSummaryCell
	Total   DLQSummaryCell
}

// DLQSummaryCell is a count with its trend: failures in the last 24 hours against
// the 24 hours before.
type DLQSummaryCell struct {
	Count, Last24h, Prev24h int64
	URL                     string // the list filtered to this cell
	LastFailed              string
}

// Trend is "up", "down", "flat" or "" (nothing in two days).
func (c DLQSummaryCell) Trend() string {
	switch {
	case c.Last24h > c.Prev24h:
		return "up"
	case c.Last24h < c.Prev24h:
		return "down"
	case c.Last24h > 0:
		return "flat"
	}
	return ""
}

// TrendTitle explains the trend arrow.
func (c DLQSummaryCell) TrendTitle() string {
	return format.Count(c.Last24h) + " in the last 24 h, " + format.Count(c.Prev24h) + " in the 24 h before"
}

// DLQListView is one page of rows, newest first.
type DLQListView struct {
	Rows     []DLQRowView
	Matching int64
	Open     int64  // open rows among those matching: what the bulk actions take
	NextURL  string // "" on the last page
	FirstURL string // "" on the first page
}

// DLQRowView is one DLQ row in the list.
type DLQRowView struct {
	ID          int64
	SimID       int64
	SimName     string
	Category    string
	ObjectType  string
	JobType     string
	RecordIndex int
	RecordKey   string
	Error       string // in full
	ErrorHead   string // its first line, after the status code
	Code        string // the HTTP status the target answered, if any
	Attempts    int
	LastFailed  string // short, in the reader's time zone
	// LastFailedFull is the same moment to the second.
	LastFailedFull string
	Status         string
	ReplayCount    int
}

// DLQGroupsView is the matching rows gathered by normalised error.
type DLQGroupsView struct {
	Groups []DLQGroup
	Scope  string // which rows were grouped, e.g. "the latest 500 of 1,204 matching rows"
}

// DLQGroup is one kind of error with how many rows have it.
type DLQGroup struct {
	Pattern   string // the error with numbers and ids as #
	Example   string // one row's full error
	Category  string
	Count     int
	FilterURL string // the list narrowed to errors containing the pattern's fixed start
}

// URL is the row's detail page.
func (r DLQRowView) URL() string { return "/boss/dlq/" + strconv.FormatInt(r.ID, 10) }

// Scope says which rows a bulk action takes before anything is ticked.
func (v DLQReplayPanelView) Scope() string {
	return "all " + format.Count(v.Open) + " open rows matching the filter"
}

// ConfirmText is the question the Replay button asks.
func (v DLQReplayPanelView) ConfirmText() string {
	if v.JobID != 0 {
		return "Replay this row now? Its job is enqueued again."
	}
	return "Replay " + v.Scope() + " now? Their jobs are enqueued again."
}

// ConfirmText is the question a Resolve or Discard button asks.
func (v DLQCloseForm) ConfirmText(action string) string {
	what := "all " + format.Count(v.Matching) + " open rows matching the filter"
	if v.JobID != 0 {
		what = "this row"
	}
	if action == "resolve" {
		return "Mark " + what + " resolved? They will not be replayed."
	}
	return "Discard " + what + "? They will not be replayed."
}

// DLQReplayPanelView is the replay form with the result of its last call: one
// swapped region, so messages stay beside their fields.
type DLQReplayPanelView struct {
	Filter         DLQFilterForm
	JobID          int64 // the detail page replays one row
	Strategy       string
	Limit          string
	MaxPerCategory string
	UseFullRetry   bool
	Cap            int
	Errors         FormErrors
	Result         *DLQReplayResultView
	CSRF           string
	QueueDown      bool  // real replays need the queue; dry runs do not
	Open           int64 // open rows the filter matches
}

// DLQReplayResultView is what a replay did or what its dry run would do.
type DLQReplayResultView struct {
	DryRun     bool
	AuditID    int64
	Limited    bool   // refused by the per-user limit
	RetryIn    string // "12 s"
	RetryAt    string // "14:03:22 UTC"
	Error      string
	Candidates int64
	Selected   int
	Replayed   int
	Taken      int   // rows another call replayed meanwhile
	Aborted    int64 // matching rows of aborted simulations, left out
	ByCategory []DLQCategoryLine
	Samples    []DLQSampleView
	InTarget   int
	Failed     []string
	Settings   string // "oldest first, limit 50, at most 10 per category, one attempt"
}

// DLQCategoryLine is one category of a replay: candidates and selected rows.
type DLQCategoryLine struct {
	Category           string
	Candidates, Chosen int64
}

// DLQSampleView is one failed payload as a panel or a dry run shows it.
type DLQSampleView struct {
	ID          int64 // 0 when it came from Redis without a row id
	Category    string
	ObjectType  string
	JobType     string
	RecordIndex int
	RecordKey   string
	Error       string
	Attempts    int
	At          string
	Payload     string // pretty JSON, cut when long
	InTarget    bool   // the ledger already holds the object
}

// URL is the sample's row page, "" without a row id.
func (s DLQSampleView) URL() string {
	if s.ID == 0 {
		return ""
	}
	return "/boss/dlq/" + strconv.FormatInt(s.ID, 10)
}

// DLQCloseForm resolves or discards rows with a reason.
type DLQCloseForm struct {
	Filter   DLQFilterForm
	JobID    int64 // the detail page closes one row
	Action   string
	Reason   string
	Matching int64
	Errors   FormErrors
	CSRF     string
}

// DLQEntryView is one DLQ row's page.
type DLQEntryView struct {
	ID                      int64
	SimID                   int64
	SimName                 string
	JobType, ObjectType     string
	RecordIndex             int
	RecordKey, TaskID       string
	Category, Status        string
	Resolution              string
	Attempts, ReplayCount   int
	FirstFailed, LastFailed string
	ReplayedAt, ResolvedAt  string
	Error                   string
	Payload                 string // pretty JSON
	InTarget                bool
	Replays                 []DLQReplayLine
	Back                    string
	Replay                  DLQReplayPanelView
	Close                   DLQCloseForm
}

// SimURL is the row's simulation page.
func (v DLQEntryView) SimURL() string { return "/simulations/" + strconv.FormatInt(v.SimID, 10) }

// DLQReplayLine is one replay of a row.
type DLQReplayLine struct {
	At, TaskID, Queue string
	MaxRetry          int
	AuditID           int64
	Error             string
}

// DLQAuditView is the audit log.
type DLQAuditView struct {
	Rows     []DLQAuditRow
	NextURL  string
	FirstURL string
}

// DLQAuditRow is one audited action.
type DLQAuditRow struct {
	ID                             int64
	At, AtFull, Who                string // At short, AtFull to the second
	Action                         string // replay, dry run, resolve, discard
	Filters                        []string
	Settings                       string
	Candidates, Selected, Replayed int
	Outcome                        string
	Note                           string // reason or message
}

// DLQPanelView is the DLQ panel on a simulation's page, polled every 2 s.
type DLQPanelView struct {
	SimID       int64
	Finished    bool
	Source      string // redis or db
	Categories  []DLQPanelCategory
	FailedTotal int64
	OpenTotal   int64
	Samples     []DLQSampleView
	SampleCap   int
	Unavailable string
}

// DLQPanelCategory is one category's failures (the tally) and open rows.
type DLQPanelCategory struct {
	Category     string
	Failed, Open int64
}

// PollURL is the panel's fragment address.
func (v DLQPanelView) PollURL() string {
	return "/fragments/simulations/" + strconv.FormatInt(v.SimID, 10) + "/dlq"
}

// TriageURL is the triage page filtered to this simulation.
func (v DLQPanelView) TriageURL() string { return "/boss/dlq?sim=" + strconv.FormatInt(v.SimID, 10) }

// cssName turns a label ("dry run") into a class suffix ("dry-run").
func cssName(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }
