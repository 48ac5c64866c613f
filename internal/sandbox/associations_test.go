package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

func typeIDs(page *hubspot.AssociationPage, toID string) []int {
	var out []int
	for _, r := range page.Results {
		if r.ToObjectID.String() == toID {
			for _, at := range r.AssociationTypes {
				out = append(out, at.TypeID)
			}
		}
	}
	sort.Ints(out)
	return out
}

func TestAssociations(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		c := e.client
		company, err := c.CreateObject(ctx, hubspot.Companies, hubspot.ObjectInput{Properties: props("name", "Acme")})
		if err != nil {
			t.Fatal(err)
		}
		// Inline on create, with the primary label: the unlabelled type comes along,
		// and the company sees the contact with the reverse ids.
		contact, err := c.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{
			Properties:   props("email", "assoc@example.com"),
			Associations: []hubspot.Association{hubspot.DefinedAssociation(company.ID, 1)},
		})
		if err != nil {
			t.Fatal(err)
		}
		fromContact, err := c.Associations(ctx, hubspot.Contacts, contact.ID, hubspot.Companies, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(typeIDs(fromContact, company.ID)); got != "[1 279]" {
			t.Errorf("contact → company types: want [1 279], got %s", got)
		}
		fromCompany, err := c.Associations(ctx, hubspot.Companies, company.ID, hubspot.Contacts, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(typeIDs(fromCompany, contact.ID)); got != "[2 280]" {
			t.Errorf("company → contact types: want [2 280], got %s", got)
		}
		for _, r := range fromContact.Results {
			for _, at := range r.AssociationTypes {
				if (at.TypeID == 1) != (at.Label == "Primary") {
					t.Errorf("label: want Primary on type 1 only, got %+v", at)
				}
			}
		}
		// v3 read with associations.
		withAssoc, err := c.Object(ctx, hubspot.Contacts, contact.ID, hubspot.ReadOptions{Associations: []string{"companies"}})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range withAssoc.Associations["companies"].Results {
			names = append(names, r.ID+":"+r.Type)
		}
		sort.Strings(names)
		if want := fmt.Sprintf("[%[1]s:contact_to_company %[1]s:contact_to_company_unlabeled]", company.ID); fmt.Sprint(names) != want {
			t.Errorf("v3 associations: want %s, got %v", want, names)
		}

		// Default association (v4), both directions.
		deal, _ := c.CreateObject(ctx, hubspot.Deals, hubspot.ObjectInput{Properties: props("dealname", "D")})
		def, err := c.AssociateDefault(ctx, hubspot.Deals, deal.ID, hubspot.Contacts, contact.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(def.Results) != 2 || def.Results[0].AssociationSpec.TypeID != 3 || def.Results[1].AssociationSpec.TypeID != 4 {
			t.Errorf("default deal → contact: want types 3 and 4, got %+v", def.Results)
		}
		// Labelled (v4) with the primary company of a deal.
		labels, err := c.Associate(ctx, hubspot.Deals, deal.ID, hubspot.Companies, company.ID, hubspot.AssociationSpec{Category: hubspot.HubSpotDefined, TypeID: 5})
		if err != nil {
			t.Fatal(err)
		}
		if labels.FromObjectTypeID != "0-3" || labels.ToObjectTypeID != "0-2" || fmt.Sprint(labels.Labels) != "[Primary]" {
			t.Errorf("labelled: got %+v", labels)
		}
		_, err = c.Associate(ctx, hubspot.Deals, deal.ID, hubspot.Companies, company.ID, hubspot.AssociationSpec{Category: hubspot.HubSpotDefined, TypeID: 279})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 400 {
			t.Errorf("a contact → company id between a deal and a company: want 400, got %v", err)
		}
		_, err = c.AssociateDefault(ctx, hubspot.Deals, deal.ID, hubspot.Contacts, "987654321")
		if !errors.Is(err, hubspot.ErrNotFound) {
			t.Errorf("associate with a missing record: want 404, got %v", err)
		}

		// Batch create (v4): one good input, one with a missing record, one with a bad type.
		note, _ := c.CreateObject(ctx, hubspot.Notes, hubspot.ObjectInput{Properties: props("hs_timestamp", "1700000000000", "hs_note_body", "hi")})
		batch, err := c.BatchAssociate(ctx, hubspot.Notes, hubspot.Contacts, []hubspot.AssociationInput{
			{From: note.ID, To: contact.ID, Types: []hubspot.AssociationSpec{{Category: hubspot.HubSpotDefined, TypeID: 202}}},
			{From: note.ID, To: "987654321", Types: []hubspot.AssociationSpec{{Category: hubspot.HubSpotDefined, TypeID: 202}}},
			{From: note.ID, To: contact.ID, Types: []hubspot.AssociationSpec{{Category: hubspot.HubSpotDefined, TypeID: 214}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !batch.Partial || len(batch.Results) != 1 || batch.NumErrors != 2 {
			t.Errorf("batch associate: want 207 with 1 result and 2 errors, got %+v", batch)
		}
		fromContactNotes, _ := c.Associations(ctx, hubspot.Contacts, contact.ID, hubspot.Notes, "", 0)
		if got := fmt.Sprint(typeIDs(fromContactNotes, note.ID)); got != "[201]" {
			t.Errorf("contact → note: want [201], got %s", got)
		}
		pairs, err := c.BatchAssociateDefault(ctx, hubspot.Tickets, hubspot.Contacts, []hubspot.AssociationPair{{From: "987654321", To: contact.ID}})
		if err != nil || pairs.NumErrors != 1 {
			t.Errorf("batch associate default with a missing ticket: want 1 error, got %+v, %v", pairs, err)
		}

		// Remove every association between two records, both ways.
		if err := c.RemoveAssociations(ctx, hubspot.Contacts, contact.ID, hubspot.Companies, company.ID); err != nil {
			t.Fatal(err)
		}
		fromCompany, _ = c.Associations(ctx, hubspot.Companies, company.ID, hubspot.Contacts, "", 0)
		if len(fromCompany.Results) != 0 {
			t.Errorf("after remove: want none, got %+v", fromCompany.Results)
		}

		// Batch read and archive (v4), raw.
		a := e.do(t, "POST", "/crm/v4/associations/contacts/notes/batch/read", `{"inputs":[{"id":"`+contact.ID+`"},{"id":"987654321"}]}`)
		if a.status != 207 {
			t.Errorf("v4 batch read with a missing record: want 207, got %d %s", a.status, a.body)
		}
		a = e.do(t, "POST", "/crm/v4/associations/contacts/notes/batch/archive", `{"inputs":[{"from":{"id":"`+contact.ID+`"},"to":[{"id":"`+note.ID+`"}]}]}`)
		if a.status != 204 {
			t.Errorf("v4 batch archive: want 204, got %d %s", a.status, a.body)
		}
		fromContactNotes, _ = c.Associations(ctx, hubspot.Contacts, contact.ID, hubspot.Notes, "", 0)
		if len(fromContactNotes.Results) != 0 {
			t.Errorf("after batch archive: want none, got %+v", fromContactNotes.Results)
		}
	})
}

func TestAssociationPaging(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		company, _ := e.client.CreateObject(ctx, hubspot.Companies, hubspot.ObjectInput{Properties: props("name", "Hub")})
		var inputs []hubspot.ObjectInput
		for i := 0; i < 12; i++ {
			inputs = append(inputs, hubspot.ObjectInput{
				Properties:   props("email", fmt.Sprintf("p%d@example.com", i)),
				Associations: []hubspot.Association{hubspot.DefinedAssociation(company.ID, 279)},
			})
		}
		if _, err := e.client.BatchCreate(ctx, hubspot.Contacts, inputs); err != nil {
			t.Fatal(err)
		}
		seen, after := 0, ""
		for {
			page, err := e.client.Associations(ctx, hubspot.Companies, company.ID, hubspot.Contacts, after, 5)
			if err != nil {
				t.Fatal(err)
			}
			seen += len(page.Results)
			if after = page.After(); after == "" {
				break
			}
		}
		if seen != 12 {
			t.Errorf("paging: want 12 contacts, got %d", seen)
		}
	})
}
