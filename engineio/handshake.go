package engineio

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Handshake is what the session's first request carried. Header and Query
// are shared by every caller: treat them as read-only.
type Handshake struct {
	Header     http.Header
	Query      url.Values
	RemoteAddr string
	Host       string
	URL        string // the request URI
	Secure     bool   // the request came over TLS
	Time       time.Time
}

// handshakeData keeps the first request compact: the header as one string
// and the query unparsed. Maps cost a few hundred bytes each, per session,
// and most sessions never look at them; Handshake builds them on first use.
type handshakeData struct {
	header     string // "Key:value\n" for each value
	rawQuery   string
	remoteAddr string
	host       string
	uri        string
	secure     bool
	time       time.Time
	built      atomic.Pointer[Handshake]
}

func newHandshakeData(r *http.Request) handshakeData {
	n := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 2
		}
	}
	var b strings.Builder
	b.Grow(n)
	for k, vs := range r.Header {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteByte(':')
			b.WriteString(v) // net/http refuses values with a newline
			b.WriteByte('\n')
		}
	}
	return handshakeData{
		header:     b.String(),
		rawQuery:   r.URL.RawQuery,
		remoteAddr: r.RemoteAddr,
		host:       r.Host,
		uri:        r.RequestURI,
		secure:     r.TLS != nil,
		time:       time.Now(),
	}
}

// handshake returns the Handshake, built once.
func (d *handshakeData) handshake() *Handshake {
	if h := d.built.Load(); h != nil {
		return h
	}
	header := make(http.Header, strings.Count(d.header, "\n"))
	for line := range strings.SplitSeq(strings.TrimSuffix(d.header, "\n"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			header[k] = append(header[k], v)
		}
	}
	query, _ := url.ParseQuery(d.rawQuery) // as r.URL.Query(): what parses
	h := &Handshake{
		Header:     header,
		Query:      query,
		RemoteAddr: d.remoteAddr,
		Host:       d.host,
		URL:        d.uri,
		Secure:     d.secure,
		Time:       d.time,
	}
	if !d.built.CompareAndSwap(nil, h) {
		return d.built.Load()
	}
	return h
}
