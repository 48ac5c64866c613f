// Package config loads SimCRM's settings from the environment: one table of names,
// defaults, meanings and checks, so the README, the loader and the errors agree.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Roles a process can take.
const (
	RoleAll    = "all"
	RoleWeb    = "web"
	RoleWorker = "worker"
)

// RedisOff is the REDIS_URL value that runs SimCRM without Redis at all.
const RedisOff = "off"

// Config is the validated configuration of one process.
type Config struct {
	HTTPAddr string
	DataDir  string
	MySQLDSN string // empty: SQLite in DataDir
	RedisURL string // empty: embedded miniredis; "off": none; redis-sentinel://… through Sentinel
	// RedisSentinelAddrs and RedisSentinelMaster are folded into RedisURL by Load.
	RedisSentinelAddrs  []string
	RedisSentinelMaster string
	TokenEncSecret      []byte // 32 bytes, AES-256-GCM key for stored HubSpot tokens
	SessionSecret       []byte // 32 bytes, signs session and CSRF cookies
	SandboxToken        string
	SandboxURL          string // where the engine reaches the built-in sandbox
	Role                string
	LogLevel            string
	ShutdownTimeout     time.Duration
	Attempts            map[string]int             // per job type: record types and activity types
	Backoff             map[string][]time.Duration // per job type
	Concurrency         int                        // tasks one worker process runs at once
	PrimaryShards       int                        // primary queues simulation-jobs:0 … :N-1
	WorkerQueues        []string                   // what a worker serves: control, primary, secondary or queue names
	DLQSampleMax        int
	DLQReplayCap        int
	ThinningMax         int
	SMTPURL             string // notification e-mails; empty: none

	// The built-in sandbox's rate limits and injected faults (internal/sandbox).
	SandboxBurst            int           // calls per rolling 10 s per token; 0 is off
	SandboxDaily            int           // calls per UTC day per token; 0 is off
	SandboxFaultErrorRate   float64       // share of calls answered 5xx
	SandboxFaultLatency     time.Duration // delay added to every call
	SandboxFaultTimeoutRate float64       // share of calls that hang
	SandboxFault401         bool          // answer every call 401
	SandboxFault403         bool          // answer every call 403

	// Exposure to others: who may sign up, which proxies are believed, where
	// outbound calls may go, who may read /metrics.
	Signup              string   // SignupFirstOnly, SignupInvite or SignupOpen
	TrustedProxies      []string // CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed
	AllowPrivateTargets bool     // connections may reach loopback, private and link-local addresses
	MetricsToken        string   // bearer token that may read /metrics; "" leaves it to bosses
	MetricsAddr         string   // also serve /metrics alone on this address; "" serves it only on HTTP_ADDR
}

// Sign-up modes.
const (
	SignupFirstOnly = "first-only" // the first account signs up (and is the boss), then sign-up closes
	SignupInvite    = "invite"     // after the first account, only with a boss's invite link
	SignupOpen      = "open"       // anyone may sign up as a player
)

// Production reports whether SimCRM runs on an external database.
func (c Config) Production() bool { return c.MySQLDSN != "" }

// Dialect names the SQL dialect in use: "mysql" or "sqlite".
func (c Config) Dialect() string {
	if c.Production() {
		return "mysql"
	}
	return "sqlite"
}

// SQLitePath is the database file of the embedded default.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "simcrm.db") }

// Setting is one environment variable SimCRM reads.
type Setting struct {
	Name    string
	Default string
	Meaning string
	apply   func(c *Config, v string) error
}

