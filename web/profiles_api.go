package web

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

type profileJSON struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Settings  profileSettings `json:"settings"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

func profileJSONOf(p storage.Profile) profileJSON {
	out := profileJSON{ID: p.ID, Name: p.Name, UpdatedAt: p.UpdatedAt}
	_ = json.Unmarshal([]byte(p.Settings), &out.Settings) // stored by saveProfile or saveProfileAPI
	return out
}

// listProfilesAPI lists the caller's saved profiles.
func (h *handler) listProfilesAPI(c *fiber.Ctx) error {
	ps, err := h.store.Profiles(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	out := make([]profileJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, profileJSONOf(p))
	}
	return c.JSON(fiber.Map{"profiles": out})
}

// saveProfileAPI stores {"name", "settings": {the form's fields as text}} (same
// name: replaced): 201 with it, 422 with a message per field.
func (h *handler) saveProfileAPI(c *fiber.Ctx) error {
	var req struct {
		Name     string          `json:"name"`
		Settings profileSettings `json:"settings"`
	}
	if err := readJSON(c, &req, `{"name": "…", "settings": {"scenario": "b2b", "totalRecords": "1000", …}}`); err != nil {
		return err
	}
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	form := formOfProfile(newSimulationForm(time.Now()), storage.Profile{Settings: mustJSON(req.Settings)})
	name := strings.TrimSpace(req.Name)
	if fe := h.checkProfile(c.UserContext(), simulationTextOf(form), name, conns); len(fe) > 0 {
		return failFields(c, "profile", fe)
	}
	p := storage.Profile{UserID: currentUser(c).ID, Name: name, Settings: mustJSON(settingsOf(form))}
	if err := h.store.SaveProfile(c.UserContext(), &p); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(profileJSONOf(p))
}

// mustJSON encodes a value made of strings, which always encodes.
func mustJSON(v profileSettings) string {
	b, _ := json.Marshal(v)
	return string(b)
}
