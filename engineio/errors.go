package engineio

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/siogo/siogo/internal/jsjson"
)

// Sentinel errors returned to callers.
var (
	// ErrClosed is returned by Send on a closed session.
	ErrClosed = errors.New("engineio: session closed")
	// ErrQueueFull is returned by Send when the session's outgoing queue
	// overflowed; the session is being closed.
	ErrQueueFull = errors.New("engineio: outgoing queue full")
)

// Close reasons, as Node's engine.io reports them.
const (
	ReasonTransportClose     = "transport close"
	ReasonTransportError     = "transport error"
	ReasonPingTimeout        = "ping timeout"
	ReasonParseError         = "parse error"
	ReasonForcedClose        = "forced close"
	ReasonServerShuttingDown = "server shutting down"
)

// errorCode is Node engine.io's numeric error code for refused requests.
type errorCode int

const (
	codeUnknownTransport errorCode = iota
	codeUnknownSID
	codeBadHandshakeMethod
	codeBadRequest
	codeForbidden
	codeUnsupportedProtocolVersion
)

var errorMessages = [...]string{
	codeUnknownTransport:           "Transport unknown",
	codeUnknownSID:                 "Session ID unknown",
	codeBadHandshakeMethod:         "Bad handshake method",
	codeBadRequest:                 "Bad request",
	codeForbidden:                  "Forbidden",
	codeUnsupportedProtocolVersion: "Unsupported protocol version",
}

// ConnectionError is a refused request, as Node's "connection_error"
// event reports it (see Options.OnConnectionError).
type ConnectionError struct {
	Request *http.Request
	// Code is Node's error code: 0 Transport unknown, 1 Session ID
	// unknown, 2 Bad handshake method, 3 Bad request, 4 Forbidden, 5
	// Unsupported protocol version; Message is the text of the code.
	Code    int
	Message string
	// Context is what AllowRequest said, when it refused; "" otherwise.
	Context string
}

func (e *ConnectionError) Error() string {
	if e.Context != "" {
		return "engineio: " + e.Message + ": " + e.Context
	}
	return "engineio: " + e.Message
}

// requestError is a refusal of an HTTP request, written the way Node writes it.
type requestError struct {
	code    errorCode
	message string // overrides the default message (AllowRequest)
}

func (e *requestError) Error() string { return e.text() }

func (e *requestError) text() string {
	if e.message != "" {
		return e.message
	}
	return errorMessages[e.code]
}

func (e *requestError) status() int {
	if e.code == codeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// writeHTTP answers a polling or handshake request: JSON {"code":N,"message":"…"}.
func (e *requestError) writeHTTP(w http.ResponseWriter) {
	body, _ := jsjson.Marshal(struct {
		Code    errorCode `json:"code"`
		Message string    `json:"message"`
	}{e.code, e.text()})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status())
	w.Write(body)
}

// writeUpgrade refuses a WebSocket upgrade before the 101: Node answers every
// refusal with a plain 400 and the message as text/html, even for Forbidden.
func (e *requestError) writeUpgrade(w http.ResponseWriter) {
	msg := e.text()
	h := w.Header()
	h.Set("Connection", "close")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(msg))
}