// Settings is the table of every environment variable, in README order.
var Settings = []Setting{
	{"HTTP_ADDR", ":8080", "Address the web server listens on.", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port such as :8080, got %q", v)
		}
		c.HTTPAddr = v
		return nil
	}},
	{"DATA_DIR", "./data", "Directory for the embedded SQLite database and generated secrets.", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"MYSQL_DSN", "", "MySQL 8 / MariaDB 10.11+ DSN (user:pass@tcp(host:3306)/db). Unset: embedded SQLite in DATA_DIR.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		cfg, err := mysql.ParseDSN(v)
		if err != nil {
			return fmt.Errorf("not a valid DSN: %v", err)
		}
		if cfg.DBName == "" {
			return errors.New("names no database (want …/dbname)")
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		cfg.MultiStatements = false
		c.MySQLDSN = cfg.FormatDSN()
		return nil
	}},
	{"REDIS_URL", "", "Redis URL (redis://host:6379/0), or redis-sentinel://host:26379,host:26380/0?master=name to find the master through Sentinel. Unset: in-process Redis; \"off\": no Redis (metrics from the database).", func(c *Config, v string) error {
		if v == "" || v == RedisOff {
			c.RedisURL = v
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != SentinelScheme) || u.Host == "" {
			return fmt.Errorf("want redis://host:port/db, %s://host:port,…/db?master=name, %q or unset, got %q", SentinelScheme, RedisOff, v)
		}
		c.RedisURL = v
		return nil
	}},
	{"REDIS_SENTINEL_ADDRS", "", "Redis Sentinel addresses (host:26379,host:26380,…): SimCRM asks them for the master and follows a failover. REDIS_URL then only gives the password and database number.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		addrs, err := sentinelAddrs(v)
		c.RedisSentinelAddrs = addrs
		return err
	}},
	{"REDIS_SENTINEL_MASTER", "mymaster", "Name of the master the Sentinels watch (with REDIS_SENTINEL_ADDRS, or a redis-sentinel:// REDIS_URL without ?master=).", func(c *Config, v string) error {
		if strings.ContainsAny(v, " ,/?&") {
			return fmt.Errorf("want a master name such as mymaster, got %q", v)
		}
		c.RedisSentinelMaster = v
		return nil
	}},
	{"TOKEN_ENC_SECRET", "", "Key that encrypts stored HubSpot tokens (32 bytes as base64 or hex). Required with MYSQL_DSN; generated into DATA_DIR otherwise.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		key, err := decodeKey(v)
		if err != nil {
			return err
		}
		c.TokenEncSecret = key
		return nil
	}},
	{"SESSION_SECRET", "", "Key that signs session and CSRF cookies (32 bytes as base64 or hex). Generated into DATA_DIR when unset.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		key, err := decodeKey(v)
		if err != nil {
			return err
		}
		c.SessionSecret = key
		return nil
	}},
	{"SANDBOX_TOKEN", "", "Bearer token of the built-in HubSpot sandbox. Generated into DATA_DIR when unset and shown to the boss.", func(c *Config, v string) error {
		if v != "" && len(v) < 16 {
			return errors.New("must be at least 16 characters")
		}
		c.SandboxToken = v
		return nil
	}},
	{"SANDBOX_BURST", "100", "Built-in sandbox: calls per rolling 10 s per token (HubSpot's TEN_SECONDLY_ROLLING); 0 turns the limit off.", intIn(0, 1_000_000, func(c *Config, n int) { c.SandboxBurst = n })},
	{"SANDBOX_DAILY", "250000", "Built-in sandbox: calls per day (UTC) per token (HubSpot's DAILY); 0 turns the limit off.", intIn(0, 1_000_000_000, func(c *Config, n int) { c.SandboxDaily = n })},
	{"SANDBOX_FAULT_ERROR_RATE", "0", "Built-in sandbox: share of calls (0 to 1) answered 500, 502, 503 or 504, for tests and demos.", fraction(func(c *Config, f float64) { c.SandboxFaultErrorRate = f })},
	{"SANDBOX_FAULT_LATENCY", "0s", "Built-in sandbox: delay added to every call, such as 200ms.", durationIn(0, time.Minute, func(c *Config, d time.Duration) { c.SandboxFaultLatency = d })},
	{"SANDBOX_FAULT_TIMEOUT_RATE", "0", "Built-in sandbox: share of calls (0 to 1) that hang until the client gives up.", fraction(func(c *Config, f float64) { c.SandboxFaultTimeoutRate = f })},
	{"SANDBOX_FAULT_401", "false", "Built-in sandbox: answer every call 401 INVALID_AUTHENTICATION.", boolean(func(c *Config, b bool) { c.SandboxFault401 = b })},
	{"SANDBOX_FAULT_403", "false", "Built-in sandbox: answer every authenticated call 403 MISSING_SCOPES.", boolean(func(c *Config, b bool) { c.SandboxFault403 = b })},
	{"SANDBOX_URL", "", "Base URL the simulation engine reaches the built-in sandbox at. Unset: http://127.0.0.1:<port of HTTP_ADDR>/sandbox/hubspot.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an http(s) URL such as http://127.0.0.1:8080/sandbox/hubspot, got %q", v)
		}
		c.SandboxURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"SIMCRM_ROLE", RoleAll, "What this process runs: all (web and workers), web, or worker.", func(c *Config, v string) error {
		switch v {
		case RoleAll, RoleWeb, RoleWorker:
			c.Role = v
			return nil
		}
		return fmt.Errorf("want all, web or worker, got %q", v)
	}},
	{"LOG_LEVEL", "info", "Log level: debug, info, warn or error.", func(c *Config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
			return nil
		}
		return fmt.Errorf("want debug, info, warn or error, got %q", v)
	}},
	{"SHUTDOWN_TIMEOUT", "20s", "How long a stopping process lets in-flight requests and jobs finish.", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 20s, got %q", v)
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"WORKER_CONCURRENCY", "32", "How many jobs one worker process runs at once.", intIn(1, 1024, func(c *Config, n int) { c.Concurrency = n })},
	{"PRIMARY_SHARDS", "1", "How many primary queues (simulation-jobs:0 … :N-1) records work is spread over, by simulation id. Changing it between restarts loses nothing: workers keep serving the old shards until they are empty.", intIn(1, MaxPrimaryShards, func(c *Config, n int) { c.PrimaryShards = n })},
	{"WORKER_QUEUES", "control,primary,secondary", "What a worker process serves: control (ticks), primary (every shard), secondary (activities), or queue names such as simulation-jobs:3, comma-separated.", func(c *Config, v string) error {
		qs, err := parseWorkerQueues(v)
		c.WorkerQueues = qs
		return err
	}},
	{"DLQ_SAMPLE_MAX", "25", "How many recent failed payloads each simulation keeps in sim:<id>:dlq:samples.", intIn(1, 1000, func(c *Config, n int) { c.DLQSampleMax = n })},
	{"DLQ_REPLAY_LIMIT_CAP", "50", "Most DLQ rows one replay call may replay.", intIn(1, 1000, func(c *Config, n int) { c.DLQReplayCap = n })},
	{"SIGNUP", SignupFirstOnly, "Who may create an account: first-only (the first account, the boss; then only invited people), invite (the same, said plainly) or open (anyone, as a player).", func(c *Config, v string) error {
		switch v {
		case SignupFirstOnly, SignupInvite, SignupOpen:
			c.Signup = v
			return nil
		}
		return fmt.Errorf("want first-only, invite or open, got %q", v)
	}},
	{"TRUSTED_PROXIES", "", "Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (e.g. 127.0.0.1/32,10.0.0.0/8). Unset: none; the connection's address and scheme count.", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !strings.Contains(part, "/") {
				ip, err := netip.ParseAddr(part)
				if err != nil {
					return fmt.Errorf("want addresses or CIDRs such as 10.0.0.0/8, got %q", part)
				}
				part = netip.PrefixFrom(ip, ip.BitLen()).String()
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return fmt.Errorf("want addresses or CIDRs such as 10.0.0.0/8, got %q", part)
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked().String())
		}
		return nil
	}},
	{"ALLOW_PRIVATE_TARGETS", "false", "Let HubSpot connections reach loopback, private, link-local and metadata addresses, and plain http (for a HubSpot stand-in on your own network).", boolean(func(c *Config, b bool) { c.AllowPrivateTargets = b })},
	{"METRICS_TOKEN", "", "Bearer token that may read /metrics (at least 16 characters). Unset: only a signed-in boss may.", func(c *Config, v string) error {
		if v != "" && len(v) < 16 {
			return errors.New("must be at least 16 characters")
		}
		c.MetricsToken = v
		return nil
	}},
	{"METRICS_ADDR", "", "Also serve /metrics alone on this address (e.g. 127.0.0.1:9090), for a scraper on the host or a private network; METRICS_TOKEN still applies there when set.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port such as 127.0.0.1:9090, got %q", v)
		}
		c.MetricsAddr = v
		return nil
	}},
	{"SMTP_URL", "", "SMTP server for notification e-mails: smtp://user:password@host:587?from=simcrm@example.com. Unset: no e-mail, webhooks only.", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "smtp" || u.Hostname() == "" || u.Query().Get("from") == "" {
			return errors.New("want smtp://user:password@host:port?from=address")
		}
		c.SMTPURL = v
		return nil
	}},
	{"THINNING_EVENTS_MAX", "200", "How many thinning decisions each simulation keeps in sim:<id>:thinning:events.", intIn(1, 10000, func(c *Config, n int) { c.ThinningMax = n })},
}

