package web

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

const maxProfileNameLen = 100

// profileSettings is what a profile keeps: the new-simulation form's values.
type profileSettings struct {
	Name         string     `json:"name,omitempty"`
	Scenario     string     `json:"scenario"`
	Distribution string     `json:"distribution"`
	StartTime    string     `json:"startTime"`
	EndTime      string     `json:"endTime"`
	TimeZone     string     `json:"timeZone"`
	TotalRecords string     `json:"totalRecords"`
	Pace         string     `json:"pace"`
	PaceFactor   string     `json:"paceFactor,omitempty"`
	Target       string     `json:"target"`
	Seed         string     `json:"seed,omitempty"`
	Pipeline     string     `json:"pipeline,omitempty"`
	OwnerIDs     string     `json:"ownerIds,omitempty"`
	HourWeights  [24]string `json:"hourWeights"`
}

func settingsOf(f views.SimulationForm) profileSettings {
	return profileSettings{Name: f.Name, Scenario: f.Scenario, Distribution: f.Distribution, StartTime: f.StartTime, EndTime: f.EndTime,
		TimeZone: f.TimeZone, TotalRecords: f.TotalRecords, Pace: f.Pace, PaceFactor: f.PaceFactor, Target: f.Target, Seed: f.Seed,
		Pipeline: f.Pipeline, OwnerIDs: f.OwnerIDs, HourWeights: f.HourWeights}
}

// formOfProfile fills a form with a profile's settings; a profile that does not
// parse leaves the defaults.
func formOfProfile(f views.SimulationForm, p storage.Profile) views.SimulationForm {
	var ps profileSettings
	if json.Unmarshal([]byte(p.Settings), &ps) != nil {
		return f
	}
	f.Name, f.Scenario, f.Distribution, f.StartTime, f.EndTime = ps.Name, ps.Scenario, ps.Distribution, ps.StartTime, ps.EndTime
	f.TimeZone, f.TotalRecords, f.Pace, f.PaceFactor, f.Target = ps.TimeZone, ps.TotalRecords, ps.Pace, ps.PaceFactor, ps.Target
	f.Seed, f.Pipeline, f.OwnerIDs, f.HourWeights = ps.Seed, ps.Pipeline, ps.OwnerIDs, ps.HourWeights
	return f
}

// saveProfile stores the new-simulation form's values under a name (the form's
// "Save profile" button); bad values re-render the form with their messages.
func (h *handler) saveProfile(c *fiber.Ctx) error {
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	text := readSimulationForm(c)
	startNow := c.FormValue("startNow") != ""
	name := strings.TrimSpace(c.FormValue("profileName"))
	form := echoForm(text, startNow)
	form.ProfileName = clip(name, maxProfileNameLen)
	fe := h.checkProfile(c.UserContext(), text, name, conns)
	if len(fe) > 0 {
		form.Errors = formErrors(fe)
		if msg, ok := fe["profileName"]; ok {
			form.Errors["profileName"] = msg
		}
		return h.renderNewSimulation(c, fiber.StatusUnprocessableEntity, form)
	}
	settings, err := json.Marshal(settingsOf(form))
	if err != nil {
		return err
	}
	p := storage.Profile{UserID: currentUser(c).ID, Name: strings.Clone(name), Settings: string(settings)}
	if err := h.store.SaveProfile(c.UserContext(), &p); err != nil {
		return err
	}
	return c.Redirect("/simulations/new?profile="+strconv.FormatInt(p.ID, 10)+"&saved=1", fiber.StatusSeeOther)
}

// checkProfile finds fault with a profile's name and settings the way creating a
// simulation would (the simulation's name may be left blank).
func (h *handler) checkProfile(ctx context.Context, text simulationText, name string, conns []storage.Connection) siminput.FieldErrors {
	in, fe := text.parse(conns)
	delete(fe, "name")
	if len(fe) == 0 {
		if in.Name == "" {
			in.Name = "profile"
		}
		_, efe := h.lifecycle.Preview(ctx, in)
		mergeFieldErrors(fe, efe)
	}
	switch {
	case name == "":
		fe["profileName"] = "Give the profile a name."
	case len(name) > maxProfileNameLen:
		fe["profileName"] = "Use at most 100 characters."
	}
	return fe
}

// deleteProfile removes one of the user's profiles.
func (h *handler) deleteProfile(c *fiber.Ctx) error {
	p, err := h.profileFor(c, c.Params("id"))
	if err != nil {
		return err
	}
	if err := h.store.DeleteProfile(c.UserContext(), p.ID); err != nil {
		return err
	}
	if isAPI(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/simulations/new", fiber.StatusSeeOther)
}

// profileFor loads one of the signed-in user's profiles by id text; anything else
// (someone else's, none, not a number) is a 404.
func (h *handler) profileFor(c *fiber.Ctx, idText string) (storage.Profile, error) {
	id, ok := whole(idText, 1, 1<<62)
	if !ok {
		return storage.Profile{}, fiber.ErrNotFound
	}
	p, err := h.store.Profile(c.UserContext(), id)
	if err == storage.ErrNotFound || (err == nil && p.UserID != currentUser(c).ID) {
		return storage.Profile{}, fiber.ErrNotFound
	}
	return p, err
}
