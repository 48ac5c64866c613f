package config

import "testing"

func TestSandboxURLDefaultsToTheOwnServer(t *testing.T) {
	cases := map[string]string{
		":8080":          "http://127.0.0.1:8080/sandbox/hubspot",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/sandbox/hubspot",
		"[::]:9000":      "http://127.0.0.1:9000/sandbox/hubspot",
		"10.0.0.5:8081":  "http://10.0.0.5:8081/sandbox/hubspot",
		"localhost:8080": "http://localhost:8080/sandbox/hubspot",
	}
	for addr, want := range cases {
		c, err := Load(func(k string) string {
			if k == "HTTP_ADDR" {
				return addr
			}
			return ""
		})
		if err != nil || c.SandboxURL != want {
			t.Errorf("HTTP_ADDR %s: want %s, got %q (%v)", addr, want, c.SandboxURL, err)
		}
	}
	c, err := Load(func(k string) string {
		if k == "SANDBOX_URL" {
			return "https://sandbox.example.com/hub/"
		}
		return ""
	})
	if err != nil || c.SandboxURL != "https://sandbox.example.com/hub" {
		t.Errorf("explicit SANDBOX_URL: got %q (%v)", c.SandboxURL, err)
	}
	if _, err := Load(func(k string) string {
		if k == "SANDBOX_URL" {
			return "ftp://x"
		}
		return ""
	}); err == nil {
		t.Error("SANDBOX_URL ftp://x: want an error")
	}
	if c, _ := Load(func(string) string { return "" }); c.Concurrency != 32 {
		t.Errorf("WORKER_CONCURRENCY default: got %d", c.Concurrency)
	}
}
