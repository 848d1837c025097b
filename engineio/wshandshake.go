package engineio

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
)

// errEarlyData: the client sent frames before the server's 101, which RFC
// 6455 forbids (the WebSocket library refuses it the same way).
var errEarlyData = errors.New("engineio: client sent data before the WebSocket handshake completed")

// acceptWebSocket answers a WebSocket upgrade request. Without
// permessage-deflate the session owns the connection (wsConn): the opening
// handshake is answered here, which keeps the WebSocket library's reader,
// its buffers and its connection object out of every session. With
// permessage-deflate, and for every request these checks refuse, the
// library answers: its refusals (400, 405) are what clients get.
func (srv *Server) acceptWebSocket(w http.ResponseWriter, r *http.Request, header http.Header) (wsTransport, error) {
	if !srv.opts.PerMessageDeflate {
		if key, ok := handshakeKey(r); ok {
			if h, ok := w.(http.Hijacker); ok {
				return srv.hijackWebSocket(h, key, header)
			}
		}
	}
	conn, err := srv.upgrader.Upgrade(w, r, header)
	if err != nil {
		return nil, err
	}
	if !srv.opts.PerMessageDeflate { // accepted what handshakeKey refused: not expected
		conn.Close()
		return nil, errors.New("engineio: WebSocket handshake accepted by the library only")
	}
	conn.SetReadLimit(srv.opts.MaxHTTPBufferSize)
	return &libWS{conn: conn, srv: srv}, nil
}

// handshakeKey returns the request's Sec-WebSocket-Key if the request is a
// valid opening handshake (RFC 6455 4.2.1; the WebSocket library's checks).
func handshakeKey(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet ||
		!headerHasToken(r.Header, "Connection", "upgrade") ||
		!headerHasToken(r.Header, "Upgrade", "websocket") ||
		!headerHasToken(r.Header, "Sec-Websocket-Version", "13") {
		return "", false
	}
	key := r.Header.Get("Sec-Websocket-Key")
	if b, err := base64.StdEncoding.DecodeString(key); err != nil || len(b) != 16 {
		return "", false
	}
	return key, true
}

// headerHasToken reports whether a comma-separated header lists token
// (case-insensitive).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// hijackWebSocket takes the connection and sends the 101.
func (srv *Server) hijackWebSocket(h http.Hijacker, key string, header http.Header) (*wsConn, error) {
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, err
	}
	if brw.Reader.Buffered() > 0 {
		conn.Close()
		return nil, errEarlyData
	}
	conn.SetDeadline(time.Time{}) // the HTTP server's
	resp := make([]byte, 0, 256)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp = append(resp, acceptKey(key)...)
	resp = append(resp, "\r\n"...)
	for k, vs := range header {
		for _, v := range vs {
			resp = append(resp, k...)
			resp = append(resp, ": "...)
			for i := 0; i < len(v); i++ { // no header splitting
				if c := v[i]; c < ' ' {
					resp = append(resp, ' ')
				} else {
					resp = append(resp, c)
				}
			}
			resp = append(resp, "\r\n"...)
		}
	}
	resp = append(resp, "\r\n"...)
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := conn.Write(resp); err != nil {
		conn.Close()
		return nil, err
	}
	return newWSConn(srv, conn), nil
}

// acceptKey is Sec-WebSocket-Accept for key (RFC 6455 4.2.2).
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
