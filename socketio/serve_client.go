package socketio

import (
	"net/http"
	"strings"

	"github.com/siogo/siogo/internal/clientdist"
)

// serveClient answers a request for one of the client bundle's files, as
// Node's attachServe does, and reports whether it did. Node takes the
// path's raw text after Path and ignores the method.
func (srv *Server) serveClient(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.EscapedPath()
	base := strings.TrimSuffix(srv.opts.Path, "/")
	if len(p) <= len(base)+1 || !strings.HasPrefix(p, base) {
		return false
	}
	name := p[len(base)+1:]
	if !clientdist.Has(name) {
		return false
	}
	if c := srv.opts.Engine.CORS; c != nil && c.Apply(w, r) {
		return true // preflight answered
	}
	clientdist.Serve(w, r, name)
	return true
}
