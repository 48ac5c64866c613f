package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// exporter serves /metrics: request metrics observed by middleware, and the
// stores' state read at scrape time.
type exporter struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
}

func newExporter(h *handler) *exporter {
	reg := prometheus.NewRegistry()
	e := &exporter{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "simcrm_http_request_duration_seconds",
			Help:    "HTTP requests by method, route and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(e.requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{h: h}, newOperatorCollector(h))
	return e
}

// observe records each request's duration under its route pattern (not its path,
// which would explode the label set).
func (e *exporter) observe(c *fiber.Ctx) error {
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
	e.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

func (e *exporter) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{}))
}

var (
	descUp          = prometheus.NewDesc("simcrm_store_up", "Whether a store answers (1) or not (0).", []string{"store"}, nil)
	descSimulations = prometheus.NewDesc("simcrm_simulations", "Simulations by state.", []string{"status"}, nil)
	descDLQ         = prometheus.NewDesc("simcrm_dlq_open_entries", "Open DLQ rows by failure category.", []string{"category"}, nil)
	descLedger      = prometheus.NewDesc("simcrm_ledger_objects", "Objects SimCRM created in its targets (ledger rows).", nil, nil)
)

// storeCollector reads the database's tallies at scrape time.
type storeCollector struct{ h *handler }

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descSimulations
	ch <- descDLQ
	ch <- descLedger
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, b2f(s.h.store.Up()), "database")
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, b2f(s.h.redis.Up()), "redis")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := s.h.store.Stats(ctx)
	if err != nil {
		s.h.log.Warn("metrics: database stats", "err", err)
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
