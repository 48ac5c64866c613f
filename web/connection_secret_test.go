package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A HubSpot token added through the page is unreadable everywhere afterwards: in
// every text and blob column of every table, in every page and API answer that
// concerns connections, and in the log; the stored ciphertext opens with the key.
func TestConnectionTokenIsNeverReadable(t *testing.T) {
	const token = "pat-eu1-7f3c2a9e-5b1d-4e8f-a6c0-d2b4e9f81c37"
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "", "ALLOW_PRIVATE_TARGETS=true")
			hub := newFakePortal(t, a.store, token, sandbox.Faults{})
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")
			b.get("/connections")
			resp, body := b.post("/connections", connForm("Secret portal", token, "starter", hub.base))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("add: want 303, got %d: %s", resp.StatusCode, textAt(t, body, ".field-error, #form-error"))
			}

			// Pages, including the form shown again after a problem with the token typed.
			var pages []string
			check := func(what string, status int, body string) {
				t.Helper()
				if status >= 500 {
					t.Errorf("%s: got %d", what, status)
				}
				pages = append(pages, what)
				if leaks(body, token) {
					t.Errorf("%s shows the token", what)
				}
			}
			for _, path := range []string{"/", "/connections", "/connections/1", "/sandbox", "/sandbox/settings", "/simulations/new", "/api/connections", "/api/connections/1", "/api/sandbox"} {
				resp, body := b.get(path)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: want 200, got %d", path, resp.StatusCode)
				}
				check("GET "+path, resp.StatusCode, body)
			}
			resp, body = b.post("/connections", connForm("Secret portal", token, "starter", hub.base))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("duplicate name: want 422, got %d", resp.StatusCode)
			}
			check("POST /connections (form shown again)", resp.StatusCode, body)
			resp, body = b.post("/connections", connForm("Other", token, "starter", "http://127.0.0.1:1"))
			check("POST /connections (unreachable)", resp.StatusCode, body)
			resp, body = b.post("/connections/1/validate", url.Values{})
			check("POST /connections/1/validate", resp.StatusCode, body)
			_ = hub.sb.SetFaults(sandbox.Faults{Force401: true})
			resp, body = b.post("/connections/1/validate", url.Values{})
			check("POST /connections/1/validate (401)", resp.StatusCode, body)
			resp, body = b.postJSON("/api/connections/1/validate", "")
			check("POST /api/connections/1/validate", resp.StatusCode, body)

			// Logs.
			logs := a.logs.String()
			if !strings.Contains(logs, "connection added") {
				t.Errorf("the log should record the connection (without its token); got:\n%s", logs)
			}
			if leaks(logs, token) {
				t.Errorf("the log shows the token:\n%s", logs)
			}

			// Every text and blob column of every table.
			db := openRaw(t, d)
			cells := scanAll(t, db, d.Name, token)
			if cells == 0 {
				t.Fatalf("scanned no cells: the scan is broken")
			}

			// The ciphertext opens with the key, and only with it.
			conn, err := a.store.Connection(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			box, _ := secret.NewBox(a.cfg.TokenEncSecret)
			if plain, err := box.Open(conn.TokenCiphertext); err != nil || string(plain) != token {
				t.Errorf("ciphertext: want it to open to the token, got %q, %v", plain, err)
			}
			other, _ := secret.NewBox(bytes.Repeat([]byte{7}, 32))
			if _, err := other.Open(conn.TokenCiphertext); err == nil {
				t.Errorf("ciphertext opened with another key")
			}
			t.Logf("%s: checked %d pages, %d KB of logs, %d database cells", d.Name, len(pages), len(logs)/1024, cells)
		})
	}
}

// leaks reports whether s holds the token as text, hex or base64.
func leaks(s, token string) bool {
	return strings.Contains(s, token) || strings.Contains(s, hex.EncodeToString([]byte(token))) ||
		strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(token))) ||
		strings.Contains(s, strings.TrimPrefix(token, "pat-eu1-"))
}

// openRaw opens the test's database without SimCRM's storage layer.
func openRaw(t *testing.T, d testenv.Dialect) *sql.DB {
	t.Helper()
	driver, dsn := "mysql", d.DSN
	if d.Name == storage.SQLite {
		driver, dsn = "sqlite", "file:"+d.DSN+"?mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// scanAll reads every column of every row of every table and fails the test where
// the token shows; it returns how many non-null cells it read.
func scanAll(t *testing.T, db *sql.DB, dialect, token string) int {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if dialect != storage.SQLite {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("want SimCRM's tables, found %v", tables)
	}
	cells := 0
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for i, v := range vals {
				if v == nil {
					continue
				}
				cells++
				var s string
				switch x := v.(type) {
				case []byte:
					s = string(x)
				case string:
					s = x
				default:
					s = fmt.Sprint(x)
				}
				if leaks(s, token) {
					t.Errorf("table %s, column %s holds the token", table, cols[i])
				}
			}
		}
		rows.Close()
	}
	return cells
}
