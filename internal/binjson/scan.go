package binjson

import "strconv"

// maxDepth is encoding/json's nesting limit. Using the same limit means the
// scanner accepts exactly the texts json.Valid accepts, and it bounds the
// recursion of every walk in this package.
const maxDepth = 10000

// A SyntaxError describes invalid JSON found by SplitArray or a scan.
type SyntaxError struct {
	msg    string
	Offset int64 // the error occurred after reading Offset bytes
}

func (e *SyntaxError) Error() string {
	return "binjson: " + e.msg + " at offset " + strconv.FormatInt(e.Offset, 10)
}

func syntaxError(off int, msg string) error {
	return &SyntaxError{msg: msg, Offset: int64(off)}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// trimSpace returns the bounds of data without surrounding JSON white space.
func trimSpace(data []byte) (start, end int) {
	start = skipSpace(data, 0)
	end = len(data)
	for end > start && isSpace(data[end-1]) {
		end--
	}
	return start, end
}

// scanValue validates the JSON value starting at data[i], which must not be
// white space, and returns the offset just past it. depth is the number of
// arrays and objects enclosing the value.
func scanValue(data []byte, i, depth int) (int, error) {
	if i >= len(data) {
		return i, syntaxError(i, "unexpected end of JSON input")
	}
	switch c := data[i]; {
	case c == '"':
		return scanString(data, i)
	case c == '{':
		return scanObject(data, i, depth+1)
	case c == '[':
		return scanArray(data, i, depth+1)
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(data, i)
	case c == 't':
		return scanLiteral(data, i, "true")
	case c == 'f':
		return scanLiteral(data, i, "false")
	case c == 'n':
		return scanLiteral(data, i, "null")
	}
	return i, syntaxError(i, "invalid character "+strconv.QuoteRune(rune(data[i]))+" looking for beginning of value")
}

func scanLiteral(data []byte, i int, lit string) (int, error) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, syntaxError(i, "invalid literal")
	}
	return i + len(lit), nil
}

// scanString validates the string starting at the quote data[i]. Like
// encoding/json it rejects control characters but not invalid UTF-8.
func scanString(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); {
		switch c := data[j]; {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			if j+1 >= len(data) {
				return j, syntaxError(j, "unexpected end of JSON input")
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if len(data)-j < 6 {
					return j, syntaxError(j, "unexpected end of JSON input")
				}
				for _, h := range data[j+2 : j+6] {
					if !isHex(h) {
						return j, syntaxError(j, "invalid character in \\u escape")
					}
				}
				j += 6
			default:
				return j, syntaxError(j+1, "invalid escape in string literal")
			}
		case c < 0x20:
			return j, syntaxError(j, "invalid character in string literal")
		default:
			j++
		}
	}
	return len(data), syntaxError(len(data), "unexpected end of JSON input")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(data []byte, i int) (int, error) {
	j := i
	if data[j] == '-' {
		j++
	}
	switch {
	case j < len(data) && data[j] == '0':
		j++
	case j < len(data) && '1' <= data[j] && data[j] <= '9':
		for j < len(data) && isDigit(data[j]) {
			j++
		}
	default:
		return j, syntaxError(j, "invalid number")
	}
	if j < len(data) && data[j] == '.' {
		j++
		if j >= len(data) || !isDigit(data[j]) {
			return j, syntaxError(j, "invalid number")
		}
		for j < len(data) && isDigit(data[j]) {
			j++
		}
	}
	if j < len(data) && (data[j] == 'e' || data[j] == 'E') {
		j++
		if j < len(data) && (data[j] == '+' || data[j] == '-') {
			j++
		}
		if j >= len(data) || !isDigit(data[j]) {
			return j, syntaxError(j, "invalid number")
		}
		for j < len(data) && isDigit(data[j]) {
			j++
		}
	}
	return j, nil
}

func scanArray(data []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, syntaxError(i, "exceeded max depth")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := scanValue(data, i, depth)
		if err != nil {
			return end, err
		}
		var closed bool
		i, closed, err = afterElement(data, end, ']')
		if err != nil || closed {
			return i, err
		}
	}
}

func scanObject(data []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, syntaxError(i, "exceeded max depth")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		v, err := afterKey(data, i)
		if err != nil {
			return v, err
		}
		end, err := scanValue(data, v, depth)
		if err != nil {
			return end, err
		}
		var closed bool
		i, closed, err = afterElement(data, end, '}')
		if err != nil || closed {
			return i, err
		}
	}
}

// afterKey validates an object key and its colon starting at data[i] and
// returns the offset of the member's value.
func afterKey(data []byte, i int) (int, error) {
	if i >= len(data) || data[i] != '"' {
		return i, syntaxError(i, "looking for beginning of object key string")
	}
	end, err := scanString(data, i)
	if err != nil {
		return end, err
	}
	i = skipSpace(data, end)
	if i >= len(data) || data[i] != ':' {
		return i, syntaxError(i, "after object key")
	}
	return skipSpace(data, i+1), nil
}

// afterElement consumes the white space and the ',' or closing byte after an
// element of an array or object. It returns the offset of the next element
// after a comma, or with closed set the offset just past the closing byte.
func afterElement(data []byte, i int, closing byte) (next int, closed bool, err error) {
	i = skipSpace(data, i)
	if i >= len(data) {
		return i, false, syntaxError(i, "unexpected end of JSON input")
	}
	switch data[i] {
	case ',':
		return skipSpace(data, i+1), false, nil
	case closing:
		return i + 1, true, nil
	}
	return i, false, syntaxError(i, "invalid character after element")
}
