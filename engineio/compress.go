package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strconv"
	"strings"
	"sync"
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

// compressors keeps gzip and zlib writers for reuse: each holds hundreds of
// kilobytes of state, too much to allocate per response.
type compressors struct {
	gzip, zlib sync.Pool
}

type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// compress appends data compressed with enc to dst: "gzip", or "deflate",
// which in HTTP means the zlib format (what Node's zlib.createDeflate writes).
func (c *compressors) compress(dst *bytes.Buffer, enc string, data []byte) error {
	pool, fresh := &c.gzip, func() resetWriter { return gzip.NewWriter(nil) }
	if enc == "deflate" {
		pool, fresh = &c.zlib, func() resetWriter { return zlib.NewWriter(nil) }
	}
	zw, _ := pool.Get().(resetWriter)
	if zw == nil {
		zw = fresh()
	}
	zw.Reset(dst)
	_, err := zw.Write(data)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	zw.Reset(nil)
	pool.Put(zw)
	return err
}
