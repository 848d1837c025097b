// Package metrics exports the activity of a siogo server as Prometheus
// metrics. It plugs into the hooks of the core packages (socketio.Hooks,
// engineio.Hooks, redisadapter.Options.OnError), which themselves know
// nothing of Prometheus.
//
// # Use
//
//	m := metrics.New(metrics.Options{})
//	opts := socketio.Options{}
//	m.Instrument(&opts) // before NewServer: hooks are read once
//	io := socketio.NewServer(opts)
//
//	mux := http.NewServeMux()
//	mux.Handle("/socket.io/", io)
//	mux.Handle("/metrics", m.Handler())
//
// With the Redis adapter, pass m.AdapterErrorHook() as
// redisadapter.Options.OnError. Application code reports what only it
// knows with RateLimited, AuthRefused and JoinRefused.
//
// # Metrics
//
// Names start with Options.Namespace ("siogo" by default). Engine.IO, one
// per client connection whatever namespaces it joins:
//
//	engine_open_connections{transport}                  gauge
//	engine_sessions_opened_total{transport}             counter
//	engine_sessions_closed_total{transport,reason}      counter
//	engine_upgrades_total                               counter
//	engine_packets_received_total{transport,type}       counter
//	engine_packets_sent_total{transport,type}           counter
//	engine_bytes_received_total{transport}              counter
//	engine_bytes_sent_total{transport}                  counter
//	engine_received_message_size_bytes                  histogram
//	engine_sent_message_size_bytes                      histogram
//	engine_queue_overflows_total{transport}             counter
//	engine_volatile_dropped_total{transport}            counter
//	engine_bad_requests_total{code}                     counter
//	engine_http_request_duration_seconds{transport,method} histogram
//
// Socket.IO, by namespace:
//
//	open_sockets{namespace}                             gauge
//	connects_total{namespace}                           counter
//	disconnects_total{namespace,reason}                 counter
//	connect_refused_total{namespace}                    counter
//	events_received_total{namespace}                   counter
//	events_sent_total{namespace}                        counter
//	ack_timeouts_total{namespace}                       counter
//	parse_errors_total                                  counter
//	rate_limited_total{namespace,kind}                  counter
//	auth_refused_total{namespace,code}                  counter
//	join_refused_total{namespace}                       counter
//	adapter_errors_total{op}                            counter
//
// Packets and bytes count every Engine.IO packet (type "message",
// "ping", "pong", ...) and the bytes of its data; the size histograms
// observe messages only, each message once per session it is written to
// or read from, so a broadcast to N clients is N messages sent. Events
// count Socket.IO events, an event broadcast to N local sockets counting
// N. The HTTP request duration of a polling GET includes its wait for
// data (up to the ping interval); a WebSocket request ends with its
// upgrade.
//
// # Cardinality
//
// No label carries a client's id, an event's name or anything else a
// client chooses freely. Transports, reasons, packet types and refusal
// codes come from fixed sets; HTTP methods other than GET, POST and
// OPTIONS are "other". Namespaces are labeled as they are up to 100
// distinct names, which covers applications with fixed namespaces;
// dynamic namespaces beyond that share the label "other". The same bound
// applies to the codes, kinds and ops passed to the reporting methods.
package metrics
