package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/siogo/siogo/socketio"
)

type socketMetrics struct {
	open           *prometheus.GaugeVec
	connects       *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	connectRefused *prometheus.CounterVec
	eventsIn       *prometheus.CounterVec
	eventsOut      *prometheus.CounterVec
	ackTimeouts    *prometheus.CounterVec
	parseErrors    prometheus.Counter
	invalidNsp     prometheus.Counter
}

// nsMetrics are the collectors of one namespace label, resolved once.
type nsMetrics struct {
	label          string
	open           prometheus.Gauge
	connects       prometheus.Counter
	connectRefused prometheus.Counter
	eventsIn       prometheus.Counter
	eventsOut      prometheus.Counter
	ackTimeouts    prometheus.Counter
}

func (s *socketMetrics) init(f factory) {
	s.open = f.gaugeVec("open_sockets", "Connected Socket.IO sockets, by namespace.", "namespace")
	s.connects = f.counterVec("connects_total", "Sockets connected to a namespace.", "namespace")
	s.disconnects = f.counterVec("disconnects_total", "Sockets disconnected from a namespace, by reason.", "namespace", "reason")
	s.connectRefused = f.counterVec("connect_refused_total", "Connections to a namespace refused by a middleware.", "namespace")
	s.eventsIn = f.counterVec("events_received_total", "Socket.IO events received from clients.", "namespace")
	s.eventsOut = f.counterVec("events_sent_total", "Socket.IO events sent to clients, one per recipient socket.", "namespace")
	s.ackTimeouts = f.counterVec("ack_timeouts_total", "EmitWithAck calls, to a socket or a broadcast, that timed out.", "namespace")
	s.invalidNsp = f.counter("invalid_namespace_total", "CONNECTs to a namespace that does not exist.")
	s.parseErrors = f.counter("parse_errors_total", "Socket.IO packets from clients that failed to decode.")
}

func (s *socketMetrics) forNamespace(label string) *nsMetrics {
	return &nsMetrics{
		label:          label,
		open:           s.open.WithLabelValues(label),
		connects:       s.connects.WithLabelValues(label),
		connectRefused: s.connectRefused.WithLabelValues(label),
		eventsIn:       s.eventsIn.WithLabelValues(label),
		eventsOut:      s.eventsOut.WithLabelValues(label),
		ackTimeouts:    s.ackTimeouts.WithLabelValues(label),
	}
}

// socketHooks returns the hooks that feed the Socket.IO metrics.
func (m *Metrics) socketHooks() *socketio.Hooks {
	return &socketio.Hooks{
		Connected: func(namespace string) {
			nm := m.namespace(namespace)
			nm.connects.Inc()
			nm.open.Inc()
		},
		Disconnected: func(namespace, reason string) {
			nm := m.namespace(namespace)
			nm.open.Dec()
			m.sockets.disconnects.WithLabelValues(nm.label, reason).Inc()
		},
		ConnectRefused: func(namespace string, _ error) {
			m.namespace(namespace).connectRefused.Inc()
		},
		InvalidNamespace: func() { m.sockets.invalidNsp.Inc() },
		EventIn: func(namespace string, _ int) {
			m.namespace(namespace).eventsIn.Inc()
		},
		EventOut: func(namespace string, _, sockets int) {
			if sockets > 0 {
				m.namespace(namespace).eventsOut.Add(float64(sockets))
			}
		},
		AckTimeout: func(namespace string) {
			m.namespace(namespace).ackTimeouts.Inc()
		},
		ParseError: func(error) { m.sockets.parseErrors.Inc() },
	}
}
