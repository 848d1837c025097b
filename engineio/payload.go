package engineio

import "bytes"

// decodePayload splits a polling request body into packets and calls fn for
// each, in order, until fn returns false. A malformed record is reported to fn
// as an error and ends the payload, as Node stops at the first bad packet.
func decodePayload(body []byte, fn func(packet, error) bool) {
	for {
		rec, rest, more := bytes.Cut(body, []byte{recordSeparator})
		p, err := decodeText(rec)
		if !fn(p, err) || err != nil || !more {
			return
		}
		body = rest
	}
}

// appendPayload appends the polling form of msgs: each packet's text form,
// joined by the record separator.
func appendPayload(dst []byte, msgs []*Message) []byte {
	for i, m := range msgs {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		dst = m.appendText(dst)
	}
	return dst
}
