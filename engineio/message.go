package engineio

import (
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// A Message is an outgoing Engine.IO packet. It is immutable once created and
// may be sent to any number of sockets: a broadcast builds one Message and every
// recipient queues the same pointer, so the bytes are produced once, not once
// per recipient. Over WebSocket, server frames are not masked: a recipient
// writes the message's own bytes after a header of a few bytes (wsBatch),
// or, with permessage-deflate, a prepared frame compressed once.
type Message struct {
	typ        packetType
	data       []byte
	binary     bool
	noCompress bool

	// sends counts Send calls; a message sent more than once is written as a
	// prepared WebSocket frame (with permessage-deflate) and keeps its text
	// form for polling; a unicast one is written directly (preparing costs
	// more than it saves for a single write).
	sends atomic.Int32

	textOnce sync.Once
	text     []byte // type digit + data, or 'b' + base64 for binary

	frameOnce sync.Once
	frame     *websocket.PreparedMessage // only with permessage-deflate
}

// NewMessage returns a message carrying data as text (binary false) or as raw
// bytes. The message keeps data; the caller must not modify it afterwards.
func NewMessage(data []byte, binary bool) *Message {
	return &Message{typ: packetMessage, data: data, binary: binary}
}

// NewTextMessage returns a text message.
func NewTextMessage(text string) *Message {
	return NewMessage([]byte(text), false)
}

// DisableCompression keeps the message out of HTTP and WebSocket
// compression (Node's compress: false). Call it before sending; it returns m.
func (m *Message) DisableCompression() *Message {
	m.noCompress = true
	return m
}

// Data returns the message's payload (without the packet type).
func (m *Message) Data() []byte { return m.data }

// Binary reports whether the payload is binary.
func (m *Message) Binary() bool { return m.binary }

func controlMessage(t packetType, data string) *Message {
	return &Message{typ: t, data: []byte(data)}
}

// textForm returns the packet as it is written in a text channel.
func (m *Message) textForm() []byte {
	m.textOnce.Do(func() {
		m.text = appendText(make([]byte, 0, m.textLen()), m.typ, m.data, m.binary)
	})
	return m.text
}

func (m *Message) textLen() int {
	if m.binary {
		return 1 + (len(m.data)+2)/3*4
	}
	return 1 + len(m.data)
}

func (m *Message) appendText(dst []byte) []byte {
	if m.sends.Load() > 1 {
		return append(dst, m.textForm()...)
	}
	return appendText(dst, m.typ, m.data, m.binary)
}

// preparedFrame returns the shared WebSocket frame for a binary-capable
// client on a connection the WebSocket library writes (permessage-deflate),
// or nil if it could not be prepared (the caller then writes directly).
func (m *Message) preparedFrame() *websocket.PreparedMessage {
	m.frameOnce.Do(func() {
		if m.binary {
			m.frame, _ = websocket.NewPreparedMessage(websocket.BinaryMessage, m.data)
		} else {
			m.frame, _ = websocket.NewPreparedMessage(websocket.TextMessage, m.textForm())
		}
	})
	return m.frame
}
