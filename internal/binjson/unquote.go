package binjson

import "unicode/utf8"

// UnquoteSimple returns the string that the JSON string literal data
// stands for, when data is the common simple kind: quotes at both ends and,
// between them, valid UTF-8 with no backslash, quote or control character.
// Such a literal means its bytes as they are, so no decoding is needed. For
// anything else, valid or not, ok is false and the caller should decode
// with encoding/json, which also handles escapes and replaces invalid
// UTF-8 with U+FFFD.
func UnquoteSimple(data []byte) (s string, ok bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	inner := data[1 : len(data)-1]
	ascii := true
	for _, c := range inner {
		switch {
		case c == '\\' || c == '"' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}
