package attack

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// Transport names, as in the "transport" query parameter.
const (
	Polling            = "polling"
	WebSocketTransport = "websocket"
)

// RecordSeparator joins the packets of a polling payload.
const RecordSeparator = "\x1e"

// Session is one Engine.IO session driven by an attacker: it sends any
// Engine.IO packet, Socket.IO packet or attachment, in any order, and
// reads what the server sends back. It answers pings, so that a session
// ends only when an attack makes the server end it. It is not safe for
// concurrent use.
type Session struct {
	// SID is the Engine.IO session id; Transport the transport it runs on.
	SID       string
	Transport string

	t       *Target
	ws      *WebSocket
	pending []Message // polling: received, not read yet
	ended   *Ending   // polling: how the server ended the session, once it has
}

// OpenSession opens a session over transport (Polling or
// WebSocketTransport).
func (t *Target) OpenSession(ctx context.Context, transport string) (*Session, error) {
	switch transport {
	case WebSocketTransport:
		ws, sid, err := t.OpenWebSocket(ctx)
		if err != nil {
			return nil, err
		}
		return &Session{SID: sid, Transport: transport, t: t, ws: ws}, nil
	case Polling:
		sid, _, err := t.Handshake(ctx)
		if err != nil {
			return nil, err
		}
		return &Session{SID: sid, Transport: transport, t: t}, nil
	}
	return nil, fmt.Errorf("attack: unknown transport %q", transport)
}

// WebSocket returns the session's WebSocket, nil over polling, for frames
// built by hand.
func (s *Session) WebSocket() *WebSocket { return s.ws }

// Close drops the session's connection without telling the server.
func (s *Session) Close() {
	if s.ws != nil {
		s.ws.Close()
	}
}

// Send sends Engine.IO packets as text ("4" + a Socket.IO packet is a
// message): over WebSocket one frame each, over polling one POST, which
// must be answered 200 "ok".
func (s *Session) Send(ctx context.Context, packets ...string) error {
	if s.ws != nil {
		for _, p := range packets {
			if err := s.ws.WriteText(p); err != nil {
				return err
			}
		}
		return nil
	}
	resp, err := s.t.Post(ctx, s.SID, "text/plain;charset=UTF-8", []byte(strings.Join(packets, RecordSeparator)))
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		return fmt.Errorf("%w: POST answered %s", ErrClosed, resp)
	}
	return nil
}

// SendMessages sends Socket.IO packets, each as an Engine.IO message.
func (s *Session) SendMessages(ctx context.Context, packets ...string) error {
	msgs := make([]string, len(packets))
	for i, p := range packets {
		msgs[i] = "4" + p
	}
	return s.Send(ctx, msgs...)
}

// SendBinary sends a binary message: a binary frame over WebSocket, a
// base64 "b" packet over polling.
func (s *Session) SendBinary(ctx context.Context, b []byte) error {
	if s.ws != nil {
		return s.ws.WriteBinary(b)
	}
	return s.Send(ctx, "b"+base64.StdEncoding.EncodeToString(b))
}

// Next returns the next message the server sends: the Socket.IO packet a
// text message carries (without the Engine.IO type), or a binary
// attachment. Pings are answered and noops skipped on the way. It fails
// with ErrClosed once the server has ended the session, ErrTimeout when
// ctx ends first.
func (s *Session) Next(ctx context.Context) (Message, error) {
	ctx, cancel := withDefault(ctx)
	defer cancel()
	if s.ws != nil {
		for {
			typ, data, err := s.ws.Read(deadlineOf(ctx))
			if err != nil {
				if errors.Is(err, ErrTimeout) {
					return Message{}, err
				}
				return Message{}, fmt.Errorf("%w: %w", ErrClosed, err)
			}
			if typ == websocket.BinaryMessage {
				return Message{Binary: true, Data: data}, nil
			}
			switch {
			case len(data) > 0 && data[0] == '4':
				return Message{Data: data[1:]}, nil
			case len(data) > 0 && data[0] == '2':
				if err := s.ws.WriteText("3" + string(data[1:])); err != nil {
					return Message{}, fmt.Errorf("%w: %w", ErrClosed, err)
				}
			case len(data) > 0 && data[0] == '1':
				return Message{}, ErrClosed
			}
		}
	}
	for len(s.pending) == 0 {
		if s.ended != nil {
			return Message{}, ErrClosed
		}
		if err := s.poll(ctx); err != nil {
			return Message{}, err
		}
	}
	m := s.pending[0]
	s.pending = s.pending[1:]
	return m, nil
}

