package sandboxstore_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/simcrm/simcrm/storage/sandboxstore"
)

func TestProperties(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			p := sandboxstore.Property{Type: "contacts", Name: "favourite", Definition: `{"name":"favourite"}`}
			if _, err := s.CreateProperty(ctx, p); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateProperty(ctx, p); !errors.Is(err, sandboxstore.ErrDuplicate) {
				t.Errorf("duplicate property: want ErrDuplicate, got %v", err)
			}
			if _, err := s.CreateProperty(ctx, sandboxstore.Property{Type: "deals", Name: "favourite", Definition: `{}`}); err != nil {
				t.Errorf("same name on another type: %v", err)
			}
			props, err := s.Properties(ctx, "")
			var names []string
			for _, p := range props {
				names = append(names, p.Type+"."+p.Name)
			}
			sort.Strings(names)
			if err != nil || fmt.Sprint(names) != "[contacts.favourite deals.favourite]" {
				t.Errorf("properties: got %v, %v", names, err)
			}
		})
	}
}
