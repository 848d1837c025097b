package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/siogo/siogo/engineio"
)

// Label values of the transports; the hooks' "" (a request naming no known
// transport) is "unknown".
var transports = [...]string{engineio.Polling, engineio.WebSocket}

// packetTypes are the Engine.IO packet types the hooks report.
var packetTypes = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

const messageType = 4 // index of "message" in packetTypes

// messageSizeBuckets: 16 B to 1 MB, times 4.
var messageSizeBuckets = prometheus.ExponentialBuckets(16, 4, 9)

// requestBuckets are the default buckets and more: a polling GET may wait
// for data up to the ping interval, 25 s by default.
var requestBuckets = append(append([]float64(nil), prometheus.DefBuckets...), 30, 60)

// direction is the collectors of one direction, in or out. Those of the
// known transports and packet types are resolved once, so the per-packet
// hooks only add.
type direction struct {
	packetsVec, bytesVec *prometheus.CounterVec
	packets              [len(transports)][len(packetTypes)]prometheus.Counter
	bytes                [len(transports)]prometheus.Counter
	size                 prometheus.Histogram
}

func (d *direction) init(f factory, verb string) {
	d.packetsVec = f.counterVec("engine_packets_"+verb+"_total", "Engine.IO packets "+verb+", by transport and packet type.", "transport", "type")
	d.bytesVec = f.counterVec("engine_bytes_"+verb+"_total", "Bytes of the data of the Engine.IO packets "+verb+", by transport.", "transport")
	for i, t := range transports {
		d.bytes[i] = d.bytesVec.WithLabelValues(t)
		for j, typ := range packetTypes {
			d.packets[i][j] = d.packetsVec.WithLabelValues(t, typ)
		}
	}
	d.size = f.histogram("engine_"+verb+"_message_size_bytes", "Size of the Engine.IO messages "+verb+", one observation per message and session.", messageSizeBuckets)
}

func (d *direction) observe(transport, typ string, size int) {
	i, j := transportIndex(transport), typeIndex(typ)
	if i < 0 || j < 0 { // not a value the hooks report today
		d.packetsVec.WithLabelValues(transportLabel(transport), otherLabel).Inc()
		d.bytesVec.WithLabelValues(transportLabel(transport)).Add(float64(size))
		return
	}
	d.packets[i][j].Inc()
	d.bytes[i].Add(float64(size))
	if j == messageType {
		d.size.Observe(float64(size))
	}
}

type engineMetrics struct {
	open           *prometheus.GaugeVec
	openByT        [len(transports)]prometheus.Gauge
	opened         *prometheus.CounterVec
	closed         *prometheus.CounterVec
	upgrades       prometheus.Counter
	in, out        direction
	queueOverflows *prometheus.CounterVec
	volatileDrops  *prometheus.CounterVec
	badRequests    *prometheus.CounterVec
	requests       *prometheus.HistogramVec
	hooks          engineio.Hooks
}

func (e *engineMetrics) init(f factory) {
	e.open = f.gaugeVec("engine_open_connections", "Open Engine.IO sessions, by the transport that carries them.", "transport")
	for i, t := range transports {
		e.openByT[i] = e.open.WithLabelValues(t)
	}
	e.opened = f.counterVec("engine_sessions_opened_total", "Engine.IO sessions opened, by first transport.", "transport")
	e.closed = f.counterVec("engine_sessions_closed_total", "Engine.IO sessions closed, by last transport and reason.", "transport", "reason")
	e.upgrades = f.counter("engine_upgrades_total", "Engine.IO sessions upgraded from polling to WebSocket.")
	e.in.init(f, "received")
	e.out.init(f, "sent")
	e.queueOverflows = f.counterVec("engine_queue_overflows_total", "Engine.IO sessions closed because their send queue overflowed.", "transport")
	e.volatileDrops = f.counterVec("engine_volatile_dropped_total", "Volatile Engine.IO messages dropped because the session could not take them at once.", "transport")
	e.badRequests = f.counterVec("engine_bad_requests_total", "HTTP requests refused by the Engine.IO server, by refusal.", "code")
	e.requests = f.histogramVec("engine_http_request_duration_seconds", "Time to handle an Engine.IO HTTP request (a polling GET waits for data; a WebSocket request ends with its upgrade).", requestBuckets, "transport", "method")

	e.hooks = engineio.Hooks{
		SessionOpened: func(transport string) {
			e.opened.WithLabelValues(transportLabel(transport)).Inc()
			e.gauge(transport).Inc()
		},
		SessionClosed: func(transport, reason string) {
			e.closed.WithLabelValues(transportLabel(transport), reason).Inc()
			e.gauge(transport).Dec()
		},
		Upgraded: func() {
			e.upgrades.Inc()
			e.openByT[0].Dec()
			e.openByT[1].Inc()
		},
		PacketIn:  e.in.observe,
		PacketOut: e.out.observe,
		QueueOverflow: func(transport string) {
			e.queueOverflows.WithLabelValues(transportLabel(transport)).Inc()
		},
		VolatileDropped: func(transport string, n int) {
			e.volatileDrops.WithLabelValues(transportLabel(transport)).Add(float64(n))
		},
		RequestRefused: func(code string) {
			e.badRequests.WithLabelValues(code).Inc()
		},
		RequestDone: func(transport, method string, d time.Duration) {
			e.requests.WithLabelValues(transportLabel(transport), methodLabel(method)).Observe(d.Seconds())
		},
	}
}

func (e *engineMetrics) gauge(transport string) prometheus.Gauge {
	if i := transportIndex(transport); i >= 0 {
		return e.openByT[i]
	}
	return e.open.WithLabelValues(transportLabel(transport))
}

func transportIndex(t string) int {
	switch t {
	case engineio.Polling:
		return 0
	case engineio.WebSocket:
		return 1
	}
	return -1
}

func transportLabel(t string) string {
	if transportIndex(t) < 0 {
		return "unknown"
	}
	return t
}

func typeIndex(typ string) int {
	switch typ {
	case "message": // first: nearly every packet is one
		return messageType
	case "open":
		return 0
	case "close":
		return 1
	case "ping":
		return 2
	case "pong":
		return 3
	case "upgrade":
		return 5
	case "noop":
		return 6
	}
	return -1
}

// methodLabel bounds the methods, which clients choose.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodOptions:
		return m
	}
	return otherLabel
}
