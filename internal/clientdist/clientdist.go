// Package clientdist serves the official socket.io-client bundle, as the
// Node server does under its path (/socket.io/socket.io.js and the rest):
// pages written for Node load the client from the server they talk to.
//
// The files are the client-dist folder of the socket.io npm package
// (Version), stored gzipped (`make clientdist` refreshes them from
// node_modules). Responses match Node's: an ETag of the version in quotes,
// 304 for a matching If-None-Match, "Cache-Control: public, max-age=0",
// and the content encoding negotiated as Node's negotiator does over br,
// gzip and deflate, except that brotli, which the standard library cannot
// write, gives way to the client's next choice.
package clientdist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"embed"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Version is the socket.io package the files come from, and their ETag.
const Version = "4.8.4"

//go:embed dist/*.gz
var dist embed.FS

var files = map[string]bool{
	"socket.io.esm.min.js":         true,
	"socket.io.esm.min.js.map":     true,
	"socket.io.js":                 true,
	"socket.io.js.map":             true,
	"socket.io.min.js":             true,
	"socket.io.min.js.map":         true,
	"socket.io.msgpack.min.js":     true,
	"socket.io.msgpack.min.js.map": true,
}

// Has reports whether name is one of the files Node serves.
func Has(name string) bool { return files[name] }

// Serve answers a request for the file name (see Has).
func Serve(w http.ResponseWriter, r *http.Request, name string) {
	etag := `"` + Version + `"`
	if inm := strings.Join(r.Header.Values("If-None-Match"), ", "); inm == etag || inm == "W/"+etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	gz, err := dist.ReadFile("dist/" + name + ".gz")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=0")
	if strings.HasSuffix(name, ".map") {
		h.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/javascript; charset=utf-8")
	}
	h.Set("ETag", etag)

	encoding := Negotiate(r.Header.Get("Accept-Encoding"), "br", "gzip", "deflate")
	if encoding == "br" {
		encoding = Negotiate(r.Header.Get("Accept-Encoding"), "gzip", "deflate")
	}
	if encoding == "gzip" {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(gz)))
		w.Write(gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil { // the embedded file is ours: cannot happen
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if encoding == "deflate" {
		h.Set("Content-Encoding", "deflate") // zlib, as Node's createDeflate
		w.WriteHeader(http.StatusOK)
		zw := zlib.NewWriter(w)
		io.Copy(zw, zr)
		zw.Close()
		return
	}
	w.WriteHeader(http.StatusOK)
	io.Copy(w, zr)
}
