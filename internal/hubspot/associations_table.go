package hubspot

// Association categories.
const (
	HubSpotDefined    = "HUBSPOT_DEFINED"
	UserDefined       = "USER_DEFINED"
	IntegratorDefined = "INTEGRATOR_DEFINED"
)

// AssociationDefinition is one default HUBSPOT_DEFINED association type between two
// standard object types. Primary, when not zero, is the id of the "primary" label
// for the same pair (for example contact → company: 279, primary 1).
type AssociationDefinition struct {
	From    ObjectType
	To      ObjectType
	TypeID  int
	Primary int
}

// DefaultAssociationTypes is HubSpot's table of default association type ids (the
// official clients' AssociationTypes enum). The sandbox checks ids against it. Do
// not modify.
var DefaultAssociationTypes = []AssociationDefinition{
	{From: Contacts, To: Companies, TypeID: 279, Primary: 1},
	{From: Companies, To: Contacts, TypeID: 280, Primary: 2},
	{From: Deals, To: Contacts, TypeID: 3},
	{From: Contacts, To: Deals, TypeID: 4},
	{From: Deals, To: Companies, TypeID: 341, Primary: 5},
	{From: Companies, To: Deals, TypeID: 342, Primary: 6},
	{From: Tickets, To: Contacts, TypeID: 16},
	{From: Contacts, To: Tickets, TypeID: 15},
	{From: Tickets, To: Companies, TypeID: 339, Primary: 26},
	{From: Tickets, To: Deals, TypeID: 28},
	{From: Deals, To: Tickets, TypeID: 27},

	{From: Notes, To: Contacts, TypeID: 202},
	{From: Notes, To: Companies, TypeID: 190},
	{From: Notes, To: Deals, TypeID: 214},
	{From: Notes, To: Tickets, TypeID: 228},

	{From: Calls, To: Contacts, TypeID: 194},
	{From: Calls, To: Companies, TypeID: 182},
	{From: Calls, To: Deals, TypeID: 206},
	{From: Calls, To: Tickets, TypeID: 220},

	{From: Tasks, To: Contacts, TypeID: 204},
	{From: Tasks, To: Companies, TypeID: 192},
	{From: Tasks, To: Deals, TypeID: 216},
	{From: Tasks, To: Tickets, TypeID: 230},

	{From: Meetings, To: Contacts, TypeID: 200},
	{From: Meetings, To: Companies, TypeID: 188},
	{From: Meetings, To: Deals, TypeID: 212},
	{From: Meetings, To: Tickets, TypeID: 226},

	{From: Emails, To: Contacts, TypeID: 198},
	{From: Emails, To: Companies, TypeID: 186},
	{From: Emails, To: Deals, TypeID: 210},
	{From: Emails, To: Tickets, TypeID: 224},
}

type objectPair struct{ from, to ObjectType }

var associationIndex = func() map[objectPair]AssociationDefinition {
	m := make(map[objectPair]AssociationDefinition, len(DefaultAssociationTypes))
	for _, d := range DefaultAssociationTypes {
		m[objectPair{d.From, d.To}] = d
	}
	return m
}()

// AssociationTypeID returns the default HUBSPOT_DEFINED association type id from one
// object type to another. Both accept plural or singular names or type ids
// ("contacts", "contact", "0-1").
func AssociationTypeID(from, to string) (int, bool) {
	d, ok := lookupAssociation(from, to)
	return d.TypeID, ok
}

// ValidAssociationTypeID reports whether id is the default or the primary
// HUBSPOT_DEFINED association type id from one object type to another.
func ValidAssociationTypeID(from, to string, id int) bool {
	d, ok := lookupAssociation(from, to)
	return ok && (id == d.TypeID || (d.Primary != 0 && id == d.Primary))
}

func lookupAssociation(from, to string) (AssociationDefinition, bool) {
	f, ok := ParseObjectType(from)
	if !ok {
		return AssociationDefinition{}, false
	}
	t, ok := ParseObjectType(to)
	if !ok {
		return AssociationDefinition{}, false
	}
	d, ok := associationIndex[objectPair{f, t}]
	return d, ok
}
