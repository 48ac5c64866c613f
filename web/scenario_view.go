package web

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// scenarioFor is the built-in scenario the address's :name names; anything else is a 404.
func scenarioFor(c *fiber.Ctx) (sim.Scenario, error) {
	sc, err := sim.ScenarioByName(c.Params("name"))
	if err != nil {
		return sim.Scenario{}, fiber.ErrNotFound
	}
	return sc, nil
}

// scenarioState is a scenario's version history (newest first) and the overrides
// of its current version.
type scenarioState struct {
	versions []storage.ScenarioVersion
	current  sim.Overrides
}

func (h *handler) scenarioState(ctx context.Context, name string) (scenarioState, error) {
	vs, err := h.store.ScenarioVersions(ctx, name)
	if err != nil {
		return scenarioState{}, err
	}
	st := scenarioState{versions: vs, current: sim.Overrides{}}
	if len(vs) > 0 {
		st.current = parsedOverrides(vs[0].Overrides)
	}
	return st, nil
}

func (st scenarioState) version() int {
	if len(st.versions) == 0 {
		return 0
	}
	return st.versions[0].Version
}

// parsedOverrides reads a stored version's overrides; the workers check them the
// same way, so a row that does not parse counts as no change.
func parsedOverrides(js string) sim.Overrides {
	o, err := sim.ParseOverrides([]byte(js))
	if err != nil {
		return sim.Overrides{}
	}
	return o
}

// saveScenario stores overrides as the scenario's next version unless they are the
// current ones. Bad values come back as a message per parameter key; saved reports
// whether a version was added.
func (h *handler) saveScenario(ctx context.Context, sc sim.Scenario, o sim.Overrides, by *storage.User) (v storage.ScenarioVersion, problems map[string]string, saved bool, err error) {
	if problems := sim.OverrideProblems(sc, o); len(problems) > 0 {
		return v, problems, false, nil
	}
	st, err := h.scenarioState(ctx, sc.Name)
	if err != nil {
		return v, nil, false, err
	}
	if maps.Equal(onlyChanges(sc, st.current), onlyChanges(sc, o)) {
		if len(st.versions) == 0 {
			return storage.ScenarioVersion{Scenario: sc.Name, Overrides: "{}"}, nil, false, nil
		}
		return st.versions[0], nil, false, nil
	}
	v, err = h.store.AddScenarioVersion(ctx, sc.Name, string(onlyChanges(sc, o).JSON()), by.ID)
	if err != nil {
		return v, nil, false, err
	}
	h.log.Info("scenario changed", "scenario", sc.Name, "version", v.Version, "user", by.ID)
	return v, nil, true, nil
}

// onlyChanges drops overrides equal to the built-in value, so a version holds just
// what a boss changed.
func onlyChanges(sc sim.Scenario, o sim.Overrides) sim.Overrides {
	builtIn := sim.ParameterValues(sc)
	out := sim.Overrides{}
	for k, v := range o {
		k = sim.CanonicalKey(k)
		if b, ok := builtIn[k]; !ok || b != v {
			out[k] = v
		}
	}
	return out
}

// scenarioForm reads the editor's form: a value per parameter, blank for the
// built-in one. Text that is no number is a message beside its field.
func scenarioForm(c *fiber.Ctx) (o sim.Overrides, typed map[string]string, fe views.FormErrors) {
	o, typed, fe = sim.Overrides{}, map[string]string{}, views.FormErrors{}
	for _, p := range sim.Parameters() {
		s := strings.TrimSpace(c.FormValue(p.Key))
		if s == "" {
			continue
		}
		typed[p.Key] = clip(s, maxNumberLen)
		f, msg := parseDecimal(s, "", "Enter a number.")
		if msg != "" {
			fe[p.Key] = msg
			continue
		}
		o[p.Key] = f
	}
	return o, typed, fe
}

// scenarioView builds the editor; typed (may be nil) is what the form sent back.
func scenarioView(sc sim.Scenario, st scenarioState, typed map[string]string, fe views.FormErrors) views.ScenarioView {
	builtIn := sim.ParameterValues(sc)
	v := views.ScenarioView{Name: sc.Name, Label: sc.Label, Description: sc.Description, Version: st.version(), Errors: fe}
	for _, p := range sim.Parameters() {
		cur, changed := st.current[p.Key]
		if !changed {
			cur = builtIn[p.Key]
		}
		prm := views.ScenarioParam{Key: p.Key, Help: p.Help, Range: num(p.Min) + " – " + num(p.Max),
			BuiltIn: num(builtIn[p.Key]), Value: num(cur), Step: "any", Changed: changed}
		if p.Integer {
			prm.Step = "1"
		}
		if typed != nil {
			prm.Value = typed[p.Key]
		}
		v.Params = append(v.Params, prm)
	}
	for i, ver := range st.versions {
		o := parsedOverrides(ver.Overrides)
		prev := sim.Overrides{}
		if i+1 < len(st.versions) {
			prev = parsedOverrides(st.versions[i+1].Overrides)
		}
		v.History = append(v.History, views.ScenarioVersionView{Version: ver.Version, By: ver.ChangedByEmail,
			At: format.Clock{Loc: time.UTC}.DateTime(ver.CreatedAt), Current: i == 0, Changes: overrideDiff(builtIn, prev, o), Overrides: len(o)})
	}
	return v
}

// overrideDiff lists the parameters whose effective value differs between two
// versions, in key order.
func overrideDiff(builtIn, from, to sim.Overrides) []views.ParamChange {
	keys := map[string]bool{}
	for k := range from {
		keys[k] = true
	}
	for k := range to {
		keys[k] = true
	}
	var out []views.ParamChange
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a, ok := from[k]
		if !ok {
			a = builtIn[k]
		}
		b, ok := to[k]
		if !ok {
			b = builtIn[k]
		}
		if a != b {
			out = append(out, views.ParamChange{Key: k, From: num(a), To: num(b)})
		}
	}
	return out
}

// num writes a parameter value without exponent or trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// scenarioProblems turns parameter messages into form errors.
func scenarioProblems(problems map[string]string) views.FormErrors {
	fe := views.FormErrors{}
	for k, msg := range problems {
		fe[k] = msg
	}
	return fe
}
