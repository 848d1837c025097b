package notepack

// AppendJSON appends the msgpack encoding of the JSON value js as
// notepack.io 3.0.1 encodes the JavaScript value JSON.parse makes of it,
// with each placeholder object {"_placeholder":true,"num":N} replaced by a
// Buffer holding atts[N] (written as bin). Objects keep their keys in
// Object.keys order: array-index keys ("0", "1", ... "4294967294") first in
// ascending order, then the others in text order; a duplicate key keeps
// its first position and its last value. Whole finite numbers use the
// smallest integer form, other numbers float64.
//
// As in socket.io-parser, a placeholder is any object whose _placeholder
// property is true, whatever its other properties; its num must be an
// integer indexing atts, otherwise the error wraps ErrPlaceholder. Invalid
// JSON gives an error wrapping ErrSyntax. On error dst is returned
// unchanged.
func AppendJSON(dst []byte, js []byte, atts [][]byte) ([]byte, error) {
	p := jsonParser{src: js, atts: atts}
	p.presize(len(js))
	v, err := p.parse()
	if err != nil {
		return dst, err
	}
	out, err := p.encode(dst, v, false)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// ToJSON decodes the first msgpack value of msg as notepack.io 3.0.1 does
// and appends its JSON form, the text JSON.stringify writes for the
// decoded value after socket.io-parser has replaced each binary value by a
// placeholder. Each bin (and legacy ext type 0 ArrayBuffer) becomes
// {"_placeholder":true,"num":N} with N = len(*atts) at that point, and its
// bytes are appended to *atts; they share memory with msg.
//
// Timestamps (ext -1, all three sizes) and the legacy fixext8 type 0 date
// become strings as Date.prototype.toJSON writes them
// ("2023-11-14T22:13:20.123Z", null for an invalid Date); legacy undefined
// (d4 00 xx) becomes null, or leaves its key out in a map; any other
// extension becomes [type,<bin>]. Map keys of any type become property
// names, in Object.keys order, a duplicate keeping its first position and
// last value. Numbers are written as JavaScript writes them (NaN and
// infinities as null); integers beyond ±2^53 are rounded as in notepack.io.
// The output is compact and escapes only what JSON.stringify escapes.
//
// ToJSON returns the bytes of msg after the value; a message must have
// none (see Valid), as notepack.io rejects trailing bytes. On error dst
// and *atts are left unchanged.
func ToJSON(dst []byte, atts *[][]byte, msg []byte) (out []byte, rest []byte, err error) {
	p := mpParser{src: msg}
	p.presize(2 * len(msg))
	v, err := p.value()
	if err != nil {
		return dst, msg, err
	}
	return p.writeJSON(dst, v, atts), msg[p.pos:], nil
}

// Valid reports whether msg is exactly one msgpack value that notepack.io's
// decode accepts: nil, or an error wrapping ErrTruncated, ErrInvalid,
// ErrDepth or ErrTrailing.
func Valid(msg []byte) error {
	p := mpParser{src: msg}
	if _, err := p.value(); err != nil {
		return err
	}
	if p.pos != len(msg) {
		return errAt(ErrTrailing, p.pos)
	}
	return nil
}
