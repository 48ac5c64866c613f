package views

import "strconv"

// ConnectionsView is the connections page: the list and the form that adds one.
type ConnectionsView struct {
	Rows      []ConnectionRow
	ShowOwner bool // a boss sees everyone's connections
	Form      ConnectionForm
	Scopes    []string // the scopes a private app needs, for the side note
}

// ConnectionRow is one connection in the list. It never holds the token.
type ConnectionRow struct {
	ID          int64
	Name        string
	BaseURL     string
	Tier        string
	Owner       string
	Status      ConnectionStatus
	ValidatedAt string
}

// URL is the connection's page.
func (r ConnectionRow) URL() string { return "/connections/" + strconv.FormatInt(r.ID, 10) }

// ConnectionStatus is the badge of a connection's last validation.
type ConnectionStatus struct {
	Label string // Ready, Missing scopes, Token refused, Problem, Not validated
	Class string // badge-ok, badge-warn, badge-bad, badge-muted
}

// ConnectionForm is the add-a-connection form as shown or as submitted. The token
// is never echoed back.
type ConnectionForm struct {
	Name     string
	Tier     string
	BaseURL  string
	Tiers    []Option
	Advanced bool // open the advanced section (a base URL or the dates setting was changed or is wrong)
	Errors   FormErrors
	// HistoricalDates is "on" or "off"; HistoricalOptions are its choices.
	HistoricalDates   string
	HistoricalOptions []Option
}

// ConnectionView is one connection's page.
type ConnectionView struct {
	ID            int64
	Name          string
	BaseURL       string
	Tier          string
	TierLimits    string // "100 calls per 10 s, 250,000 a day"
	Owner         string
	CreatedAt     string
	Status        ConnectionStatus
	ValidatedAt   string // "" when never validated
	Message       string
	MissingScopes []string
	// Notice is a banner after an action: a fresh validation, or why a delete was refused.
	Notice     string
	NoticeKind string // ok, warn, error
	InUse      []SimulationLink
	// HistoricalDates is "on" or "off": backfills send planned dates; HistoricalOptions are its choices.
	HistoricalDates   string
	HistoricalOptions []Option
	Errors            FormErrors
}

// SettingsURL is where the settings form posts.
func (v ConnectionView) SettingsURL() string {
	return "/connections/" + strconv.FormatInt(v.ID, 10) + "/settings"
}

// SimulationLink names a simulation and links to it.
type SimulationLink struct {
	ID   int64
	Name string
}

// URL is the simulation's page.
func (s SimulationLink) URL() string { return "/simulations/" + strconv.FormatInt(s.ID, 10) }

// ValidateURL is where the revalidate button posts.
func (v ConnectionView) ValidateURL() string {
	return "/connections/" + strconv.FormatInt(v.ID, 10) + "/validate"
}

// DeleteURL is where the delete button posts.
func (v ConnectionView) DeleteURL() string {
	return "/connections/" + strconv.FormatInt(v.ID, 10) + "/delete"
}
