package views

import (
	"strconv"

	"github.com/simcrm/simcrm/internal/format"
)

// ThinningPanelView is the thinning panel on a simulation's page, polled every 2 s:
// the recent keep/skip decisions from Redis and the thinned counts.
type ThinningPanelView struct {
	SimID        int64
	Finished     bool
	Source       string // redis, or redis-disabled (no events then)
	Factor       float64
	HasFactor    bool // a recent decision tells the factor
	Waiting      int
	Events       []ThinningEventRow
	Stored       int64 // events kept in Redis
	Cap          int   // THINNING_EVENTS_MAX
	Thinned      []TypeCount
	ThinnedTotal int64
	CountsSource string // where the counts come from: redis or db
	Unavailable  string
}

// ThinningEventRow is one decision that skipped activities of a record.
type ThinningEventRow struct {
	At            string
	RecordIndex   int
	Before, After int
	Factor        string
	Waiting       int
}

// Skipped is how many activities the decision skipped.
func (r ThinningEventRow) Skipped() int { return r.Before - r.After }

// PollURL is the panel's fragment address.
func (v ThinningPanelView) PollURL() string {
	return "/fragments/simulations/" + strconv.FormatInt(v.SimID, 10) + "/thinning"
}

// FactorText is the factor as a percentage of optional work kept.
func (v ThinningPanelView) FactorText() string {
	return format.Percent(v.Factor * 100)
}
