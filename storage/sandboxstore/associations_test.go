package sandboxstore_test

import (
	"context"
	"testing"

	"github.com/simcrm/simcrm/storage/sandboxstore"
)

func TestAssociations(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			companies, err := s.CreateObjects(ctx, "companies", nil, []sandboxstore.ObjectInput{{Properties: map[string]string{"name": "A"}}, {Properties: map[string]string{"name": "B"}}})
			if err != nil {
				t.Fatal(err)
			}
			ca, cb := companies[0].ID, companies[1].ID
			contact, err := s.CreateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectInput{{
				Properties: map[string]string{"email": "c@example.com"},
				Associations: []sandboxstore.Association{
					{ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 279},
					{FromID: ca, ToType: "contacts", Category: "HUBSPOT_DEFINED", TypeID: 280},
				},
			}})
			if err != nil {
				t.Fatal(err)
			}
			cid := contact[0].ID
			// Adding existing rows again is a no-op.
			err = s.CreateAssociations(ctx, []sandboxstore.Association{
				{FromID: cid, ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 279},
				{FromID: cid, ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 1},
				{FromID: cid, ToType: "companies", ToID: cb, Category: "HUBSPOT_DEFINED", TypeID: 279},
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, more, err := s.AssociationPage(ctx, cid, "companies", 0, 1)
			if err != nil || !more || len(rows) != 2 || rows[0].ToID != ca {
				t.Errorf("first page (1 record, 2 types): got %+v more=%v %v", rows, more, err)
			}
			rows, more, err = s.AssociationPage(ctx, cid, "companies", ca, 1)
			if err != nil || more || len(rows) != 1 || rows[0].ToID != cb {
				t.Errorf("second page: got %+v more=%v %v", rows, more, err)
			}
			back, err := s.AssociationsFrom(ctx, []int64{ca}, "contacts")
			if err != nil || len(back[ca]) != 1 || back[ca][0].ToID != cid || back[ca][0].TypeID != 280 {
				t.Errorf("reverse row: got %+v, %v", back, err)
			}
			if err := s.DeleteAssociations(ctx, []sandboxstore.Association{{FromID: cid, ToType: "companies", ToID: ca}}); err != nil {
				t.Fatal(err)
			}
			all, _ := s.AssociationsFrom(ctx, []int64{cid}, "")
			if len(all[cid]) != 1 || all[cid][0].ToID != cb {
				t.Errorf("after delete: want only %d, got %+v", cb, all[cid])
			}
			if _, err := s.ArchiveObjects(ctx, "companies", []int64{cb}); err != nil {
				t.Fatal(err)
			}
			all, _ = s.AssociationsFrom(ctx, []int64{cid}, "")
			if len(all[cid]) != 0 {
				t.Errorf("archiving drops associations: got %+v", all[cid])
			}
			types, err := s.ObjectTypes(ctx, []int64{cid, ca, cb})
			if err != nil || types[cid] != "contacts" || types[ca] != "companies" || types[cb] != "" {
				t.Errorf("object types: got %v, %v", types, err)
			}
		})
	}
}
