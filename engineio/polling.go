package engineio

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// upgradeGrace is how long a poll that arrives during an upgrade waits for
// the upgrade to finish before it is released with a noop.
const upgradeGrace = 10 * time.Millisecond

// servePoll answers a polling GET: it waits until something is queued (or
// the session closes, or an upgrade needs the poll released) and writes every
// queued packet as one payload.
func (s *Socket) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.pollActive {
		s.mu.Unlock()
		s.refuseOverlap(w)
		return
	}
	s.pollActive = true
	for len(s.queue) == 0 && s.state != stateClosed && s.probe == nil && s.ws == nil {
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-r.Context().Done():
			s.mu.Lock()
			s.pollActive = false
			s.mu.Unlock()
			s.close(ReasonTransportError, errPollClosed)
			return
		}
		s.mu.Lock()
	}
	if s.probe != nil && len(s.queue) == 0 && s.state != stateClosed {
		// A client may send "2probe" and "5" and poll at once; give the
		// probe's reader a moment so that poll sees the finished upgrade
		// (Node answers such polls from a 100 ms timer).
		grace := time.NewTimer(upgradeGrace)
		for expired := false; !expired && s.probe != nil && len(s.queue) == 0 && s.state != stateClosed; {
			s.mu.Unlock()
			select {
			case <-s.wake:
			case <-grace.C:
				expired = true
			}
			s.mu.Lock()
		}
		grace.Stop()
		if s.ws != nil && s.state != stateClosed {
			s.pollActive = false
			s.mu.Unlock()
			s.srv.refuse(w, r, &requestError{code: codeBadRequest}, false)
			return
		}
	}
	var batch []*Message
	if s.state != stateClosed && (s.ws != nil || s.probe != nil && len(s.queue) == 0) {
		// The client is moving to WebSocket: a poll is answered at once,
		// with what is queued (as Node does) or else a noop.
		batch = []*Message{s.srv.noopMsg}
	} else {
		batch = s.takeQueueLocked()
		if len(batch) == 0 { // closed between verify and now
			batch = append(batch, s.srv.closeMsg)
		}
		if n := len(batch); n > 1 && batch[n-1] == s.srv.closeMsg && s.state == stateClosing {
			// As Node: what was queued before a server-side close goes
			// out first, the close packet in the next poll. A client that
			// got both in one payload would close before handling the rest.
			batch = batch[:n-1]
			s.queue = append(s.queue, s.srv.closeMsg)
			s.armLingerLocked()
		}
	}
	s.mu.Unlock()

	closing := len(batch) > 0 && batch[len(batch)-1] == s.srv.closeMsg
	s.srv.writePayload(w, r, batch)
	s.srv.packetsOut(Polling, batch)
	if batch[0] != s.srv.noopMsg {
		s.returnQueue(batch)
	}

	s.mu.Lock()
	s.pollActive = false
	s.mu.Unlock()
	if closing {
		s.close(ReasonForcedClose, nil)
	}
}

// servePost takes a polling POST: every packet is handled before the answer,
// so a client that posts and then polls finds every reply already queued.
func (s *Socket) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.postActive {
		s.mu.Unlock()
		s.refuseOverlap(w)
		return
	}
	s.postActive = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()

	if r.Header.Get("Content-Type") == "application/octet-stream" {
		// Engine.IO v4 carries binary as base64 text in polling.
		s.srv.refused(RefusedBadRequest)
		w.WriteHeader(http.StatusBadRequest)
		s.close(ReasonTransportError, errBadContent)
		return
	}
	body, err := readBody(r.Body, s.srv.opts.MaxHTTPBufferSize)
	if errors.Is(err, errTooLarge) {
		s.srv.refused(RefusedPayloadTooLarge)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		// The client went away, or stalled past the body deadline (see
		// bodyDeadline): Node drops the session and the connection.
		s.close(ReasonTransportError, err)
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	// The body is in: the rest of the exchange is not bounded by it.
	http.NewResponseController(w).SetReadDeadline(time.Time{})
	// Node reads the body as a UTF-8 string: invalid bytes become U+FFFD.
	body = toValidUTF8(body)

	s.readMu.Lock()
	decodePayload(body, func(p packet, err error) bool {
		if err != nil {
			s.close(ReasonParseError, err)
			return false
		}
		s.srv.packetIn(Polling, p)
		if p.typ == packetOpen {
			s.close(ReasonTransportError, errUnexpectedOpen)
			return false
		}
		return s.handlePacket(p)
	})
	s.readMu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	h.Set("Cache-Control", "no-store")
	s.srv.customHeaders(h, r)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "ok")
}

// compressible reports whether a payload may be compressed: as in Node,
// when any of its packets allows it.
func compressible(msgs []*Message) bool {
	for _, m := range msgs {
		if !m.noCompress {
			return true
		}
	}
	return false
}

// refuseOverlap answers a second concurrent GET or POST as Node does: 400,
// and the session closes (a pending GET gets the close packet).
func (s *Socket) refuseOverlap(w http.ResponseWriter) {
	s.srv.refused(RefusedBadRequest)
	w.WriteHeader(http.StatusBadRequest)
	s.close(ReasonTransportError, errOverlap)
}

var errTooLarge = errors.New("engineio: payload too large")

// bodyDeadline bounds the reading of a request body, which a client could
// otherwise trickle or stall forever, holding a goroutine and a connection
// (net/http has no per-request bound but ReadTimeout, which long-polling
// rules out). The bound is one heartbeat period, PingInterval plus
// PingTimeout: while its POST is unfinished a client cannot answer a ping,
// so Node's session would have timed out by then, and Node drops a
// pending POST with its session. The bound also covers refused requests,
// whose unread body net/http discards before answering.
func (srv *Server) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	// A ResponseWriter that cannot set deadlines (a wrapper without
	// Unwrap) leaves the body unbounded, as before.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(srv.opts.PingInterval + srv.opts.PingTimeout))
}

// readBody reads at most limit bytes of body.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// writePayload writes msgs as one polling payload, compressed when the
// client accepts it and the payload is large enough.
func (srv *Server) writePayload(w http.ResponseWriter, r *http.Request, msgs []*Message) {
	bp := srv.buffers.Get().(*[]byte)
	payload := appendPayload((*bp)[:0], msgs)

	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	body := payload
	if c := srv.opts.HTTPCompression; !c.Disabled && len(payload) >= c.Threshold && compressible(msgs) {
		if enc := acceptedEncoding(r.Header.Get("Accept-Encoding")); enc != "" {
			var z bytes.Buffer
			if err := srv.compressors.compress(&z, enc, payload); err == nil {
				h.Set("Content-Encoding", enc)
				body = z.Bytes()
			}
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	srv.customHeaders(h, r)
	w.WriteHeader(http.StatusOK)
	w.Write(body)

	if cap(payload) <= 64<<10 {
		*bp = payload[:0]
		srv.buffers.Put(bp)
	}
}
