package hubspot

import "strings"

// ObjectType is a CRM object type as it appears in v3 paths ("contacts", "deals", …).
type ObjectType string

// Standard CRM object types.
const (
	Contacts  ObjectType = "contacts"
	Companies ObjectType = "companies"
	Deals     ObjectType = "deals"
	Tickets   ObjectType = "tickets"
	Calls     ObjectType = "calls"
	Emails    ObjectType = "emails"
	Meetings  ObjectType = "meetings"
	Notes     ObjectType = "notes"
	Tasks     ObjectType = "tasks"
)

// ObjectTypeIDs maps each standard object type to HubSpot's object type id. Paths
// accept either form (/crm/v3/objects/deals and /crm/v3/objects/0-3). Do not modify.
var ObjectTypeIDs = map[ObjectType]string{
	Contacts:  "0-1",
	Companies: "0-2",
	Deals:     "0-3",
	Tickets:   "0-5",
	Tasks:     "0-27",
	Notes:     "0-46",
	Meetings:  "0-47",
	Calls:     "0-48",
	Emails:    "0-49",
}

// objectTypeSingular holds the singular names HubSpot also accepts and uses in
// association labels such as "contact_to_company".
var objectTypeSingular = map[ObjectType]string{
	Contacts:  "contact",
	Companies: "company",
	Deals:     "deal",
	Tickets:   "ticket",
	Calls:     "call",
	Emails:    "email",
	Meetings:  "meeting",
	Notes:     "note",
	Tasks:     "task",
}

// objectTypeAliases resolves plural names, singular names and type ids.
var objectTypeAliases = func() map[string]ObjectType {
	m := make(map[string]ObjectType, 3*len(ObjectTypeIDs))
	for t, id := range ObjectTypeIDs {
		m[string(t)] = t
		m[id] = t
		m[objectTypeSingular[t]] = t
	}
	return m
}()

// ParseObjectType resolves a plural name ("deals"), a singular name ("deal") or an
// object type id ("0-3"), case-insensitively, to a standard object type.
func ParseObjectType(s string) (ObjectType, bool) {
	if t, ok := objectTypeAliases[s]; ok {
		return t, true
	}
	t, ok := objectTypeAliases[strings.ToLower(s)]
	return t, ok
}

// ID returns the object type id ("0-3" for deals), or "" for an unknown type.
func (t ObjectType) ID() string { return ObjectTypeIDs[t] }

// Singular returns the singular name ("deal" for deals), or "" for an unknown type.
func (t ObjectType) Singular() string { return objectTypeSingular[t] }
