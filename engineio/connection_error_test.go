package engineio_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/siogo/siogo/engineio"
)

// OnConnectionError reports each refusal as Node's "connection_error"
// event does: the request, Node's code, the code's message, and what
// AllowRequest said.
func TestOnConnectionError(t *testing.T) {
	leakCheck(t)
	got := make(chan *engineio.ConnectionError, 8)
	e := startServer(t, engineio.Options{
		OnConnectionError: func(err *engineio.ConnectionError) { got <- err },
		AllowRequest: func(r *http.Request) error {
			if r.URL.Query().Get("deny") != "" {
				return errors.New("no thanks")
			}
			return nil
		},
	}, false)
	for _, tc := range []struct {
		method, query string
		code          int
		message       string
		context       string
	}{
		{"GET", "EIO=4&transport=carrier-pigeon", 0, "Transport unknown", ""},
		{"GET", "EIO=4&transport=polling&sid=nope", 1, "Session ID unknown", ""},
		{"PUT", "EIO=4&transport=polling", 2, "Bad handshake method", ""},
		{"GET", "EIO=4&transport=polling&deny=1", 4, "Forbidden", "no thanks"},
		{"GET", "EIO=3&transport=polling", 5, "Unsupported protocol version", ""},
	} {
		res, err := e.c.Do(ctx(t), tc.method, tc.query, nil, nil)
		if err != nil || res.Status < 400 {
			t.Fatalf("%s %s: %v %v, want a refusal", tc.method, tc.query, res, err)
		}
		var ce *engineio.ConnectionError
		select {
		case ce = <-got:
		case <-ctx(t).Done():
			t.Fatalf("%s %s: no OnConnectionError", tc.method, tc.query)
		}
		if ce.Code != tc.code || ce.Message != tc.message || ce.Context != tc.context || ce.Request == nil || ce.Request.URL.RawQuery != tc.query {
			t.Errorf("%s %s: %+v, want code %d %q context %q", tc.method, tc.query, ce, tc.code, tc.message, tc.context)
		}
	}
	// An accepted handshake is no error.
	e.handshake()
	select {
	case ce := <-got:
		t.Errorf("a handshake reported %+v", ce)
	default:
	}
}