// JobTypes are the job types with their own attempts and backoff settings.
var JobTypes = []string{"contact", "company", "deal", "ticket", "note", "call", "task", "meeting"}

// Default retry profiles: records 3 attempts (1 s, 3 s, 9 s); activities 2 (2 s, 6 s).
func defaultRetry(jobType string) (int, []time.Duration) {
	switch jobType {
	case "note", "call", "task", "meeting":
		return 2, []time.Duration{2 * time.Second, 6 * time.Second}
	}
	return 3, []time.Duration{time.Second, 3 * time.Second, 9 * time.Second}
}

// Load reads the configuration from getenv (os.Getenv in production). Errors name
// the variable and what is wrong with it.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	for _, s := range Settings {
		v := getenv(s.Name)
		if v == "" {
			v = s.Default
		}
		if err := s.apply(&c, v); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", s.Name, err)
		}
	}
	if err := loadRetry(&c, getenv); err != nil {
		return Config{}, err
	}
	if err := resolveRedis(&c); err != nil {
		return Config{}, err
	}
	if c.SandboxURL == "" {
		c.SandboxURL = DefaultSandboxURL(c.HTTPAddr)
	}
	return c, nil
}

// NeedTokenKey is the check of a process that seals or opens HubSpot tokens (the
// server): with MYSQL_DSN, TOKEN_ENC_SECRET must be set, since a key generated
// into one replica's DATA_DIR would not open another's tokens. Operator commands
// that never touch tokens (user, token, migrate) skip it.
func (c Config) NeedTokenKey() error {
	if c.Production() && c.TokenEncSecret == nil {
		return errors.New("config: TOKEN_ENC_SECRET: required when MYSQL_DSN is set (32 bytes as base64 or hex, e.g. `openssl rand -base64 32`)")
	}
	return nil
}

