package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns a random URL-safe token of 32 bytes of entropy.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a session or API token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CSRFToken derives the form token for a browser's CSRF cookie: a double-submit
// token signed with the session secret, so it holds across restarts and replicas.
func CSRFToken(secret []byte, cookie string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("csrf:" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether a submitted token belongs to the browser's cookie.
func CheckCSRF(secret []byte, cookie, submitted string) bool {
	if cookie == "" || submitted == "" {
		return false
	}
	want := CSRFToken(secret, cookie)
	return subtle.ConstantTimeCompare([]byte(want), []byte(submitted)) == 1
}
