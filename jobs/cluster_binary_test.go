package jobs

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// cluster drives the real binary as an operator scaling out does: one web process
// (SIMCRM_ROLE=web, serving the API and the built-in sandbox) and worker
// processes (SIMCRM_ROLE=worker) on one MySQL database and one Redis, talking
// through the JSON API with a bearer token.
type cluster struct {
	t     testing.TB
	bin   string
	env   []string
	dir   string
	base  string // the web process's http://127.0.0.1:port
	token string
	dsn   string
	web   *proc
	procs []*proc
	logs  []string
	store *storage.Store
	check *testEnv
}

// proc is one running process of the cluster; done closes when it exits.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// scaleBinary is the binary the multi-process tests run (SIMCRM_SCALE_BIN, built
// by .ci/scale.sh); they skip without it.
func scaleBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SIMCRM_SCALE_BIN")
	if bin == "" {
		t.Skip("set SIMCRM_SCALE_BIN to a simcrm binary (.ci/scale.sh does)")
	}
	return bin
}

// newCluster prepares a fresh MySQL database (migrated, with a boss and an API
// token) for processes on redisURL; env adds settings for every process.
func newCluster(t testing.TB, bin, redisURL string, env ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: bin, dir: t.TempDir(), dsn: testenv.MySQLDSN(t)}
	port := testenv.FreePort(t)
	c.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	c.env = append(os.Environ(), "MYSQL_DSN="+c.dsn, "REDIS_URL="+redisURL, fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port),
		"SANDBOX_URL="+c.base+"/sandbox/hubspot", "DATA_DIR="+c.dir, "TOKEN_ENC_SECRET="+key, "SESSION_SECRET="+key,
		"SANDBOX_TOKEN=pat-na1-scale-sandbox-token-0123456789", "LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=5s",
		"METRICS_TOKEN="+clusterMetricsToken)
	c.env = append(c.env, env...)
	c.cli("migrate", "up")
	c.cli("user", "create", "--email", "ops@example.com", "--password", "ops-password-123", "--role", "boss")
	lines := strings.Fields(strings.TrimSpace(c.cli("token", "create", "ops@example.com")))
	c.token = lines[len(lines)-1]
	store, err := storage.Open(context.Background(), storage.MySQL, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.store = store
	c.check = &testEnv{t: t, dialect: testenv.Dialect{Name: storage.MySQL, DSN: c.dsn}, store: store, engine: &Engine{Worker: &Worker{core: &core{store: store}}}}
	t.Cleanup(func() {
		c.stopAll()
		store.Close()
		if t.Failed() {
			for _, l := range c.logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), b)
			}
		}
	})
	return c
}

