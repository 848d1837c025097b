package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/siogo/siogo/engineio"
)

// Handshake is what a socket's client sent to connect: the Engine.IO
// handshake request and the auth payload of the namespace CONNECT.
type Handshake struct {
	Headers http.Header
	Query   url.Values
	Address string // the client's remote address
	Secure  bool
	URL     string
	Time    time.Time // when the Engine.IO session opened
	Issued  int64     // Time in Unix milliseconds
	XDomain bool      // the request carried an Origin header
	// Auth is the CONNECT payload, `{}` when the client sent none.
	Auth json.RawMessage
}

var emptyObject = json.RawMessage("{}")

func newHandshake(h *engineio.Handshake, auth json.RawMessage) *Handshake {
	if auth == nil {
		auth = emptyObject
	}
	return &Handshake{
		Headers: h.Header,
		Query:   h.Query,
		Address: h.RemoteAddr,
		Secure:  h.Secure,
		URL:     h.URL,
		Time:    h.Time,
		Issued:  h.Time.UnixMilli(),
		XDomain: h.Header.Get("Origin") != "",
		Auth:    auth,
	}
}

// DecodeAuth decodes the auth payload into v.
func (h *Handshake) DecodeAuth(v any) error { return json.Unmarshal(h.Auth, v) }
