package notepack

// BeyondExact reports whether the JSON text js (as ToJSON writes it) holds
// a number of magnitude 2^63 or more, which notepack.io re-encodes modulo
// 2^64: such a payload cannot round-trip through notepack, which the fuzz
// tests of notepack and of the Redis adapter's wire format allow for.
func BeyondExact(js []byte) bool {
	inStr := false
	run := 0
	for i := 0; i < len(js); i++ {
		c := js[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c >= '0' && c <= '9':
			run++
			if run >= 19 {
				return true
			}
		case c == '+':
			return true // 1e+21 and beyond
		default:
			run = 0
		}
	}
	return false
}
