package binjson

import "encoding/json"

// SplitArray splits the JSON array data into its top-level elements and
// appends them to dst. The elements are sub-slices of data, without
// surrounding white space; nothing is copied, so a caller can reuse dst
// across packets. It returns an error, and dst unchanged, unless data is a
// single valid JSON array (white space around it is allowed).
func SplitArray(dst []json.RawMessage, data []byte) ([]json.RawMessage, error) {
	orig := len(dst)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return dst, syntaxError(i, "not a JSON array")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		i++
	} else {
		for {
			end, err := scanValue(data, i, 1)
			if err != nil {
				return dst[:orig], err
			}
			dst = append(dst, data[i:end:end])
			var closed bool
			i, closed, err = afterElement(data, end, ']')
			if err != nil {
				return dst[:orig], err
			}
			if closed {
				break
			}
		}
	}
	if i = skipSpace(data, i); i != len(data) {
		return dst[:orig], syntaxError(i, "invalid character after top-level value")
	}
	return dst, nil
}
