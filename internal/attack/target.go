package attack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds the calls given a context without a deadline.
const DefaultTimeout = 5 * time.Second

// Target is the server under attack.
type Target struct {
	// Base is the absolute URL of the server's Engine.IO path, with its
	// trailing slash: "http://127.0.0.1:1234/socket.io/".
	Base string
	// HTTP sends the HTTP requests. Its transport never adds
	// Accept-Encoding, so bodies arrive as the server wrote them.
	HTTP *http.Client
	// WebSocketCompression offers permessage-deflate in WebSocket
	// handshakes, for frames made by Deflate.
	WebSocketCompression bool
}

// New returns a Target for base. Call Close when done.
func New(base string) *Target {
	return &Target{
		Base: base,
		HTTP: &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}},
	}
}

// Close drops the idle HTTP connections, and with them their goroutines.
func (t *Target) Close() { t.HTTP.CloseIdleConnections() }

// URL returns Base with query appended ("" for none).
func (t *Target) URL(query string) string {
	if query == "" {
		return t.Base
	}
	return t.Base + "?" + query
}

// Addr returns the host:port of the server.
func (t *Target) Addr() string {
	u, err := url.Parse(t.Base)
	if err != nil {
		return ""
	}
	return u.Host
}

// Response is a complete HTTP response: the body has been read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *Response) String() string {
	return fmt.Sprintf("%d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body)
}

// EngineError is the JSON body with which Engine.IO refuses a request.
type EngineError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Do sends one request to Base?query. header and body may be nil.
func (t *Target) Do(ctx context.Context, method, query string, header http.Header, body io.Reader) (*Response, error) {
	return t.DoURL(ctx, method, t.URL(query), header, body)
}

// DoURL is Do for any URL of the server (a path outside Base, say).
func (t *Target) DoURL(ctx context.Context, method, u string, header http.Header, body io.Reader) (*Response, error) {
	ctx, cancel := withDefault(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// PollQuery is the query of a polling request for session sid.
func PollQuery(sid string) string { return "EIO=4&transport=polling&sid=" + url.QueryEscape(sid) }

// Handshake opens a polling session and returns its id and the JSON of
// its open packet.
func (t *Target) Handshake(ctx context.Context) (sid, open string, err error) {
	resp, err := t.Do(ctx, http.MethodGet, "EIO=4&transport=polling", nil, nil)
	if err != nil {
		return "", "", err
	}
	first, _, _ := strings.Cut(string(resp.Body), RecordSeparator)
	if resp.Status != http.StatusOK || !strings.HasPrefix(first, "0{") {
		return "", "", fmt.Errorf("%w: handshake answered %s", ErrProtocol, resp)
	}
	open = first[1:]
	sid, err = openSID(open)
	return sid, open, err
}

// Post sends body to session sid with the given Content-Type ("" sends
// none), as a polling client posts its packets.
func (t *Target) Post(ctx context.Context, sid, contentType string, body []byte) (*Response, error) {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return t.Do(ctx, http.MethodPost, PollQuery(sid), h, bytes.NewReader(body))
}

// Poll sends one polling GET for session sid.
func (t *Target) Poll(ctx context.Context, sid string) (*Response, error) {
	return t.Do(ctx, http.MethodGet, PollQuery(sid), nil, nil)
}

func withDefault(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(DefaultTimeout)
}

// EngineError parses the body as Engine.IO's error JSON. It fails unless
// the body is exactly an object with a numeric code and a string message.
func (r *Response) EngineError() (EngineError, error) {
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Code == nil || e.Message == nil || dec.More() {
		return EngineError{}, fmt.Errorf("%w: not an Engine.IO error: %s", ErrProtocol, r)
	}
	return EngineError{*e.Code, *e.Message}, nil
}

func openSID(open string) (string, error) {
	var o struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(open), &o); err != nil || o.SID == "" {
		return "", fmt.Errorf("%w: open packet %q", ErrProtocol, open)
	}
	return o.SID, nil
}
