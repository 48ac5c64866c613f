package views

import "strconv"

// SandboxView is the sandbox browser: counts per type, a filtered list of one type.
type SandboxView struct {
	Boss        bool // may reset the sandbox and browse every simulation's records
	Types       []SandboxTypeTab
	Filter      SandboxFilter
	Simulations []Option // the simulations whose records may be browsed
	Columns     []string // property columns of the list, after the id
	Rows        []SandboxRow
	Total       int
	From, To    int // 1-based positions of the first and last row shown
	PrevURL     string
	NextURL     string
	Empty       string // why the list is empty
	Notice      string
	Errors      FormErrors
}

// SandboxTypeTab is one object type with its number of records.
type SandboxTypeTab struct {
	Name   string // contacts
	Label  string // Contacts
	Count  int
	URL    string
	Active bool
}

// SandboxFilter is the browser's query as typed.
type SandboxFilter struct {
	Type       string
	Simulation string // a simulation id; "" is every record (boss only)
	Property   string
	Value      string
	Query      string
}

// SandboxRow is one record in the list.
type SandboxRow struct {
	ID            int64
	URL           string
	Cells         []string
	Simulation    string
	SimulationURL string // "" when the viewer cannot open the simulation
	Created       string
}

// SandboxRecordView is one record with every property and its associations.
type SandboxRecordView struct {
	Type          string
	TypeLabel     string
	ID            int64
	Title         string
	Archived      bool
	Created       string
	Updated       string
	Simulation    string
	SimulationURL string
	Properties    []SandboxProperty
	Associations  []SandboxAssociation
	BackURL       string
}

// SandboxProperty is one property value.
type SandboxProperty struct {
	Name, Value string // Value as people read it
	Raw         string // as stored, when that differs
	SimCRM      bool   // one of SimCRM's traceability properties
}

// SandboxAssociation is one associated record.
type SandboxAssociation struct {
	Type   string
	ID     int64
	Label  string
	TypeID int
	URL    string
}

// SandboxSettingsView is the boss's sandbox settings: how to reach it, its limits
// and the faults it injects.
type SandboxSettingsView struct {
	BaseURL   string // as this browser reaches it
	EngineURL string // as SimCRM's engine reaches it (SANDBOX_URL)
	Token     string
	Usage     SandboxUsage
	Limits    SandboxLimitsForm
	Faults    SandboxFaultsForm
	Notice    string
}

// SandboxUsage is the token's use of the limits right now.
type SandboxUsage struct {
	WindowUsed, Burst int
	DailyUsed, Daily  int
}

// WindowPercent is the share of the burst window in use.
func (u SandboxUsage) WindowPercent() float64 {
	if u.Burst <= 0 {
		return 0
	}
	return 100 * float64(u.WindowUsed) / float64(u.Burst)
}

// DailyPercent is the share of the daily limit in use.
func (u SandboxUsage) DailyPercent() float64 {
	if u.Daily <= 0 {
		return 0
	}
	return 100 * float64(u.DailyUsed) / float64(u.Daily)
}

// SandboxLimitsForm is the limits form as shown or submitted.
type SandboxLimitsForm struct {
	Burst, Daily, Search string
	Errors               FormErrors
}

// SandboxFaultsForm is the fault-injection form as shown or submitted. Rates are
// percentages.
type SandboxFaultsForm struct {
	ErrorRate, Latency, TimeoutRate, TimeoutAfter string
	Force401, Force403                            bool
	Active                                        []string // the faults in force, in words
	Errors                                        FormErrors
}

// idText writes a record id as HubSpot does, without separators.
func idText(id int64) string { return strconv.FormatInt(id, 10) }
