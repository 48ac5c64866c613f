package sim

import "strings"

// Kind names a CRM object type the simulation creates. Activity kinds (note,
// call, task, meeting, ticket) are the ones capped per record and budgeted per
// simulation; contact, company and deal are the record's own objects.
type Kind string

const (
	KindContact Kind = "contact"
	KindCompany Kind = "company"
	KindDeal    Kind = "deal"
	KindNote    Kind = "note"
	KindCall    Kind = "call"
	KindTask    Kind = "task"
	KindMeeting Kind = "meeting"
	KindTicket  Kind = "ticket"

	// Planned changes of objects that exist, counted (scheduled, created, failed)
	// and ledgered like objects.
	KindContactUpdate Kind = "contact_update"
	KindDealUpdate    Kind = "deal_update"
)

// ActivityKinds lists the capped and budgeted kinds in Counts order.
var ActivityKinds = []Kind{KindNote, KindCall, KindTask, KindMeeting, KindTicket}

// ObjectKinds lists every kind in creation order.
var ObjectKinds = []Kind{KindContact, KindCompany, KindDeal, KindTicket, KindNote, KindCall, KindTask, KindMeeting}

// UpdateKinds lists the kinds of planned updates.
var UpdateKinds = []Kind{KindContactUpdate, KindDealUpdate}

// TrackedKinds is everything the metrics, the plan and the ledger count: the
// object kinds, then the update kinds.
var TrackedKinds = append(append([]Kind(nil), ObjectKinds...), UpdateKinds...)

// Updated is the kind of object an update kind changes (contact, deal); other
// kinds return themselves.
func (k Kind) Updated() Kind {
	switch k {
	case KindContactUpdate:
		return KindContact
	case KindDealUpdate:
		return KindDeal
	}
	return k
}

// IsUpdate reports whether k is an update kind.
func (k Kind) IsUpdate() bool { return k == KindContactUpdate || k == KindDealUpdate }

// Plural is the one place singular kinds become plural names: metric keys,
// override keys and budget lookups all go through it.
func (k Kind) Plural() string {
	if k == KindCompany {
		return "companies"
	}
	return string(k) + "s"
}

// IsActivity reports whether k is capped per record and budgeted per simulation.
func (k Kind) IsActivity() bool { return k.activityIndex() >= 0 }

func (k Kind) activityIndex() int {
	switch k {
	case KindNote:
		return 0
	case KindCall:
		return 1
	case KindTask:
		return 2
	case KindMeeting:
		return 3
	case KindTicket:
		return 4
	}
	return -1
}

// ParseKind accepts a kind in singular or plural form, in any case
// ("note", "notes", "Companies").
func ParseKind(s string) (Kind, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, k := range TrackedKinds {
		if s == string(k) || s == k.Plural() {
			return k, true
		}
	}
	return "", false
}

// Metric events used in metric keys.
const (
	EventScheduled = "scheduled"
	EventCreated   = "created"
)

// MetricKey is "<plural kind>_<event>", e.g. "notes_scheduled".
func MetricKey(k Kind, event string) string { return k.Plural() + "_" + event }

// ParseMetricKey splits a metric key back into its kind and event.
func ParseMetricKey(key string) (Kind, string, bool) {
	i := strings.LastIndexByte(key, '_')
	if i <= 0 {
		return "", "", false
	}
	k, ok := ParseKind(key[:i])
	if !ok || key[:i] != k.Plural() {
		return "", "", false
	}
	return k, key[i+1:], true
}

// Counts holds one number per activity kind (caps, budgets, candidates,
// usage). Index it with Get and Set, never by field name guessing.
type Counts struct {
	Notes, Calls, Tasks, Meetings, Tickets int
}

// Get returns the count for an activity kind (0 for other kinds).
func (c Counts) Get(k Kind) int {
	switch k {
	case KindNote:
		return c.Notes
	case KindCall:
		return c.Calls
	case KindTask:
		return c.Tasks
	case KindMeeting:
		return c.Meetings
	case KindTicket:
		return c.Tickets
	}
	return 0
}

// Set stores n for an activity kind; other kinds are ignored.
func (c *Counts) Set(k Kind, n int) {
	switch k {
	case KindNote:
		c.Notes = n
	case KindCall:
		c.Calls = n
	case KindTask:
		c.Tasks = n
	case KindMeeting:
		c.Meetings = n
	case KindTicket:
		c.Tickets = n
	}
}

// Plus returns the element-wise sum.
func (c Counts) Plus(o Counts) Counts {
	return Counts{c.Notes + o.Notes, c.Calls + o.Calls, c.Tasks + o.Tasks, c.Meetings + o.Meetings, c.Tickets + o.Tickets}
}

// Total is the sum over all activity kinds.
func (c Counts) Total() int { return c.Notes + c.Calls + c.Tasks + c.Meetings + c.Tickets }

// Map returns the counts keyed by plural kind name ("notes": 3, ...).
func (c Counts) Map() map[string]int {
	m := make(map[string]int, len(ActivityKinds))
	for _, k := range ActivityKinds {
		m[k.Plural()] = c.Get(k)
	}
	return m
}
