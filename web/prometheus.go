package web

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/simcrm/simcrm/storage"
)

// Metrics is SimCRM's Prometheus exporter: request metrics observed by
// middleware, log-in checks, and the stores' state read at scrape time. The web
// app serves it at /metrics to METRICS_TOKEN or a boss; Handler serves it alone
// (METRICS_ADDR).
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	loginChecks prometheus.Counter
}

// NewMetrics builds the exporter over the stores.
func NewMetrics(store *storage.Store, rdb *storage.Redis, log *slog.Logger) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "simcrm_http_request_duration_seconds",
			Help:    "HTTP requests by method, route and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status"}),
		loginChecks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "simcrm_login_password_checks_total",
			Help: "Passwords compared by the log-in form (throttled attempts are not).",
		}),
	}
	reg.MustRegister(m.requests, m.loginChecks, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{store: store, redis: rdb, log: log}, newOperatorCollector(rdb))
	return m
}

// observe records each request's duration under its route pattern (not its path,
// which would explode the label set).
func (m *Metrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else {
			status = fiber.StatusInternalServerError
		}
	}
	// Copies: the vector keeps its label values, and Fiber's point into buffers it
	// reuses for the next request (the method always does).
	method, route := strings.Clone(c.Method()), strings.Clone(c.Route().Path)
	if status == fiber.StatusNotFound {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

func (m *Metrics) promHandler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) fiberHandler() fiber.Handler { return adaptor.HTTPHandler(m.promHandler()) }

// Handler serves the metrics alone, for METRICS_ADDR: to anyone who reaches the
// address, or only with "Authorization: Bearer <token>" when token is set.
func (m *Metrics) Handler(token string) http.Handler {
	prom := m.promHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if token != "" && !bearerIs(r.Header.Get("Authorization"), token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "send Authorization: Bearer <METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		prom.ServeHTTP(w, r)
	})
}

// bearerIs reports, in constant time, whether an Authorization header carries token.
func bearerIs(authz, token string) bool {
	got, ok := strings.CutPrefix(authz, "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// requireMetricsReader lets /metrics through for METRICS_TOKEN or a boss; anyone
// else gets 401.
func (h *handler) requireMetricsReader(c *fiber.Ctx) error {
	if c.Locals(localMetrics) == true {
		return c.Next()
	}
	if u := currentUser(c); u != nil && u.IsBoss() {
		return c.Next()
	}
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
	return c.Status(fiber.StatusUnauthorized).SendString("send Authorization: Bearer <METRICS_TOKEN>, or sign in as a boss")
}

var (
	descUp          = prometheus.NewDesc("simcrm_store_up", "Whether a store answers (1) or not (0).", []string{"store"}, nil)
	descSimulations = prometheus.NewDesc("simcrm_simulations", "Simulations by state.", []string{"status"}, nil)
	descDLQ         = prometheus.NewDesc("simcrm_dlq_open_entries", "Open DLQ rows by failure category.", []string{"category"}, nil)
	descLedger      = prometheus.NewDesc("simcrm_ledger_objects", "Objects SimCRM created in its targets (ledger rows).", nil, nil)
)

// storeCollector reads the database's tallies at scrape time.
type storeCollector struct {
	store *storage.Store
	redis *storage.Redis
	log   *slog.Logger
}

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descSimulations
	ch <- descDLQ
	ch <- descLedger
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, b2f(s.store.Up()), "database")
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, b2f(s.redis.Up()), "redis")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := s.store.Stats(ctx)
	if err != nil {
		s.log.Warn("metrics: database stats", "err", err)
		return
	}
	for status, n := range st.SimulationsByStatus {
		ch <- prometheus.MustNewConstMetric(descSimulations, prometheus.GaugeValue, float64(n), status)
	}
	for cat, n := range st.OpenDLQByCategory {
		ch <- prometheus.MustNewConstMetric(descDLQ, prometheus.GaugeValue, float64(n), cat)
	}
	ch <- prometheus.MustNewConstMetric(descLedger, prometheus.GaugeValue, float64(st.LedgerObjects))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
