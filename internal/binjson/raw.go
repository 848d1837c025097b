package binjson

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Raw is a JSON value together with the attachments its placeholders point
// into: the form in which an event argument can be kept, forwarded or
// broadcast without decoding it.
//
// Unmarshal into *Raw keeps the value's JSON text exactly as received (a
// sub-slice of the input, not a copy) and shares the packet's attachment
// list, so the placeholders' nums keep indexing Attachments. Encoding a Raw
// writes the JSON text unchanged when it has no placeholders; otherwise
// each placeholder is rewritten as {"_placeholder":true,"num":N}, where N
// is the index at which its attachment is appended to the destination
// list. Attachments that no placeholder refers to are not written.
type Raw struct {
	JSON        json.RawMessage
	Attachments [][]byte
}

// Unmarshal decodes r into v, as Unmarshal(r.JSON, r.Attachments, v).
func (r Raw) Unmarshal(v any) error {
	return unmarshal(nil, r.JSON, r.Attachments, v)
}

var errRawAttachments = errors.New("binjson: a Raw with placeholders cannot be written by encoding/json; use AppendValue")

// MarshalJSON lets encoding/json write a Raw that has no placeholders, for
// example inside a struct given to json.Marshal. A Raw with placeholders
// gives an error there: only AppendValue can write its attachments.
func (r Raw) MarshalJSON() ([]byte, error) {
	if len(r.JSON) == 0 {
		return []byte("null"), nil
	}
	if mayHavePlaceholder(r.JSON) {
		var s placeholderScan
		if err := s.run(r.JSON, len(r.Attachments)); err != nil {
			return nil, err
		}
		if len(s.found) > 0 {
			return nil, errRawAttachments
		}
	}
	return r.JSON, nil
}

// UnmarshalJSON stores a copy of data in r with no attachments. It is what
// encoding/json calls, including for a Raw inside a value that Unmarshal
// decodes where no placeholder is involved; encoding/json may reuse data,
// hence the copy.
func (r *Raw) UnmarshalJSON(data []byte) error {
	r.JSON = append(json.RawMessage(nil), data...)
	r.Attachments = nil
	return nil
}

// appendRaw appends r's JSON with its placeholders renumbered after the
// attachments already in *atts, appending theirs. An empty Raw is null.
func appendRaw(dst []byte, atts *[][]byte, r *Raw) ([]byte, error) {
	if len(r.JSON) == 0 {
		return append(dst, "null"...), nil
	}
	var s placeholderScan
	if !mayHavePlaceholder(r.JSON) {
		// Only validate: a Raw built by hand must not break the packet.
		start, end := trimSpace(r.JSON)
		stop, err := scanValue(r.JSON, start, 0)
		if err == nil && stop != end {
			err = syntaxError(stop, "invalid character after top-level value")
		}
		if err != nil {
			return dst, err
		}
		return append(dst, r.JSON...), nil
	}
	if err := s.run(r.JSON, len(r.Attachments)); err != nil {
		return dst, err
	}
	prev := 0
	for i := range s.found {
		p := &s.found[i]
		num, _ := p.index(len(r.Attachments)) // checked by run
		dst = append(dst, r.JSON[prev:p.start]...)
		dst = appendPlaceholder(dst, len(*atts))
		*atts = append(*atts, r.Attachments[num])
		prev = p.end
	}
	return append(dst, r.JSON[prev:]...), nil
}

// appendPlaceholder appends the placeholder for attachment num, with its
// keys in the order socket.io-parser writes them.
func appendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	return append(dst, '}')
}
