// Package jsjson encodes JSON the way JavaScript's JSON.stringify does, so
// that clients comparing strings see what a Node server would send.
package jsjson

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v compactly, without the HTML escaping of json.Marshal
// (JSON.stringify leaves <, > and & alone) and without a trailing newline.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
