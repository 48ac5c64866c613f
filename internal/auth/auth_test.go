package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format: got %q", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Errorf("right password: want nil, got %v", err)
	}
	if err := CheckPassword(h, "correct horse batterY"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: want ErrMismatch, got %v", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Errorf("two hashes of one password must differ (random salt)")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b", "$argon2id$v=18$m=1,t=1,p=1$AA$AA"} {
		if err := CheckPassword(bad, "x"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("malformed hash %q: want a format error, got %v", bad, err)
		}
	}
}

func TestCSRFTokenBelongsToItsCookie(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	tok := CSRFToken(secret, "cookie-a")
	if !CheckCSRF(secret, "cookie-a", tok) {
		t.Fatalf("own token refused")
	}
	cases := map[string]struct{ secret, cookie, token string }{
		"other cookie": {string(secret), "cookie-b", tok},
		"other secret": {strings.Repeat("z", 32), "cookie-a", tok},
		"empty token":  {string(secret), "cookie-a", ""},
		"no cookie":    {string(secret), "", tok},
	}
	for name, c := range cases {
		if CheckCSRF([]byte(c.secret), c.cookie, c.token) {
			t.Errorf("%s: token accepted", name)
		}
	}
}

func TestTokensAreRandomAndHashedStably(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens: got %q and %q", a, b)
	}
	if HashToken(a) != HashToken(a) || HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 {
		t.Fatalf("HashToken must be a stable 64-hex digest")
	}
}
