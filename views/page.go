// Package views holds SimCRM's templ components and the view models they render.
// Components do no I/O: handlers build the models.
package views

import (
	"math"
	"strconv"

	"github.com/simcrm/simcrm/internal/format"
)

// Page is what every full page's layout needs.
type Page struct {
	Title  string
	Nav    string    // the active navigation entry
	User   *UserView // nil when signed out
	CSRF   string
	Health Health
	Clock  format.Clock // the reader's time zone
}

// UserView is the signed-in user as the header shows them.
type UserView struct {
	Email string
	Boss  bool
}

// Health is the state of SimCRM's stores and workers for the health strip.
type Health struct {
	DB       bool
	Dialect  string // mysql or sqlite
	Redis    string // up, down, off
	Embedded bool   // in-process Redis
	// Workers is how many worker processes were seen within the last 15 s;
	// WorkersKnown is false while Redis cannot say.
	Workers      int
	WorkersKnown bool
	// RedisAddr is the in-process Redis's address, shown to the boss so
	// redis-cli can follow along; "" otherwise.
	RedisAddr string
}

// RedisDisabled reports whether pages must show the redis-disabled badge.
func (h Health) RedisDisabled() bool { return h.Redis != "up" }

// NoWorkers reports whether pages must say that no worker was seen for 15 s:
// queued work then waits for nobody.
func (h Health) NoWorkers() bool { return h.WorkersKnown && h.Workers == 0 }

// NoWorkersMessage says so in words.
const NoWorkersMessage = "No worker seen for 15 s: queued work waits until a worker process (SIMCRM_ROLE=worker or all) runs."

// FormErrors maps a field name to the message shown beside it; "" is the form's.
type FormErrors map[string]string

// Has reports whether a field has a message.
func (e FormErrors) Has(field string) bool { return e[field] != "" }

// Any reports whether there is any message.
func (e FormErrors) Any() bool { return len(e) > 0 }

func statusCode(n int) string { return strconv.Itoa(n) }

// width is a CSS width for a progress bar.
func width(p float64) string {
	if math.IsNaN(p) || p < 0 {
		p = 0
	}
	return "width: " + strconv.FormatFloat(math.Min(p, 100), 'f', 1, 64) + "%"
}
