package metrics

import (
	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

// Instrument sets the hooks of o, and of o.Engine, that feed the metrics.
// Hooks already set there keep being called, before these. Call it before
// socketio.NewServer(*o): the server reads its hooks once.
func (m *Metrics) Instrument(o *socketio.Options) {
	o.Hooks = chainSocket(o.Hooks, m.socketHooks())
	h := m.engine.hooks
	o.Engine.Hooks = chainEngine(o.Engine.Hooks, &h)
}

// chainSocket returns hooks that call a's, then b's. a may be nil; it is
// not modified.
func chainSocket(a, b *socketio.Hooks) *socketio.Hooks {
	if a == nil {
		return b
	}
	return &socketio.Hooks{
		Connected:        chain1(a.Connected, b.Connected),
		Disconnected:     chain2(a.Disconnected, b.Disconnected),
		ConnectRefused:   chain2(a.ConnectRefused, b.ConnectRefused),
		InvalidNamespace: chain0(a.InvalidNamespace, b.InvalidNamespace),
		EventIn:          chain2(a.EventIn, b.EventIn),
		EventOut:         chain3(a.EventOut, b.EventOut),
		AckTimeout:       chain1(a.AckTimeout, b.AckTimeout),
		ParseError:       chain1(a.ParseError, b.ParseError),
	}
}

// chainEngine is chainSocket for the Engine.IO hooks.
func chainEngine(a, b *engineio.Hooks) *engineio.Hooks {
	if a == nil {
		return b
	}
	return &engineio.Hooks{
		SessionOpened:   chain1(a.SessionOpened, b.SessionOpened),
		SessionClosed:   chain2(a.SessionClosed, b.SessionClosed),
		Upgraded:        chain0(a.Upgraded, b.Upgraded),
		PacketIn:        chain3(a.PacketIn, b.PacketIn),
		PacketOut:       chain3(a.PacketOut, b.PacketOut),
		QueueOverflow:   chain1(a.QueueOverflow, b.QueueOverflow),
		VolatileDropped: chain2(a.VolatileDropped, b.VolatileDropped),
		RequestRefused:  chain1(a.RequestRefused, b.RequestRefused),
		RequestDone:     chain3(a.RequestDone, b.RequestDone),
	}
}

// chainN returns a func that calls a, then b; either may be nil.

func chain0(a, b func()) func() {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func() { a(); b() }
}

func chain1[A any](a, b func(A)) func(A) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(x A) { a(x); b(x) }
}

func chain2[A, B any](a, b func(A, B)) func(A, B) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(x A, y B) { a(x, y); b(x, y) }
}

func chain3[A, B, C any](a, b func(A, B, C)) func(A, B, C) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(x A, y B, z C) { a(x, y, z); b(x, y, z) }
}
