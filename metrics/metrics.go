package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configures Metrics. The zero value registers everything in a
// new registry, with the Go runtime and process collectors, and serves
// that registry.
type Options struct {
	// Registerer receives the metrics. Nil: a new registry.
	Registerer prometheus.Registerer

	// Gatherer is what Handler serves. Nil: the new registry when
	// Registerer is nil too; otherwise Registerer if it is a Gatherer (a
	// *prometheus.Registry), else prometheus.DefaultGatherer. When
	// Gatherer is set and Registerer is not, Handler serves both
	// Gatherer and the new registry.
	Gatherer prometheus.Gatherer

	// Namespace is the prefix of every metric name. Default "siogo".
	Namespace string
}

// Metrics holds the collectors of one server. Its methods are safe for
// concurrent use.
type Metrics struct {
	gatherer prometheus.Gatherer
	engine   engineMetrics
	sockets  socketMetrics

	rateLimited   *prometheus.CounterVec
	authRefused   *prometheus.CounterVec
	joinRefused   *prometheus.CounterVec
	adapterErrors *prometheus.CounterVec

	// Bounds on label values the application passes in.
	codes, kinds, ops labelSet

	mu   sync.Mutex
	nsps sync.Map // namespace name -> *nsMetrics
	// Guarded by mu:
	byLabel map[string]*nsMetrics
	names   int // entries of nsps
}

// New creates the metrics and registers them. It panics if a metric
// cannot be registered (an invalid Namespace, or a registry that already
// has a different metric of the same name); metrics of the same
// definition already registered, by an earlier New, are shared.
func New(opts Options) *Metrics {
	if opts.Namespace == "" {
		opts.Namespace = "siogo"
	}
	reg, gat := opts.Registerer, opts.Gatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = r
		if gat == nil {
			gat = r
		} else {
			gat = prometheus.Gatherers{gat, r}
		}
	} else if gat == nil {
		if g, ok := reg.(prometheus.Gatherer); ok {
			gat = g
		} else {
			gat = prometheus.DefaultGatherer
		}
	}
	m := &Metrics{
		gatherer: gat,
		codes:    labelSet{max: maxLabelValues},
		kinds:    labelSet{max: maxLabelValues},
		ops:      labelSet{max: maxLabelValues},
		byLabel:  make(map[string]*nsMetrics),
	}
	f := factory{reg: reg, ns: opts.Namespace}
	m.engine.init(f)
	m.sockets.init(f)
	m.rateLimited = f.counterVec("rate_limited_total", "Events and connections refused by a rate limit, by kind (\"event\" or \"connection\").", "namespace", "kind")
	m.authRefused = f.counterVec("auth_refused_total", "Connections refused by authentication, by code.", "namespace", "code")
	m.joinRefused = f.counterVec("join_refused_total", "Room joins refused by authorization.", "namespace")
	m.adapterErrors = f.counterVec("adapter_errors_total", "Failures of the cluster adapter, by operation.", "op")
	return m
}

// Handler serves the metrics in the Prometheus exposition format, for a
// route such as /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}

// RateLimited counts an event (kind "event") or a connection (kind
// "connection") refused by a rate limit. namespace may be "" for limits
// applied before any namespace, such as the HTTP handshake.
func (m *Metrics) RateLimited(namespace, kind string) {
	m.rateLimited.WithLabelValues(m.nsLabel(namespace), m.kinds.label(kind)).Inc()
}

// AuthRefused counts a connection to namespace refused by authentication,
// with a short code of the reason ("expired", "invalid", ...).
func (m *Metrics) AuthRefused(namespace, code string) {
	m.authRefused.WithLabelValues(m.nsLabel(namespace), m.codes.label(code)).Inc()
}

// JoinRefused counts a room join refused in namespace.
func (m *Metrics) JoinRefused(namespace string) {
	m.joinRefused.WithLabelValues(m.nsLabel(namespace)).Inc()
}

// AdapterErrorHook returns the function to pass as the Redis adapter's
// Options.OnError: it counts the failures by operation.
func (m *Metrics) AdapterErrorHook() func(op string, err error) {
	return func(op string, _ error) {
		m.adapterErrors.WithLabelValues(m.ops.label(op)).Inc()
	}
}

// factory makes collectors under one prefix and registers them.
type factory struct {
	reg prometheus.Registerer
	ns  string
}

func (f factory) counter(name, help string) prometheus.Counter {
	return register(f.reg, prometheus.NewCounter(prometheus.CounterOpts{Namespace: f.ns, Name: name, Help: help}))
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return register(f.reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: f.ns, Name: name, Help: help}, labels))
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return register(f.reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: f.ns, Name: name, Help: help}, labels))
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	return register(f.reg, prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: f.ns, Name: name, Help: help, Buckets: buckets}))
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return register(f.reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: f.ns, Name: name, Help: help, Buckets: buckets}, labels))
}

// register registers c, or returns the identical collector registered
// before it.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(fmt.Sprintf("metrics: %v", err))
}