// loadRetry reads <TYPE>_ATTEMPTS and <TYPE>_BACKOFF_MS, falling back to the legacy
// ATTEMPTS_<TYPE> and BACKOFF_<TYPE>; the new names win.
func loadRetry(c *Config, getenv func(string) string) error {
	c.Attempts = map[string]int{}
	c.Backoff = map[string][]time.Duration{}
	for _, jt := range JobTypes {
		up := strings.ToUpper(jt)
		attempts, backoff := defaultRetry(jt)
		name, v := firstSet(getenv, up+"_ATTEMPTS", "ATTEMPTS_"+up)
		if v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 25 {
				return fmt.Errorf("config: %s: want a whole number from 1 to 25, got %q", name, v)
			}
			attempts = n
		}
		name, v = firstSet(getenv, up+"_BACKOFF_MS", "BACKOFF_"+up)
		if v != "" {
			list, err := parseBackoff(v)
			if err != nil {
				return fmt.Errorf("config: %s: %w", name, err)
			}
			backoff = list
		}
		c.Attempts[jt] = attempts
		c.Backoff[jt] = backoff
	}
	return nil
}

// DefaultSandboxURL is the sandbox's base URL on this process's own web server:
// loopback at HTTP_ADDR's port.
func DefaultSandboxURL(httpAddr string) string {
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return "http://127.0.0.1:8080/sandbox/hubspot"
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/sandbox/hubspot"
}

