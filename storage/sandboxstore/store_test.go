package sandboxstore_test

import (
	"context"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// sandboxStores returns the sandbox's tables in a migrated, empty database per
// dialect under test.
func sandboxStores(t testing.TB) map[string]*sandboxstore.Store {
	t.Helper()
	out := map[string]*sandboxstore.Store{}
	for _, d := range testenv.Dialects(t) {
		s, err := storage.Open(context.Background(), d.Name, d.DSN)
		if err != nil {
			t.Fatalf("%s: open: %v", d.Name, err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("%s: migrate: %v", d.Name, err)
		}
		out[d.Name] = s.Sandbox()
	}
	return out
}

var contactUnique = map[string]bool{"email": true, "simcrm_record_key": true}

func contactInput(email string, extra ...string) sandboxstore.ObjectInput {
	p := map[string]string{"email": email}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return sandboxstore.ObjectInput{Properties: p}
}
