package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.HTTPAddr != ":8080" || c.DataDir != "./data" || c.Role != RoleAll || c.Dialect() != "sqlite" {
		t.Fatalf("defaults: got addr %q dir %q role %q dialect %q", c.HTTPAddr, c.DataDir, c.Role, c.Dialect())
	}
	if got := c.AttemptsFor("contact"); got != 3 {
		t.Errorf("contact attempts: want 3, got %d", got)
	}
	if got := c.AttemptsFor("note"); got != 2 {
		t.Errorf("note attempts: want 2, got %d", got)
	}
	if got := c.BackoffFor("contact", 2); got != 3*time.Second {
		t.Errorf("contact backoff 2: want 3s, got %s", got)
	}
	if c.DLQSampleMax != 25 || c.DLQReplayCap != 50 || c.ThinningMax != 200 {
		t.Errorf("dlq/thinning defaults: got %d %d %d", c.DLQSampleMax, c.DLQReplayCap, c.ThinningMax)
	}
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"HTTP_ADDR":             {"HTTP_ADDR": "8080"},
		"MYSQL_DSN":             {"MYSQL_DSN": "not a dsn", "TOKEN_ENC_SECRET": strings.Repeat("ab", 32)},
		"REDIS_URL":             {"REDIS_URL": "http://x"},
		"SIMCRM_ROLE":           {"SIMCRM_ROLE": "boss"},
		"LOG_LEVEL":             {"LOG_LEVEL": "loud"},
		"TOKEN_ENC_SECRET":      {"TOKEN_ENC_SECRET": "short"},
		"SESSION_SECRET":        {"SESSION_SECRET": "zz"},
		"CONTACT_ATTEMPTS":      {"CONTACT_ATTEMPTS": "0"},
		"NOTE_BACKOFF_MS":       {"NOTE_BACKOFF_MS": "1000,abc"},
		"ATTEMPTS_CALL":         {"ATTEMPTS_CALL": "many"},
		"DLQ_REPLAY_LIMIT_CAP":  {"DLQ_REPLAY_LIMIT_CAP": "-1"},
		"SHUTDOWN_TIMEOUT":      {"SHUTDOWN_TIMEOUT": "soon"},
		"SIGNUP":                {"SIGNUP": "anyone"},
		"TRUSTED_PROXIES":       {"TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"},
		"ALLOW_PRIVATE_TARGETS": {"ALLOW_PRIVATE_TARGETS": "sometimes"},
		"METRICS_TOKEN":         {"METRICS_TOKEN": "short"},
		"METRICS_ADDR":          {"METRICS_ADDR": "9090"},
	}
	for name, vars := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(env(vars))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("want an error naming %s, got %v", name, err)
			}
		})
	}
}

