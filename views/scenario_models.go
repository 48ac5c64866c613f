package views

// ScenariosView is the boss's list of scenarios and the version each runs with.
type ScenariosView struct {
	Rows []ScenarioRow
}

// ScenarioRow is one scenario in the list.
type ScenarioRow struct {
	Name, Label, Description string
	Version                  int // 0: built-in values
	Changed                  int // parameters that differ from the built-in scenario
	ChangedAt, ChangedBy     string
}

// URL is the scenario's editor page.
func (r ScenarioRow) URL() string { return "/boss/scenarios/" + r.Name }

// ScenarioView is one scenario's editor: its parameters, the form that changes
// them, and its version history.
type ScenarioView struct {
	Name, Label, Description string
	Version                  int
	Params                   []ScenarioParam
	Errors                   FormErrors
	Notice                   string
	History                  []ScenarioVersionView
}

// URL is where the editor's form posts.
func (v ScenarioView) URL() string { return "/boss/scenarios/" + v.Name }

// RollbackURL is where a roll back posts.
func (v ScenarioView) RollbackURL() string { return "/boss/scenarios/" + v.Name + "/rollback" }

// ScenarioParam is one parameter row of the editor.
type ScenarioParam struct {
	Key, Help string
	Range     string // "0 – 1", for the hint
	BuiltIn   string
	Value     string // what the input shows: the current value, or what was typed
	Step      string // "1" for whole numbers, "any" otherwise
	Changed   bool   // differs from the built-in value
}

// ScenarioVersionView is one version in the history with what it changed.
type ScenarioVersionView struct {
	Version   int
	By, At    string
	Current   bool
	Changes   []ParamChange // against the version before it
	Overrides int           // parameters differing from the built-in scenario
}

// ParamChange is one parameter's old and new value between two versions.
type ParamChange struct {
	Key, From, To string
}
