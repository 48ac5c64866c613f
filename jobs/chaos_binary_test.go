package jobs

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// TestChaosBinary runs the real binary (SIMCRM_CHAOS_BIN, built by .ci/chaos.sh)
// on MySQL and a private redis-server, creates b2b backfills through the JSON API
// with a bearer token from `simcrm token create` (the sandbox answers after 200 ms,
// so jobs are in flight), and interrupts them: (a) SIGTERM three times, restarting
// each time — every planned object must be created once, nothing thinned or
// failed; (b) SIGKILL plus FLUSHALL, then a restart; (c) FLUSHALL under a running
// process. Every run must account for each planned object by key: created,
// thinned, failed or blocked, never created and skipped at once, never twice in
// the sandbox.
func TestChaosBinary(t *testing.T) {
	bin := os.Getenv("SIMCRM_CHAOS_BIN")
	if bin == "" {
		t.Skip("set SIMCRM_CHAOS_BIN to a simcrm binary (.ci/chaos.sh does)")
	}
	redisServer, err := exec.LookPath("redis-server")
	testenv.Require(t, err == nil, "redis-server is not installed")
	dsn := testenv.MySQLDSN(t)
	dir := t.TempDir()

	redisPort := freePort(t)
	rs := exec.Command(redisServer, "--port", strconv.Itoa(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := rs.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Process.Kill(); _ = rs.Wait() })
	rc := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", redisPort)})
	t.Cleanup(func() { rc.Close() })
	waitUntil(t, 10*time.Second, "redis-server", func() bool { return rc.Ping(context.Background()).Err() == nil })

	httpPort := freePort(t)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	env := append(os.Environ(),
		"MYSQL_DSN="+dsn, fmt.Sprintf("REDIS_URL=redis://127.0.0.1:%d/0", redisPort),
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", httpPort), "DATA_DIR="+dir, "TOKEN_ENC_SECRET="+key, "SESSION_SECRET="+key,
		"SANDBOX_TOKEN=pat-na1-chaos-sandbox-token-0123456789", "SANDBOX_BURST=0", "SANDBOX_DAILY=0",
		"SANDBOX_FAULT_LATENCY=200ms", "LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=20s")
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("simcrm %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cli("migrate", "up")
	cli("user", "create", "--email", "chaos@example.com", "--password", "chaos-password-123", "--role", "boss")
	lines := strings.Fields(strings.TrimSpace(cli("token", "create", "chaos@example.com")))
	token := lines[len(lines)-1]

	logFile, err := os.Create(filepath.Join(dir, "simcrm.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	var server *exec.Cmd
	start := func() {
		t.Helper()
		server = exec.Command(bin)
		server.Env, server.Stdout, server.Stderr = env, logFile, logFile
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "the server up", func() bool {
			resp, err := http.Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		})
	}
	start()
	t.Cleanup(func() {
		if server.ProcessState == nil {
			_ = server.Process.Kill()
			_ = server.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("server log:\n%s", b)
		}
	})
	api := func(method, path string, body any, out any) int {
		t.Helper()
		status, b := callAPI(t, base, token, method, path, body, out)
		if status >= 300 {
			t.Logf("%s %s: %d %s", method, path, status, b)
		}
		return status
	}
	type metrics struct {
		Status  string           `json:"status"`
		Created map[string]int64 `json:"created"`
		Source  string           `json:"source"`
	}

	store, err := storage.Open(context.Background(), storage.MySQL, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	check := &testEnv{t: t, dialect: testenv.Dialect{Name: storage.MySQL, DSN: dsn}, store: store, engine: &Engine{Worker: &Worker{core: &core{store: store}}}}

	// Each case interrupts one backfill at fractions of its planned objects.
	cases := []struct {
		name    string
		records int
		at      []float64
		exact   bool // every planned object created: nothing thinned, nothing failed
	}{
		{"SIGTERM", 5000, []float64{0.2, 0.45, 0.7}, true}, // about 15,000 objects
		{"kill -9 + FLUSHALL", 2000, []float64{0.3}, false},
		{"FLUSHALL", 2000, []float64{0.3}, false},
	}
	for _, c := range cases {
		end := time.Now().UTC().Truncate(time.Hour)
		var created struct {
			ID             int64 `json:"id"`
			EffectiveTotal int   `json:"effectiveTotal"`
		}
		if code := api("POST", "/api/simulations", map[string]any{"name": "chaos " + c.name, "scenario": "b2b", "distribution": "linear",
			"startTime": end.Add(-48 * time.Hour).Format(time.RFC3339), "endTime": end.Format(time.RFC3339), "totalRecords": c.records,
			"pace": "backfill", "target": "sandbox", "seed": 7}, &created); code != http.StatusCreated && code != http.StatusOK {
			t.Fatalf("create: %d", code)
		}
		if code := api("POST", fmt.Sprintf("/api/simulations/%d/start", created.ID), nil, nil); code != http.StatusOK {
			t.Fatalf("start: %d", code)
		}
		s, err := store.Simulation(context.Background(), created.ID)
		if err != nil {
			t.Fatal(err)
		}
		plan := check.planOf(s)
		planned := 0
		for _, n := range plan {
			planned += n
		}
		for _, share := range c.at {
			var have int64
			waitUntil(t, 3*time.Minute, fmt.Sprintf("%.0f%% of the planned objects created", share*100), func() bool {
				l, _ := store.LedgerCounts(context.Background(), s.ID)
				have = 0
				for _, n := range l {
					have += n
				}
				return have >= int64(share*float64(planned))
			})
			switch c.name {
			case "SIGTERM":
				began := time.Now()
				if err := server.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				_ = server.Wait()
				t.Logf("SIGTERM at %d of %d objects: the process took %s to stop (exit %d)", have, planned,
					time.Since(began).Round(time.Millisecond), server.ProcessState.ExitCode())
				if !server.ProcessState.Success() {
					t.Errorf("SIGTERM: want a clean exit, got %v", server.ProcessState)
				}
				start()
			case "kill -9 + FLUSHALL":
				if err := server.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				_ = server.Wait()
				if err := rc.FlushAll(context.Background()).Err(); err != nil {
					t.Fatal(err)
				}
				t.Logf("kill -9 and FLUSHALL at %d of %d objects", have, planned)
				start()
			case "FLUSHALL":
				if err := rc.FlushAll(context.Background()).Err(); err != nil {
					t.Fatal(err)
				}
				t.Logf("FLUSHALL at %d of %d objects", have, planned)
			}
		}
		var m metrics
		began := time.Now()
		waitUntil(t, 5*time.Minute, "the simulation finished after "+c.name, func() bool {
			api("GET", fmt.Sprintf("/api/simulations/%d/metrics", s.ID), nil, &m)
			return m.Status == storage.StatusCompleted || m.Status == storage.StatusCompletedWithFailures || m.Status == storage.StatusFailed
		})
		t.Logf("%s: %s %s later; metrics from %s: %v", c.name, m.Status, time.Since(began).Round(time.Second), m.Source, m.Created)
		if s, err = store.Simulation(context.Background(), s.ID); err != nil {
			t.Fatal(err)
		}
		thinned, failed := check.checkAccounted(s)
		t.Logf("%s: %d thinned, %d failed", c.name, thinned, failed)
		if c.exact {
			check.checkExact(s)
			if thinned != 0 || failed != 0 || m.Status != storage.StatusCompleted {
				t.Errorf("%s: want every object created and %q, got %d thinned, %d failed, %q", c.name, storage.StatusCompleted, thinned, failed, m.Status)
			}
		}
		ledger, err := store.LedgerCounts(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for kind, n := range ledger {
			if p := pluralOf(kind); m.Created[p] != n {
				t.Errorf("%s: metrics say %d created, the ledger has %d", p, m.Created[p], n)
			}
		}
	}
}

func pluralOf(kind string) string {
	if kind == "company" {
		return "companies"
	}
	return kind + "s"
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