// BackoffFor returns the delay before retry number n (1-based) of a job type; a
// short list repeats its last value.
func (c Config) BackoffFor(jobType string, n int) time.Duration {
	list := c.Backoff[jobType]
	if len(list) == 0 {
		_, list = defaultRetry(jobType)
	}
	if n < 1 {
		n = 1
	}
	if n > len(list) {
		return list[len(list)-1]
	}
	return list[n-1]
}

// AttemptsFor returns how many attempts a job type gets.
func (c Config) AttemptsFor(jobType string) int {
	if n, ok := c.Attempts[jobType]; ok {
		return n
	}
	n, _ := defaultRetry(jobType)
	return n
}

func firstSet(getenv func(string) string, names ...string) (string, string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return n, v
		}
	}
	return names[0], ""
}

func parseBackoff(v string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(v, ",") {
		ms, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || ms < 0 || ms > 3_600_000 {
			return nil, fmt.Errorf("want comma-separated milliseconds such as 1000,3000,9000, got %q", v)
		}
		out = append(out, time.Duration(ms)*time.Millisecond)
	}
	return out, nil
}

// fraction reads a share from 0 to 1.
func fraction(set func(*Config, float64)) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return fmt.Errorf("want a number from 0 to 1 such as 0.05, got %q", v)
		}
		set(c, f)
		return nil
	}
}

// durationIn reads a duration from lo to hi.
func durationIn(lo, hi time.Duration, set func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("want a duration from %v to %v such as 200ms, got %q", lo, hi, v)
		}
		set(c, d)
		return nil
	}
}

// boolean reads true or false.
func boolean(set func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		set(c, b)
		return nil
	}
}

func intIn(lo, hi int, set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d, got %q", lo, hi, v)
		}
		set(c, n)
		return nil
	}
}

func decodeKey(v string) ([]byte, error) {
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hexDecode,
	} {
		if b, err := dec(v); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("want 32 bytes encoded as base64 or hex (e.g. `openssl rand -base64 32`)")
}

func hexDecode(s string) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, errors.New("odd length")
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		n, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		b[i] = byte(n)
	}
	return b, nil
}

// EnsureSecrets fills secrets left unset from files in DataDir, generating them on
// first start, so the embedded default keeps working across restarts. With
// MYSQL_DSN the token key is never generated (see NeedTokenKey).
func EnsureSecrets(c *Config) error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: DATA_DIR: %w", err)
	}
	if c.TokenEncSecret == nil && !c.Production() {
		k, err := keyFile(c.DataDir, "token_enc_secret")
		if err != nil {
			return err
		}
		c.TokenEncSecret = k
	}
	if c.SessionSecret == nil {
		k, err := keyFile(c.DataDir, "session_secret")
		if err != nil {
			return err
		}
		c.SessionSecret = k
	}
	if c.SandboxToken == "" {
		k, err := keyFile(c.DataDir, "sandbox_token")
		if err != nil {
			return err
		}
		c.SandboxToken = "sandbox-" + base64.RawURLEncoding.EncodeToString(k)
	}
	return nil
}

func keyFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		k, err := decodeKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("config: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("config: generate %s: %w", name, err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return k, nil
}
