package notepack

import (
	"errors"
	"fmt"
)

// The errors returned by this package wrap one of these.
var (
	// ErrSyntax reports JSON text that JSON.parse would reject.
	ErrSyntax = errors.New("notepack: invalid JSON")
	// ErrTruncated reports msgpack input that ends inside a value.
	ErrTruncated = errors.New("notepack: truncated msgpack")
	// ErrInvalid reports a msgpack byte notepack.io cannot parse (0xc1).
	ErrInvalid = errors.New("notepack: invalid msgpack")
	// ErrTrailing reports bytes after the single value of a message.
	ErrTrailing = errors.New("notepack: trailing bytes after the value")
	// ErrPlaceholder reports a placeholder whose num is not an integer
	// indexing the attachments.
	ErrPlaceholder = errors.New("notepack: placeholder does not index an attachment")
	// ErrDepth reports nesting deeper than maxDepth.
	ErrDepth = errors.New("notepack: nesting too deep")
	// ErrTooLarge reports a string, binary, array or map of 2^32 or more
	// elements, which notepack.io refuses too.
	ErrTooLarge = errors.New("notepack: value too large")
)

// maxDepth bounds the nesting of arrays and objects on both paths.
const maxDepth = 10000

func errAt(err error, off int) error {
	return fmt.Errorf("%w at offset %d", err, off)
}
