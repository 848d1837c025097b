package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"strconv"
	"strings"
)

// acceptedEncoding picks gzip or deflate from an Accept-Encoding header, by
// the client's preference (q-values, then order), or "" for neither.
func acceptedEncoding(header string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "deflate" && name != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if name == "*" {
			name = "gzip"
		}
		if q > bestQ {
			best, bestQ = name, q
		}
	}
	return best
}

// compress returns data compressed with enc ("gzip", or "deflate", which in
// HTTP means the zlib format, as Node's zlib.createDeflate writes).
func compress(enc string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if enc == "gzip" {
		zw := gzip.NewWriter(&buf)
		if _, err = zw.Write(data); err == nil {
			err = zw.Close()
		}
	} else {
		zw := zlib.NewWriter(&buf)
		if _, err = zw.Write(data); err == nil {
			err = zw.Close()
		}
	}
	return buf.Bytes(), err
}
