package engineio

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestHandshakeDataRoundTrip: the compact form gives back the request's
// header and query exactly, built once.
func TestHandshakeDataRoundTrip(t *testing.T) {
	r := httptest.NewRequest("GET", "/engine.io/?EIO=4&transport=polling&token=a%3Ab&x=1&x=2&empty=", nil)
	r.Header.Add("Cookie", "a=b; c=d")
	r.Header.Add("X-Multi", "one")
	r.Header.Add("X-Multi", "two: with a colon")
	r.Header.Add("X-Empty", "")
	r.RemoteAddr = "10.0.0.1:1234"
	d := newHandshakeData(r)
	h := d.handshake()
	if !reflect.DeepEqual(h.Header, r.Header) {
		t.Errorf("header %v, want %v", h.Header, r.Header)
	}
	if !reflect.DeepEqual(h.Query, r.URL.Query()) {
		t.Errorf("query %v, want %v", h.Query, r.URL.Query())
	}
	if h.RemoteAddr != r.RemoteAddr || h.URL != r.RequestURI || h.Host != r.Host || h.Secure || h.Time.IsZero() {
		t.Errorf("handshake %+v", h)
	}
	if d.handshake() != h {
		t.Error("built twice")
	}
}
