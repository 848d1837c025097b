package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/jsjson"
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

// handshakeJSON is the shape Node gives socket.handshake on the wire (in
// the Redis adapter's fetchSockets replies): headers and query as objects
// of strings, time as a JavaScript Date string.
type handshakeJSON struct {
	Headers map[string]string `json:"headers"`
	Time    string            `json:"time"`
	Address string            `json:"address"`
	XDomain bool              `json:"xdomain"`
	Secure  bool              `json:"secure"`
	Issued  int64             `json:"issued"`
	URL     string            `json:"url"`
	Query   map[string]string `json:"query"`
	Auth    json.RawMessage   `json:"auth"`
}

// jsDateLayout is JavaScript's Date.prototype.toString, in UTC.
const jsDateLayout = "Mon Jan 02 2006 15:04:05 GMT-0700 (Coordinated Universal Time)"

// MarshalJSON encodes the handshake as Node's socket.handshake.
func (h *Handshake) MarshalJSON() ([]byte, error) {
	j := handshakeJSON{
		Headers: make(map[string]string, len(h.Headers)),
		Time:    h.Time.UTC().Format(jsDateLayout),
		Address: h.Address, XDomain: h.XDomain, Secure: h.Secure, Issued: h.Issued,
		URL:   h.URL,
		Query: make(map[string]string, len(h.Query)),
		Auth:  h.Auth,
	}
	for k, v := range h.Headers {
		j.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	for k, v := range h.Query {
		if len(v) > 0 {
			j.Query[k] = v[0]
		}
	}
	if j.Auth == nil {
		j.Auth = emptyObject
	}
	return jsjson.Marshal(j)
}

// UnmarshalJSON decodes a handshake sent by another server.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var j handshakeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = Handshake{
		Headers: make(http.Header, len(j.Headers)),
		Query:   make(url.Values, len(j.Query)),
		Address: j.Address, XDomain: j.XDomain, Secure: j.Secure, Issued: j.Issued,
		URL: j.URL, Auth: j.Auth,
		Time: time.UnixMilli(j.Issued),
	}
	for k, v := range j.Headers {
		h.Headers.Set(k, v)
	}
	for k, v := range j.Query {
		h.Query.Set(k, v)
	}
	return nil
}
