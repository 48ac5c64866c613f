package ratelimit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
)

// The helper process reads its orders from these variables.
const (
	envHelper   = "SIMCRM_TWOPROC_HELPER"
	envBase     = "SIMCRM_TWOPROC_BASE"
	envRedis    = "SIMCRM_TWOPROC_REDIS"
	envStartMS  = "SIMCRM_TWOPROC_START_MS"
	envDuration = "SIMCRM_TWOPROC_DURATION"
	// envBenchDuration sets how long both processes push (default 30s).
	envBenchDuration = "SIMCRM_BENCH_DURATION"
	resultPrefix     = "TWOPROC-RESULT "
	twoProcConn      = "bench-two-processes"
	pushWorkers      = 8
)

// pushResult is what one process did, as it saw it.
type pushResult struct {
	Calls    int `json:"calls"`    // batch calls sent
	Created  int `json:"created"`  // records the sandbox confirmed
	Got429   int `json:"got429"`   // 429 answers
	Errors   int `json:"errors"`   // other failures
	Waited   int `json:"waited"`   // reservations the window refused (then waited)
	Tightens int `json:"tightens"` // responses whose headers were folded into the window
}

// pushOrders tell one process where to push and for how long.
type pushOrders struct {
	name     string
	base     string
	redisURL string
	start    time.Time
	duration time.Duration
}

// pushBatches is one process pushing batch creates of 100 contacts as fast as the
// shared window allows, from start until start+duration, with pushWorkers workers.
func pushBatches(o pushOrders) (pushResult, error) {
	opt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return pushResult{}, err
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	w, err := ratelimit.NewWindow(rdb, twoProcConn, ratelimit.LimitsFor(ratelimit.TierFree))
	if err != nil {
		return pushResult{}, err
	}
	ctx := context.Background()
	var mu sync.Mutex
	var res pushResult
	add := func(f func(r *pushResult)) { mu.Lock(); f(&res); mu.Unlock() }
	client, err := hubspot.NewClient(o.base, benchToken, hubspot.WithTimeout(10*time.Second), hubspot.WithRateObserver(func(info hubspot.RateLimitInfo) {
		if !info.HasWindow || info.Max <= 0 {
			return
		}
		if err := w.Tighten(ctx, ratelimit.Headers{Max: info.Max, Remaining: info.Remaining, IntervalMillis: info.IntervalMilliseconds}); err == nil {
			add(func(r *pushResult) { r.Tightens++ })
		}
	}))
	if err != nil {
		return pushResult{}, err
	}
	time.Sleep(time.Until(o.start))
	end := o.start.Add(o.duration)
	var wg sync.WaitGroup
	var firstErr error
	for worker := range pushWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; time.Now().Before(end); seq++ {
				r, err := w.Reserve(ctx, 1)
				if err != nil {
					add(func(p *pushResult) { p.Errors++; firstErr = cmpErr(firstErr, err) })
					return
				}
				if !r.OK {
					add(func(p *pushResult) { p.Waited++ })
					time.Sleep(min(r.RetryIn, time.Until(end)+time.Millisecond))
					continue
				}
				inputs := make([]hubspot.ObjectInput, hubspot.MaxBatchSize)
				for i := range inputs {
					inputs[i] = hubspot.ObjectInput{Properties: map[string]string{
						"email":     fmt.Sprintf("%s-w%d-%d-%d@bench.example", o.name, worker, seq, i),
						"firstname": "Bench", "lastname": o.name,
					}}
				}
				out, err := client.BatchCreate(ctx, hubspot.Contacts, inputs)
				var he *hubspot.Error
				switch {
				case errors.As(err, &he) && he.StatusCode == http.StatusTooManyRequests:
					add(func(p *pushResult) { p.Calls++; p.Got429++ })
					_, _ = w.Rejected(ctx, ratelimit.Rejection{Policy: ratelimit.Policy(he.PolicyName), RetryAfter: he.RetryAfter})
				case err != nil:
					add(func(p *pushResult) { p.Calls++; p.Errors++; firstErr = cmpErr(firstErr, err) })
				default:
					add(func(p *pushResult) { p.Calls++; p.Created += len(out.Results) })
				}
			}
		}()
	}
	wg.Wait()
	if res.Calls == 0 && firstErr != nil {
		return res, firstErr
	}
	return res, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// TestHelperProcess is the second process of BenchmarkTwoProcessesShareOneWindow;
// run alone it does nothing.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	startMS, _ := strconv.ParseInt(os.Getenv(envStartMS), 10, 64)
	dur, _ := time.ParseDuration(os.Getenv(envDuration))
	res, err := pushBatches(pushOrders{name: "child", base: os.Getenv(envBase), redisURL: os.Getenv(envRedis),
		start: time.UnixMilli(startMS), duration: dur})
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	b, _ := json.Marshal(res)
	fmt.Println(resultPrefix + string(b))
}

// sandboxLog records every call the sandbox answers: when it arrived and its status.
type sandboxLog struct {
	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	at     time.Time
	status int
}

func (l *sandboxLog) record(c *fiber.Ctx) error {
	at := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		}
	}
	l.mu.Lock()
	l.calls = append(l.calls, loggedCall{at: at, status: status})
	l.mu.Unlock()
	return err
}

func (l *sandboxLog) reset() []loggedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

// windowFigures are the sandbox's view of a run.
type windowFigures struct {
	accepted, rejected429, other int
	maxInWindow                  int // most accepted calls in any rolling 10 s
}