func (c *cluster) cli(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("simcrm %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// start runs one process with extra settings, logging to its own file.
func (c *cluster) start(name string, env ...string) *proc {
	c.t.Helper()
	logPath := filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", name, len(c.logs)))
	f, err := os.Create(logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin)
	cmd.Env = append(append([]string{}, c.env...), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	c.procs = append(c.procs, p)
	c.logs = append(c.logs, logPath)
	return p
}

// startWeb runs the web process and waits for its /healthz.
func (c *cluster) startWeb(env ...string) {
	c.t.Helper()
	c.web = c.start("web", append([]string{"SIMCRM_ROLE=web"}, env...)...)
	waitUntil(c.t, 30*time.Second, "the web process up", func() bool {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

// startWorkers runs n worker processes and waits until /readyz counts them.
func (c *cluster) startWorkers(n int, env ...string) []*proc {
	c.t.Helper()
	var out []*proc
	want := c.workersAlive() + n
	for i := 0; i < n; i++ {
		out = append(out, c.start("worker", append([]string{"SIMCRM_ROLE=worker"}, env...)...))
	}
	waitUntil(c.t, 30*time.Second, fmt.Sprintf("%d workers alive", want), func() bool { return c.workersAlive() >= want })
	return out
}

// stop ends one process with SIGTERM (a clean stop) and waits for it.
func (c *cluster) stop(p *proc) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (c *cluster) stopAll() {
	for _, p := range c.procs {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// api calls the JSON API with the boss's token; out gets a 2xx body.
func (c *cluster) api(method, path string, body, out any) int {
	c.t.Helper()
	status, _ := callAPI(c.t, c.base, c.token, method, path, body, out)
	return status
}

// callAPI calls a running binary's JSON API with a bearer token and returns the
// status (0 when the process does not answer) and the body; out gets a 2xx body.
func callAPI(t testing.TB, base, token, method, path string, body, out any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, b
}

func (c *cluster) workersAlive() int {
	var r struct {
		Workers struct {
			Alive int `json:"alive"`
		} `json:"workers"`
	}
	c.api("GET", "/readyz", nil, &r)
	return r.Workers.Alive
}

// clusterMetricsToken lets the test scrape /metrics (METRICS_TOKEN).
const clusterMetricsToken = "cluster-metrics-token-0123456789"

// metrics is the web process's /metrics text.
func (c *cluster) metrics() string {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+clusterMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("/metrics: want 200, got %d", resp.StatusCode)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// sandboxAnswers sums the web process's request counts on the sandbox's routes by
// status ("429", "2xx" …: a status, or its first digit and "xx").
func (c *cluster) sandboxAnswers() map[string]int {
	out := map[string]int{}
	re := regexp.MustCompile(`(?m)^simcrm_http_request_duration_seconds_count\{method="[A-Z]+",route="/sandbox/hubspot[^"]*",status="(\d+)"\} (\d+)$`)
	for _, m := range re.FindAllStringSubmatch(c.metrics(), -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] += n
		out[m[1][:1]+"xx"] += n
	}
	return out
}

// backfill creates and starts a backfill of records (effective) records of
// scenario mid_market (volume multiplier 1) and returns its id.
func (c *cluster) backfill(name string, records int) int64 {
	c.t.Helper()
	end := time.Now().UTC().Truncate(time.Hour)
	var sim struct {
		ID             int64 `json:"id"`
		EffectiveTotal int   `json:"effectiveTotal"`
	}
	if code := c.api("POST", "/api/simulations", map[string]any{"name": name, "scenario": "mid_market", "distribution": "linear",
		"startTime": end.Add(-72 * time.Hour).Format(time.RFC3339), "endTime": end.Format(time.RFC3339), "totalRecords": records,
		"pace": "backfill", "target": "sandbox", "seed": 11}, &sim); code != http.StatusCreated && code != http.StatusOK {
		c.t.Fatalf("create: %d", code)
	}
	if sim.EffectiveTotal != records {
		c.t.Fatalf("mid_market should keep the requested total: %d records, %d effective", records, sim.EffectiveTotal)
	}
	if code := c.api("POST", fmt.Sprintf("/api/simulations/%d/start", sim.ID), nil, nil); code != http.StatusOK {
		c.t.Fatalf("start: %d", code)
	}
	return sim.ID
}

// waitCompleted waits for a simulation to complete and checks that the sandbox
// holds exactly its plan, once each, and that the metrics API agrees.
func (c *cluster) waitCompleted(id int64, within time.Duration) storage.Simulation {
	c.t.Helper()
	var m struct {
		Status  string           `json:"status"`
		Created map[string]int64 `json:"created"`
	}
	waitUntil(c.t, within, fmt.Sprintf("simulation %d completed", id), func() bool {
		c.api("GET", fmt.Sprintf("/api/simulations/%d/metrics", id), nil, &m)
		return m.Status == storage.StatusCompleted
	})
	s, err := c.store.Simulation(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	c.check.checkExact(s)
	for kind, n := range c.check.planOf(s) {
		if p := pluralOf(kind); m.Created[p] != int64(n) {
			c.t.Errorf("%s: metrics say %d created, the plan has %d", p, m.Created[p], n)
		}
	}
	return s
}

// metricSample reads one sample of a /metrics text; ok is false when absent.
func metricSample(body, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}
