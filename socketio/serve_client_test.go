package socketio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

// get requests path with headers (name, value pairs) without the
// transport's own decompression, and returns the response and its body
// decoded by its Content-Encoding.
func get(t *testing.T, method, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r io.Reader = res.Body
	switch res.Header.Get("Content-Encoding") {
	case "gzip":
		if r, err = gzip.NewReader(r); err != nil {
			t.Fatal(err)
		}
	case "deflate":
		if r, err = zlib.NewReader(r); err != nil {
			t.Fatal(err)
		}
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestServeClient(t *testing.T) {
	srv := startServer(t, socketio.Options{}, nil)
	base := strings.TrimSuffix(srv.URL, "/socket.io/")

	res, plain := get(t, "GET", base+"/socket.io/socket.io.js")
	if res.StatusCode != 200 || !bytes.HasPrefix(plain, []byte("/*!\n * Socket.IO v4.8.4\n")) || len(plain) < 100_000 {
		t.Fatalf("GET socket.io.js: %d, %d bytes starting %.40q", res.StatusCode, len(plain), plain)
	}
	for name, want := range map[string]string{
		"Content-Type":     "application/javascript; charset=utf-8",
		"Etag":             `"4.8.4"`,
		"Cache-Control":    "public, max-age=0",
		"Content-Encoding": "",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}

	// Each encoding a browser or curl asks for carries the same file.
	for accept, want := range map[string]string{
		"gzip, deflate, br, zstd": "gzip",
		"deflate, gzip, br, zstd": "deflate",
		"br":                      "", // Node would send brotli
		"identity":                "",
	} {
		res, body := get(t, "GET", base+"/socket.io/socket.io.js?v=1", "Accept-Encoding", accept)
		if got := res.Header.Get("Content-Encoding"); res.StatusCode != 200 || got != want || !bytes.Equal(body, plain) {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q (want %q), same file: %v", accept, res.StatusCode, got, want, bytes.Equal(body, plain))
		}
	}

	res, body := get(t, "GET", base+"/socket.io/socket.io.min.js.map")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" || !bytes.HasPrefix(body, []byte(`{"version":3`)) {
		t.Errorf("source map: %d %q %.20q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}

	for _, inm := range []string{`"4.8.4"`, `W/"4.8.4"`} {
		res, body := get(t, "GET", base+"/socket.io/socket.io.min.js", "If-None-Match", inm)
		if res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes, want 304", inm, res.StatusCode, len(body))
		}
	}
	if res, _ := get(t, "GET", base+"/socket.io/socket.io.min.js", "If-None-Match", `"4.8.3"`); res.StatusCode != 200 {
		t.Errorf("stale If-None-Match: %d, want 200", res.StatusCode)
	}

	// Anything else under the path is the engine's: Node answers these
	// with "Transport unknown".
	for _, path := range []string{"/socket.io/socket.io.msgpack.js", "/socket.io/socket.io.js/", "/socket.io/socket%2Eio.js", "/socket.io/"} {
		res, body := get(t, "GET", base+path)
		if res.StatusCode != 400 || !strings.Contains(string(body), "Transport unknown") {
			t.Errorf("GET %s: %d %s, want the engine's 400", path, res.StatusCode, body)
		}
	}
}

func TestServeClientOptions(t *testing.T) {
	off := startServer(t, socketio.Options{NoServeClient: true}, nil)
	if res, _ := get(t, "GET", off.URL+"socket.io.js"); res.StatusCode != 400 {
		t.Errorf("NoServeClient: %d, want the engine's 400", res.StatusCode)
	}

	io := socketio.NewServer(socketio.Options{Path: "/rt/", Engine: engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://app.example"}}}})
	ts := httptest.NewServer(io)
	defer func() { ts.Close(); io.Close() }()
	res, body := get(t, "GET", ts.URL+"/rt/socket.io.esm.min.js", "Origin", "https://app.example")
	if res.StatusCode != 200 || len(body) < 10_000 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("custom path with CORS: %d, %d bytes, Allow-Origin %q", res.StatusCode, len(body), res.Header.Get("Access-Control-Allow-Origin"))
	}
	res, _ = get(t, "OPTIONS", ts.URL+"/rt/socket.io.js", "Origin", "https://app.example", "Access-Control-Request-Method", "GET")
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("preflight: %d, want 204", res.StatusCode)
	}
	if res, _ := get(t, "GET", ts.URL+"/socket.io/socket.io.js"); res.StatusCode != 404 {
		t.Errorf("default path on a server under /rt/: %d, want 404", res.StatusCode)
	}
}
