package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/sandbox"
)

func loadConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func TestSandboxFlags(t *testing.T) {
	cfg := loadConfig(t, map[string]string{"SANDBOX_FAULT_LATENCY": "250ms", "SANDBOX_BURST": "40"})
	cases := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o sandbox.Options, addr string)
	}{
		{"defaults from the environment", nil, "", func(t *testing.T, o sandbox.Options, addr string) {
			if addr != "127.0.0.1:8090" || o.Limits.Burst != 40 || o.Limits.Daily != 250000 || o.Faults.Latency != 250*time.Millisecond || o.Token != "" {
				t.Errorf("got addr %s, %+v", addr, o)
			}
		}},
		{"flags win", []string{"--addr", "127.0.0.1:9", "--token", "tok-0123456789abcdef", "--burst", "0", "--daily", "5", "--error-rate", "0.25", "--force-403"}, "",
			func(t *testing.T, o sandbox.Options, addr string) {
				if addr != "127.0.0.1:9" || o.Token != "tok-0123456789abcdef" || o.Limits.Burst != 0 || o.Limits.Daily != 5 || o.Faults.ErrorRate != 0.25 || !o.Faults.Force403 {
					t.Errorf("got addr %s, %+v", addr, o)
				}
			}},
		{"unknown flag", []string{"--bursts", "5"}, "flag provided but not defined", nil},
		{"not a number", []string{"--burst", "many"}, "invalid value", nil},
		{"negative burst", []string{"--burst", "-1"}, "0 (off) or positive", nil},
		{"error rate over 1", []string{"--error-rate", "2"}, "between 0 and 1", nil},
		{"bad address", []string{"--addr", "8090"}, "--addr", nil},
		{"short token", []string{"--token", "T"}, "at least 16 characters", nil},
		{"stray argument", []string{"now"}, "unexpected argument", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, addr, err := sandboxOptions(cfg, tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o, addr)
		})
	}
}

func TestSandboxSettingsAreChecked(t *testing.T) {
	for name, bad := range map[string]string{
		"SANDBOX_BURST":              "-5",
		"SANDBOX_DAILY":              "lots",
		"SANDBOX_FAULT_ERROR_RATE":   "1.5",
		"SANDBOX_FAULT_LATENCY":      "soon",
		"SANDBOX_FAULT_TIMEOUT_RATE": "-0.1",
		"SANDBOX_FAULT_401":          "maybe",
		"SANDBOX_FAULT_403":          "2",
	} {
		_, err := config.Load(func(k string) string {
			if k == name {
				return bad
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: want an error naming the variable, got %v", name, bad, err)
		}
	}
	cfg := loadConfig(t, map[string]string{"SANDBOX_FAULT_ERROR_RATE": "0.1", "SANDBOX_FAULT_TIMEOUT_RATE": "0.05", "SANDBOX_FAULT_401": "true", "SANDBOX_DAILY": "0"})
	if cfg.SandboxFaultErrorRate != 0.1 || cfg.SandboxFaultTimeoutRate != 0.05 || !cfg.SandboxFault401 || cfg.SandboxFault403 || cfg.SandboxDaily != 0 || cfg.SandboxBurst != 100 {
		t.Errorf("got %+v", cfg)
	}
}
