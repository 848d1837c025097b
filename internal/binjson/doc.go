// Package binjson encodes and decodes Socket.IO event data: JSON in which
// binary values travel as separate attachments.
//
// # The model
//
// A Socket.IO packet carries its data as one JSON text. Each binary value
// in it is replaced by the placeholder object
//
//	{"_placeholder":true,"num":N}
//
// (keys in exactly that order), where N counts from 0 in order of
// appearance across the whole packet, and the bytes follow the packet as
// attachment N. Placeholders may be nested anywhere. The official clients
// compare text, so the JSON written here is what JavaScript's
// JSON.stringify writes: compact, '<', '>' and '&' not escaped, U+2028 and
// U+2029 not escaped, struct fields in declaration order and map keys
// sorted (as encoding/json does), and the text of raw JSON untouched.
//
// AppendValue and AppendArray write Go values, turning every []byte into a
// placeholder and an attachment. Unmarshal does the reverse into Go
// values. Raw keeps an argument as JSON text plus its attachments, so a
// server can forward or broadcast it without decoding it; the placeholders
// are renumbered when it is written into another packet. SplitArray splits
// a packet's array into its arguments, and CheckPlaceholders applies the
// check socket.io-parser applies to incoming placeholders.
//
// # Fast paths
//
// Most data holds no binary. Encoding decides per Go type: a type that
// cannot hold a []byte, a Raw or an interface is written by encoding/json
// in one call; only the others are walked with reflection, and the walk
// hands every such sub-value back to encoding/json. Decoding decides per
// text: data without the "_placeholder" key goes straight to
// json.Unmarshal. Otherwise one scan finds the placeholders, and only the
// arrays and objects that hold one are walked; everything else in them is
// decoded by encoding/json in one call per array or object.
//
// A Codec caches what the walk learns about each type; the package-level
// functions cache nothing between calls. There is no package-level state.
//
// # Limits
//
// The rules of encoding/json apply, with these differences and limits:
//
//   - A nil []byte encodes as null, as in encoding/json (JavaScript has no
//     null binary); an empty non-nil one is an empty attachment. Byte
//     arrays ([N]byte) are JSON arrays of numbers, as in encoding/json.
//   - Attachments share memory with the encoded value and with the decoded
//     packet: nothing is copied.
//   - A type with a MarshalJSON or MarshalText method is written by that
//     method, so binary inside it becomes base64, not an attachment.
//     Likewise a json.Unmarshaler receives the JSON text with its
//     placeholders unresolved (json.RawMessage keeps them as they are).
//   - Output of encoding/json has its \u2028 and \u2029 escapes turned
//     back into the raw characters, including inside a json.RawMessage or
//     MarshalJSON result it wrote; the JSON value is the same.
//   - Floats are formatted by encoding/json, which matches JavaScript except
//     that -0 is written "-0" (JavaScript writes "0"), and NaN and
//     infinities are an error (JavaScript writes null).
//   - Unmarshal of an object into a struct or map decodes the members
//     without placeholders first, in one json.Unmarshal call, and then
//     the ones with placeholders. Only a JSON text with duplicate keys can
//     tell the difference. Struct fields are matched to keys as
//     encoding/json matches them (exact name, then case-insensitively); a
//     ",string" field cannot hold a placeholder.
//   - An array with placeholders is decoded by json.Unmarshal with null in
//     their places, so a json.Unmarshaler element there sees "null" first.
//   - A Raw nested inside another destination, in a part of the text with
//     no placeholder, is decoded by encoding/json through Raw.UnmarshalJSON,
//     which copies the text.
//   - A placeholder is recognized as socket.io-parser recognizes it: any
//     object whose last "_placeholder" member is true, whatever its other
//     members; its num must be an integer in range. A key spelled with \u
//     escapes counts too, which is why texts with \u take the slower check.
package binjson