// poll sends one GET and queues what it brings.
func (s *Session) poll(ctx context.Context) error {
	resp, err := s.t.Poll(ctx, s.SID)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		return err
	}
	if resp.Status != http.StatusOK {
		s.ended = &Ending{Refused: resp}
		return nil
	}
	for _, p := range strings.Split(string(resp.Body), RecordSeparator) {
		switch {
		case p == "":
		case p[0] == '4':
			s.pending = append(s.pending, Message{Data: []byte(p[1:])})
		case p[0] == 'b':
			b, err := base64.StdEncoding.DecodeString(p[1:])
			if err != nil {
				return fmt.Errorf("%w: bad base64 from the server: %q", ErrProtocol, p)
			}
			s.pending = append(s.pending, Message{Binary: true, Data: b})
		case p[0] == '2':
			if err := s.Send(ctx, "3"+p[1:]); err != nil {
				return err
			}
		case p[0] == '1':
			s.ended = &Ending{ClosePacket: true}
		}
	}
	return nil
}

// Ending is how the server ended a session.
type Ending struct {
	// Messages are what arrived before the end, as Next returns them.
	Messages []Message
	// CloseCode is, over WebSocket, the code of the server's close frame
	// (1005 for an empty one) or CloseAbnormal when it sent none.
	CloseCode int
	// ClosePacket is set over polling when a poll carried the close
	// packet "1".
	ClosePacket bool
	// Refused is, over polling, the answer to the poll that found the
	// session gone (400 {"code":1,...}).
	Refused *Response
}

// AwaitClose reads until the server ends the session and tells how it
// did. It fails with ErrStillOpen if the session is still open when ctx
// ends.
func (s *Session) AwaitClose(ctx context.Context) (Ending, error) {
	ctx, cancel := withDefault(ctx)
	defer cancel()
	if s.ws != nil {
		for {
			// Next answers pings; ReadUntilClose would not.
			m, err := s.Next(ctx)
			if err == nil {
				if s.ended == nil {
					s.ended = &Ending{}
				}
				s.ended.Messages = append(s.ended.Messages, m)
				continue
			}
			if errors.Is(err, ErrTimeout) {
				return Ending{}, fmt.Errorf("%w: %w", ErrStillOpen, err)
			}
			e := Ending{CloseCode: CloseAbnormal}
			if s.ended != nil {
				e.Messages = s.ended.Messages
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				e.CloseCode = ce.Code
			}
			return e, nil
		}
	}
	var msgs []Message
	for {
		m, err := s.Next(ctx)
		if err == nil {
			msgs = append(msgs, m)
			continue
		}
		if errors.Is(err, ErrClosed) && s.ended != nil {
			e := *s.ended
			e.Messages = msgs
			return e, nil
		}
		if errors.Is(err, ErrTimeout) {
			return Ending{Messages: msgs}, fmt.Errorf("%w: %w", ErrStillOpen, err)
		}
		return Ending{Messages: msgs}, err
	}
}

// Connect sends a CONNECT for namespace nsp ("/" or "/name") with auth (a
// JSON object, or "" for none) and returns the server's reply packet: a
// CONNECT ("0...") or a CONNECT_ERROR ("4..."). Events that arrive first
// are skipped.
func (s *Session) Connect(ctx context.Context, nsp, auth string) (string, error) {
	if err := s.SendMessages(ctx, ConnectPacket(nsp, auth)); err != nil {
		return "", err
	}
	for {
		m, err := s.Next(ctx)
		if err != nil {
			return "", err
		}
		if !m.Binary && len(m.Data) > 0 && (m.Data[0] == '0' || m.Data[0] == '4') {
			return string(m.Data), nil
		}
	}
}

// ConnectPacket is the Socket.IO CONNECT packet for nsp with auth.
func ConnectPacket(nsp, auth string) string {
	if nsp == "/" {
		return "0" + auth
	}
	return "0" + nsp + "," + auth
}
