package hubspot_test

import (
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

func TestParseObjectType(t *testing.T) {
	cases := []struct {
		in   string
		want hubspot.ObjectType
		ok   bool
	}{
		{"contacts", hubspot.Contacts, true}, {"contact", hubspot.Contacts, true}, {"0-1", hubspot.Contacts, true},
		{"companies", hubspot.Companies, true}, {"0-2", hubspot.Companies, true},
		{"deals", hubspot.Deals, true}, {"DEAL", hubspot.Deals, true}, {"0-3", hubspot.Deals, true},
		{"tickets", hubspot.Tickets, true}, {"0-5", hubspot.Tickets, true},
		{"tasks", hubspot.Tasks, true}, {"0-27", hubspot.Tasks, true},
		{"notes", hubspot.Notes, true}, {"0-46", hubspot.Notes, true},
		{"meetings", hubspot.Meetings, true}, {"0-47", hubspot.Meetings, true},
		{"calls", hubspot.Calls, true}, {"0-48", hubspot.Calls, true},
		{"emails", hubspot.Emails, true}, {"0-49", hubspot.Emails, true},
		{"2-12345", "", false}, {"", "", false},
	}
	for _, tc := range cases {
		got, ok := hubspot.ParseObjectType(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseObjectType(%q): got %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if hubspot.Deals.ID() != "0-3" || hubspot.Deals.Singular() != "deal" {
		t.Errorf("deals: %s %s", hubspot.Deals.ID(), hubspot.Deals.Singular())
	}
}

func TestAssociationTypeID(t *testing.T) {
	cases := []struct {
		from, to string
		want     int
	}{
		{"contacts", "companies", 279}, {"companies", "contacts", 280},
		{"deals", "contacts", 3}, {"contacts", "deals", 4},
		{"deals", "companies", 341}, {"companies", "deals", 342},
		{"tickets", "contacts", 16}, {"contacts", "tickets", 15},
		{"tickets", "companies", 339}, {"tickets", "deals", 28}, {"deals", "tickets", 27},
		{"notes", "contacts", 202}, {"notes", "companies", 190}, {"notes", "deals", 214}, {"notes", "tickets", 228},
		{"calls", "contacts", 194}, {"calls", "companies", 182}, {"calls", "deals", 206}, {"calls", "tickets", 220},
		{"tasks", "contacts", 204}, {"tasks", "companies", 192}, {"tasks", "deals", 216}, {"tasks", "tickets", 230},
		{"meetings", "contacts", 200}, {"meetings", "companies", 188}, {"meetings", "deals", 212}, {"meetings", "tickets", 226},
		{"emails", "contacts", 198}, {"emails", "companies", 186}, {"emails", "deals", 210}, {"emails", "tickets", 224},
		{"contact", "company", 279}, {"0-1", "0-2", 279}, {"note", "0-3", 214},
	}
	for _, tc := range cases {
		got, ok := hubspot.AssociationTypeID(tc.from, tc.to)
		if !ok || got != tc.want {
			t.Errorf("AssociationTypeID(%s, %s): got %d %v, want %d", tc.from, tc.to, got, ok, tc.want)
		}
	}
	if len(hubspot.DefaultAssociationTypes) != 31 {
		t.Errorf("table has %d rows, want 31", len(hubspot.DefaultAssociationTypes))
	}
	for _, bad := range [][2]string{{"companies", "tickets"}, {"contacts", "notes"}, {"widgets", "contacts"}, {"contacts", "widgets"}} {
		if id, ok := hubspot.AssociationTypeID(bad[0], bad[1]); ok {
			t.Errorf("AssociationTypeID(%s, %s) = %d, want none", bad[0], bad[1], id)
		}
	}
}

func TestValidAssociationTypeID(t *testing.T) {
	cases := []struct {
		from, to string
		id       int
		want     bool
	}{
		{"contacts", "companies", 279, true}, {"contacts", "companies", 1, true}, {"companies", "contacts", 2, true},
		{"deals", "companies", 5, true}, {"companies", "deals", 6, true}, {"tickets", "companies", 26, true},
		{"contacts", "companies", 280, false}, {"deals", "contacts", 0, false}, {"notes", "contacts", 202, true}, {"notes", "contacts", 1, false},
	}
	for _, tc := range cases {
		if got := hubspot.ValidAssociationTypeID(tc.from, tc.to, tc.id); got != tc.want {
			t.Errorf("ValidAssociationTypeID(%s, %s, %d): got %v, want %v", tc.from, tc.to, tc.id, got, tc.want)
		}
	}
}