// The server needs TOKEN_ENC_SECRET with MYSQL_DSN; loading the configuration
// (as the user and token commands do) does not.
func TestProductionNeedsTokenSecret(t *testing.T) {
	c, err := Load(env(map[string]string{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/simcrm"}))
	if err != nil {
		t.Fatalf("Load without TOKEN_ENC_SECRET: want no error, got %v", err)
	}
	if err := c.NeedTokenKey(); err == nil || !strings.Contains(err.Error(), "TOKEN_ENC_SECRET") {
		t.Fatalf("want TOKEN_ENC_SECRET error, got %v", err)
	}
	c.DataDir = t.TempDir()
	if err := EnsureSecrets(&c); err != nil || c.TokenEncSecret != nil {
		t.Fatalf("EnsureSecrets with MYSQL_DSN must not generate a token key: %v, %v", c.TokenEncSecret, err)
	}
	c, err = Load(env(map[string]string{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/simcrm", "TOKEN_ENC_SECRET": strings.Repeat("0f", 32)}))
	if err != nil || c.NeedTokenKey() != nil {
		t.Fatalf("Load: %v, %v", err, c.NeedTokenKey())
	}
	if !strings.Contains(c.MySQLDSN, "parseTime=true") {
		t.Errorf("DSN should force parseTime: %s", c.MySQLDSN)
	}
}

func TestRetrySettingsNewNamesWinAndShortListsRepeat(t *testing.T) {
	c, err := Load(env(map[string]string{
		"CONTACT_ATTEMPTS": "5", "ATTEMPTS_CONTACT": "4",
		"BACKOFF_NOTE": "100,200", "NOTE_BACKOFF_MS": "500",
		"ATTEMPTS_CALL": "7",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := c.AttemptsFor("contact"); got != 5 {
		t.Errorf("new name should win: want 5, got %d", got)
	}
	if got := c.AttemptsFor("call"); got != 7 {
		t.Errorf("legacy name alone: want 7, got %d", got)
	}
	for n := 1; n <= 4; n++ {
		if got := c.BackoffFor("note", n); got != 500*time.Millisecond {
			t.Errorf("note backoff %d: want 500ms, got %s", n, got)
		}
	}
	if got := c.BackoffFor("contact", 9); got != 9*time.Second {
		t.Errorf("past the list the last value repeats: want 9s, got %s", got)
	}
}

func TestEnsureSecretsKeepsGeneratedSecrets(t *testing.T) {
	dir := t.TempDir()
	c1, _ := Load(env(map[string]string{"DATA_DIR": dir}))
	if err := EnsureSecrets(&c1); err != nil {
		t.Fatalf("EnsureSecrets: %v", err)
	}
	c2, _ := Load(env(map[string]string{"DATA_DIR": dir}))
	if err := EnsureSecrets(&c2); err != nil {
		t.Fatalf("EnsureSecrets again: %v", err)
	}
	if len(c1.TokenEncSecret) != 32 || string(c1.TokenEncSecret) != string(c2.TokenEncSecret) ||
		string(c1.SessionSecret) != string(c2.SessionSecret) || c1.SandboxToken != c2.SandboxToken || c1.SandboxToken == "" {
		t.Fatalf("secrets must be generated once and kept")
	}
}

func TestRedisSentinelSettingsBecomeOneURL(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"addresses and master", map[string]string{"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379, 10.0.0.2:26379", "REDIS_SENTINEL_MASTER": "queue"},
			"redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/0?master=queue"},
		{"addresses with REDIS_URL's password and db", map[string]string{"REDIS_SENTINEL_ADDRS": "s1:26379", "REDIS_URL": "redis://:pw@ignored:6379/4"},
			"redis-sentinel://:pw@s1:26379/4?master=mymaster"},
		{"a sentinel URL without master takes REDIS_SENTINEL_MASTER", map[string]string{"REDIS_URL": "redis-sentinel://s1:26379,s2:26380/2", "REDIS_SENTINEL_MASTER": "m1"},
			"redis-sentinel://s1:26379,s2:26380/2?master=m1"},
		{"a sentinel URL's own master wins", map[string]string{"REDIS_URL": "redis-sentinel://s1:26379?master=own", "REDIS_SENTINEL_MASTER": "m1"},
			"redis-sentinel://s1:26379/0?master=own"},
		{"plain URL untouched", map[string]string{"REDIS_URL": "redis://r:6379/1"}, "redis://r:6379/1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.RedisURL != tc.want {
				t.Fatalf("want %q, got %q", tc.want, c.RedisURL)
			}
			if strings.HasPrefix(tc.want, SentinelScheme) {
				s, err := ParseSentinelURL(c.RedisURL)
				if err != nil || s.Master == "" || len(s.Addrs) == 0 {
					t.Fatalf("ParseSentinelURL(%q) = %+v, %v", c.RedisURL, s, err)
				}
			}
		})
	}
	bad := map[string]map[string]string{
		"REDIS_SENTINEL_ADDRS":  {"REDIS_SENTINEL_ADDRS": "host-without-port"},
		"REDIS_SENTINEL_MASTER": {"REDIS_SENTINEL_MASTER": "a b"},
		"REDIS_URL":             {"REDIS_URL": "redis-sentinel://s1/x?master=m"},
	}
	for name, vars := range bad {
		if _, err := Load(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: want an error naming %s, got %v", vars, name, err)
		}
	}
	for _, vars := range []map[string]string{
		{"REDIS_SENTINEL_ADDRS": "s1:26379", "REDIS_URL": "off"},
		{"REDIS_SENTINEL_ADDRS": "s1:26379", "REDIS_URL": "redis-sentinel://s2:26379?master=m"},
	} {
		if _, err := Load(env(vars)); err == nil || !strings.Contains(err.Error(), "REDIS_SENTINEL_ADDRS") {
			t.Errorf("%v: want an error naming REDIS_SENTINEL_ADDRS, got %v", vars, err)
		}
	}
}

func TestShardAndQueueSettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.PrimaryShards != 1 || strings.Join(c.WorkerQueues, ",") != "control,primary,secondary" {
		t.Fatalf("defaults: shards %d, queues %v", c.PrimaryShards, c.WorkerQueues)
	}
	c, err = Load(env(map[string]string{"PRIMARY_SHARDS": "8", "WORKER_QUEUES": " simulation-jobs:3, secondary ,simulation-jobs:3"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.PrimaryShards != 8 || strings.Join(c.WorkerQueues, ",") != "simulation-jobs:3,secondary" {
		t.Fatalf("got shards %d, queues %v", c.PrimaryShards, c.WorkerQueues)
	}
	for name, v := range map[string]string{"PRIMARY_SHARDS": "0", "WORKER_QUEUES": "everything"} {
		if _, err := Load(env(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: want an error naming it, got %v", name, v, err)
		}
	}
	for _, v := range []string{"simulation-jobs:256", "simulation-jobs:x", ",", "primary,,"} {
		if _, err := Load(env(map[string]string{"WORKER_QUEUES": v})); err == nil {
			t.Errorf("WORKER_QUEUES=%q: want an error", v)
		}
	}
}

// TRUSTED_PROXIES takes addresses and CIDRs; a bare address is one host.
func TestTrustedProxiesAndSignupDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"TRUSTED_PROXIES": " 127.0.0.1, 10.1.2.3/8 ,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128"}
	if strings.Join(c.TrustedProxies, " ") != strings.Join(want, " ") {
		t.Errorf("TRUSTED_PROXIES: want %v, got %v", want, c.TrustedProxies)
	}
	if c.Signup != SignupFirstOnly || c.AllowPrivateTargets || c.MetricsToken != "" || c.MetricsAddr != "" {
		t.Errorf("defaults: want first-only, no private targets, no metrics token or address; got %+v", c)
	}
}
