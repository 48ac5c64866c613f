package secret

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("pat-na1-00000000-0000-0000-0000-000000000000")
	sealed := box.Seal(plain)
	if bytes.Contains(sealed, plain) {
		t.Fatalf("sealed value contains the plaintext")
	}
	if bytes.Equal(sealed, box.Seal(plain)) {
		t.Errorf("two seals of one value must differ (random nonce)")
	}
	got, err := box.Open(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: want %q, got %q (%v)", plain, got, err)
	}
	tampered := append([]byte{}, sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := box.Open(tampered); err == nil {
		t.Errorf("a tampered value opened")
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(sealed); err == nil {
		t.Errorf("another key opened the value")
	}
	if _, err := box.Open(sealed[:5]); err == nil {
		t.Errorf("a short value opened")
	}
	if _, err := NewBox([]byte("short")); err == nil {
		t.Errorf("a short key was accepted")
	}
}
