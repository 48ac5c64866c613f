package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

// The user and token commands never touch HubSpot tokens: with MYSQL_DSN they run
// without TOKEN_ENC_SECRET.
func TestUserAndTokenCommandsNeedNoTokenKey(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			t.Setenv("TOKEN_ENC_SECRET", "")
			t.Setenv("DATA_DIR", t.TempDir())
			t.Setenv("MYSQL_DSN", "")
			if d.Name == "mysql" {
				t.Setenv("MYSQL_DSN", d.DSN)
			}
			var out, errOut bytes.Buffer
			if code := Run([]string{"user", "create", "--email", "Ops@Example.com", "--password", "ops password 1", "--role", "boss"}, &out, &errOut); code != 0 {
				t.Fatalf("user create: want exit 0, got %d: %s", code, errOut.String())
			}
			if !strings.Contains(out.String(), "created ops@example.com") {
				t.Errorf("user create: got %q", out.String())
			}
			out.Reset()
			if code := Run([]string{"token", "create", "ops@example.com"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "simcrm_") {
				t.Fatalf("token create: want exit 0 and a token, got %d %q %s", code, out.String(), errOut.String())
			}
		})
	}
}