// figures counts calls and slides a 10-s window over the accepted ones, the way
// the sandbox counts (a call at t is in the window (now-10s, now]).
func figures(calls []loggedCall) windowFigures {
	var f windowFigures
	var times []time.Time
	for _, c := range calls {
		switch {
		case c.status == http.StatusTooManyRequests:
			f.rejected429++
		case c.status >= 200 && c.status < 300:
			f.accepted++
			times = append(times, c.at)
		default:
			f.other++
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	lo := 0
	for hi, t := range times {
		for !times[lo].After(t.Add(-10 * time.Second)) {
			lo++
		}
		f.maxInWindow = max(f.maxInWindow, hi-lo+1)
	}
	return f
}

// BenchmarkTwoProcessesShareOneWindow is the acceptance run for the shared limiter:
// two OS processes (this one and a re-executed helper) on one Redis and one sandbox
// token push batch creates of 100 contacts as fast as they can against a sandbox
// that enforces 100 calls per rolling 10 s. It reports what the sandbox saw: the
// most calls in any rolling 10 s (must stay ≤ 100), the 429s (must be 0), the share
// of the allowed calls used (must be ≥ 95%) and the records per second.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go test ./internal/ratelimit -run '^$' -bench TwoProcesses -benchtime 1x
//
// SIMCRM_BENCH_DURATION changes the 30-s run (e.g. 12s for a quick look).
func BenchmarkTwoProcessesShareOneWindow(b *testing.B) {
	testenv.Require(b, os.Getenv("REDIS_URL") != "", "REDIS_URL is not set (two processes need one real Redis)")
	dur := 30 * time.Second
	if s := os.Getenv(envBenchDuration); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second {
			b.Fatalf("%s: want a duration of at least 1s such as 30s, got %q", envBenchDuration, s)
		}
		dur = d
	}
	redisURL := testenv.RedisURL(b)
	opt, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opt)
	b.Cleanup(func() { rdb.Close() })

	limits := sandbox.Limits{Burst: 100, SearchPerSecond: 5}
	sb, _ := serveSandbox(b, sandbox.Options{Limits: limits})
	log := &sandboxLog{}
	front := fiber.New(fiber.Config{DisableStartupMessage: true, BodyLimit: 16 << 20})
	front.Use(log.record)
	front.Mount(sandbox.MountPath, sb.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = front.Listener(ln) }()
	b.Cleanup(func() { _ = front.ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String() + sandbox.MountPath

	var last windowFigures
	var lastParent, lastChild pushResult
	b.ResetTimer()
	for range b.N {
		ctx := context.Background()
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		if err := sb.Reset(ctx); err != nil {
			b.Fatal(err)
		}
		log.reset()
		start := time.Now().Add(2 * time.Second) // time for the helper to start
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), envHelper+"=1", envBase+"="+base, envRedis+"="+redisURL,
			envStartMS+"="+strconv.FormatInt(start.UnixMilli(), 10), envDuration+"="+dur.String())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		parent, err := pushBatches(pushOrders{name: "parent", base: base, redisURL: redisURL, start: start, duration: dur})
		if err != nil {
			b.Fatalf("parent: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("helper process: %v\n%s", err, out.String())
		}
		child, err := helperResult(out.Bytes())
		if err != nil {
			b.Fatalf("helper process: %v\n%s", err, out.String())
		}
		time.Sleep(200 * time.Millisecond) // let the last answers reach the log
		last, lastParent, lastChild = figures(log.reset()), parent, child
	}
	b.StopTimer()

	// A rolling window lets Burst calls into each 10 s started: 100 at 0 s, 10 s and
	// 20 s of a 30-s run.
	allowed := float64(limits.Burst) * math.Ceil(dur.Seconds()/10)
	used := 100 * float64(last.accepted) / allowed
	records := lastParent.Created + lastChild.Created
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(last.maxInWindow), "max-calls/10s")
	b.ReportMetric(float64(last.accepted)*10/dur.Seconds(), "calls/10s")
	b.ReportMetric(float64(last.rejected429), "429s")
	b.ReportMetric(used, "%allowed-used")
	b.ReportMetric(float64(records)/dur.Seconds(), "records/s")
	b.Logf("%s run: sandbox saw %d accepted calls, %d 429s, %d other answers; at most %d in any rolling 10 s; %.1f%% of the %.0f allowed; "+
		"parent %+v, helper %+v", dur, last.accepted, last.rejected429, last.other, last.maxInWindow, used, allowed, lastParent, lastChild)
	switch {
	case last.rejected429 > 0 || lastParent.Got429+lastChild.Got429 > 0:
		b.Errorf("429s: want 0, sandbox saw %d (parent %d, helper %d)", last.rejected429, lastParent.Got429, lastChild.Got429)
	case last.maxInWindow > limits.Burst:
		b.Errorf("calls in a rolling 10 s: want at most %d, got %d", limits.Burst, last.maxInWindow)
	case used < 95:
		b.Errorf("allowed calls used: want at least 95%%, got %.1f%%", used)
	case lastParent.Calls == 0 || lastChild.Calls == 0:
		b.Errorf("both processes must have called: parent %d, helper %d", lastParent.Calls, lastChild.Calls)
	case last.other > 0 || lastParent.Errors+lastChild.Errors > 0:
		b.Errorf("other failures: sandbox %d, parent %d, helper %d", last.other, lastParent.Errors, lastChild.Errors)
	}
}

// helperResult finds the helper's result line in its output.
func helperResult(out []byte) (pushResult, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), resultPrefix); ok {
			var r pushResult
			return r, json.Unmarshal([]byte(line), &r)
		}
	}
	return pushResult{}, errors.New("no result line")
}
