package redisadapter

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/siogo/siogo/internal/notepack"
)

// The adapter builds every message as JSON text (packet data stays the
// JSON with binary placeholders that socketio uses) and converts the ones
// Node sends as msgpack with notepack-identical output. Incoming msgpack
// is turned back into JSON, bin values into placeholders.

var errTrailing = errors.New("redisadapter: trailing bytes after msgpack value")

// toMsgpack appends the msgpack form of the JSON value js, whose
// placeholders index atts.
func toMsgpack(dst, js []byte, atts [][]byte) ([]byte, error) {
	out, err := notepack.AppendJSON(dst, js, atts)
	if err != nil {
		return nil, fmt.Errorf("redisadapter: encoding msgpack: %w", err)
	}
	return out, nil
}

// fromMsgpack returns the JSON form of the msgpack message and the binary
// attachments its placeholders index.
func fromMsgpack(msg []byte) (json.RawMessage, [][]byte, error) {
	var atts [][]byte
	out, rest, err := notepack.ToJSON(make([]byte, 0, len(msg)+len(msg)/2), &atts, msg)
	if err != nil {
		return nil, nil, fmt.Errorf("redisadapter: decoding msgpack: %w", err)
	}
	if len(rest) != 0 {
		return nil, nil, errTrailing
	}
	return out, atts, nil
}

// decodeMessage decodes a request or response, JSON when it starts with
// '{' and msgpack otherwise, as Node sniffs.
func decodeMessage(msg []byte) (json.RawMessage, [][]byte, error) {
	if len(msg) > 0 && msg[0] == '{' {
		return msg, nil, nil
	}
	return fromMsgpack(msg)
}
