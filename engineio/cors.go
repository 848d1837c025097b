package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const defaultCORSMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// Apply adds the CORS headers Node's cors middleware adds and answers a
// preflight (OPTIONS) request with 204; it reports whether it answered.
// The Server applies it to its own requests; it is exported for handlers
// served beside it under the same policy (socketio's client bundle).
func (c *CORS) Apply(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	origin := r.Header.Get("Origin")
	switch {
	case c.AllowOrigin == nil && (len(c.Origins) == 0 || slices.Contains(c.Origins, "*")):
		h.Set("Access-Control-Allow-Origin", "*")
	default:
		allowed := false
		if c.AllowOrigin != nil {
			allowed = c.AllowOrigin(origin)
		} else {
			allowed = slices.Contains(c.Origins, origin)
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		if len(c.ExposedHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
		}
		return false
	}
	methods := defaultCORSMethods
	if len(c.Methods) > 0 {
		methods = strings.Join(c.Methods, ",")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if len(c.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
	}
	if len(c.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}
