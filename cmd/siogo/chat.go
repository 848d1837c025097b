package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
	"github.com/siogo/siogo/socketio/roomauth"
	"github.com/siogo/siogo/socketio/throttle"
)

const (
	maxMessageRunes = 2000
	// deliveryTimeout bounds how long the sender waits for receivers'
	// acks before its "delivered" count is sent.
	deliveryTimeout = 5 * time.Second
	presenceTimeout = 3 * time.Second
)

// chat is the demo application: rooms a token allows, messages with
// delivery receipts, typing indicators and presence across the cluster.
type chat struct {
	io      *socketio.Server
	node    string
	policy  roomauth.Policy
	events  throttle.EventOptions
	metrics *metrics.Metrics
	log     *slog.Logger
}

type chatMessage struct {
	Room string `json:"room"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

type typingNotice struct {
	Room   string `json:"room"`
	Typing bool   `json:"typing"`
}

// refusal is the ack of a request the server turned down; error is the
// code a client branches on, message is for people.
func refusal(code, message string) map[string]any {
	return map[string]any{"ok": false, "error": code, "message": message}
}

func claimsOf(s *socketio.Socket) *userClaims {
	c, _ := jwtauth.Claims(s).(*userClaims)
	return c
}

func (c *chat) onConnection(s *socketio.Socket) {
	claims := claimsOf(s)
	if claims == nil { // the middleware lets no one through without claims
		s.Disconnect(true)
		return
	}
	name := claims.Name
	s.SetData(map[string]any{"name": name})
	throttle.Events(s, c.events)
	s.OnError(func(err error) {
		if !errors.Is(err, throttle.ErrRateLimited) {
			c.log.Debug("socket error", "id", s.ID(), "err", err)
		}
	})
	s.Emit("welcome", map[string]any{"id": s.ID(), "name": name, "node": c.node})

	s.On("join", func(room string, ack socketio.AckFunc) {
		if err := c.policy.Join(s, room); err != nil {
			if c.metrics != nil {
				c.metrics.JoinRefused(s.Namespace().Name())
			}
			ack(refusal("forbidden", "you may not join "+quote(room)))
			return
		}
		members := c.members(s.Context(), room)
		ack(map[string]any{"ok": true, "room": room, "members": members})
		c.announce(room, members)
	})
	s.On("leave", func(room string, ack socketio.AckFunc) {
		s.Leave(room)
		ack(map[string]any{"ok": true})
		go c.announce(room, nil)
	})
	s.On("message", func(m chatMessage, ack socketio.AckFunc) {
		switch {
		case !inRoom(s, m.Room):
			ack(refusal("not_in_room", "join "+quote(m.Room)+" first"))
			return
		case m.Text == "":
			ack(refusal("empty", "nothing to send"))
			return
		case utf8.RuneCountInString(m.Text) > maxMessageRunes:
			ack(refusal("too_long", "a message is at most 2000 characters"))
			return
		}
		at := time.Now().UnixMilli()
		ack(map[string]any{"ok": true, "id": m.ID, "at": at})
		out := map[string]any{"room": m.Room, "id": m.ID, "from": name, "text": m.Text, "at": at}
		// The receipts come from the receivers' acks, on every node; waiting
		// for them must not hold up this socket's next events.
		go func() {
			ctx, cancel := context.WithTimeout(s.Context(), deliveryTimeout)
			defer cancel()
			acks, _ := s.To(m.Room).EmitWithAck(ctx, "message", out)
			if s.Connected() {
				s.Emit("delivered", map[string]any{"room": m.Room, "id": m.ID, "count": len(acks)})
			}
		}()
	})
	s.On("typing", func(t typingNotice) {
		if inRoom(s, t.Room) {
			s.To(t.Room).Volatile().Emit("typing", map[string]any{"room": t.Room, "name": name, "typing": t.Typing})
		}
	})

	var rooms []string
	s.OnDisconnecting(func(string) { rooms = s.Rooms() })
	s.OnDisconnect(func(reason string) {
		c.log.Debug("disconnected", "id", s.ID(), "name", name, "reason", reason)
		for _, r := range rooms {
			if r != s.ID() {
				go c.announce(r, nil)
			}
		}
	})
}

func inRoom(s *socketio.Socket, room string) bool {
	return room != "" && room != s.ID() && slices.Contains(s.Rooms(), room)
}

// members lists the names in room on every node, sorted, each once.
func (c *chat) members(ctx context.Context, room string) []string {
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	sockets, err := c.io.In(room).FetchSockets(ctx)
	if err != nil && len(sockets) == 0 {
		c.log.Warn("presence", "room", room, "err", err)
	}
	names := make([]string, 0, len(sockets))
	for _, rs := range sockets {
		if n := nameOf(rs.Data); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// announce tells everyone in room, on every node, who is there now.
func (c *chat) announce(room string, members []string) {
	if members == nil {
		members = c.members(context.Background(), room)
	}
	c.io.To(room).Emit("presence", map[string]any{"room": room, "members": members})
}

// nameOf reads the name a socket carries in its data: a Go map for a local
// socket, the JSON another node reported for a remote one.
func nameOf(data any) string {
	switch d := data.(type) {
	case map[string]any:
		n, _ := d["name"].(string)
		return n
	case json.RawMessage:
		var v struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(d, &v) == nil {
			return v.Name
		}
	}
	return ""
}

func quote(s string) string { return "\"" + s + "\"" }
