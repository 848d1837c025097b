// Package notepack speaks MessagePack exactly as the npm package notepack.io
// 3.0.1 does, the default codec of @socket.io/redis-adapter 8.3 and
// @socket.io/redis-emitter 5.1.
//
// # The model
//
// Inside siogo, Socket.IO data is JSON text in which every binary value is
// the placeholder object {"_placeholder":true,"num":N}, N indexing a list of
// attachments ([][]byte). A Node server holds the same data as a JavaScript
// value with Buffers in those places. This package translates between the
// two forms through that JavaScript value:
//
//   - AppendJSON reads the JSON text as JSON.parse would, puts Buffers where
//     socket.io-parser's reconstructPacket would, and writes the msgpack
//     bytes notepack.io's encode writes for the resulting value.
//   - ToJSON reads msgpack as notepack.io's decode would, and writes the
//     JSON text and attachments a Node server would send to a client after
//     socket.io-parser's deconstructPacket and JSON.stringify.
//
// Both go through a small tree of JavaScript values (undefined, null,
// boolean, number, string, Buffer, ArrayBuffer, Date, Array, Object) built
// in two flat slices per call. Objects hold their own properties the way
// V8 does: a duplicate key keeps its first position and its last value,
// keys that are array indices ("0" .. "4294967294" in canonical form) come
// first in ascending order, the other keys in insertion order. That order is
// what notepack.io's Object.keys and JSON.stringify see, so it is the order
// of the bytes written here.
//
// The Append* primitives write single values for callers that build
// messages themselves; each writes the bytes notepack.io writes for the
// corresponding JavaScript value. There is no package-level state.
//
// # Where notepack.io cannot be matched
//
//   - Strings holding lone UTF-16 surrogates (only reachable through \uD800
//     style escapes in JSON) are written by notepack.io with a header computed
//     one way and a body written another; for some of them the body is
//     shorter than the header and notepack.io leaves uninitialized memory in
//     the gap. Those strings are written here as UTF-8 with each lone
//     surrogate replaced by U+FFFD. The deterministic cases (a string of at
//     most 32 UTF-16 units whose "greedy" encoding also fits in 32 bytes, or
//     any key of at most 32 units, or a value of more than 32 units) are
//     matched byte for byte. notepack.io's key cache also makes key bytes
//     depend on the history of the process once it holds 1024 keys; this
//     package behaves as if the cache were not full.
//   - Invalid UTF-8 in the JSON text or in msgpack strings is replaced by
//     U+FFFD per maximal subpart, as Node's UTF-8 decoder does.
//   - Numbers beyond ±2^53: JSON numbers become float64 as in JavaScript, and
//     msgpack integers beyond ±2^53 lose precision exactly as in notepack.io
//     (hi·2^32 + lo in float64), so ToJSON writes the number a Node server
//     would write, not the exact integer. AppendInt writes any int64
//     exactly, in the form notepack.io would pick for its magnitude.
//   - A map key that is not a string becomes a property name as JavaScript
//     would convert it, except that a Date key is formatted as
//     Date.prototype.toString in UTC (Node uses the process time zone) and
//     a map key that is itself a map is always "[object Object]".
//   - A map key "__proto__" is dropped by ToJSON, as notepack.io's plain
//     assignment sets the prototype instead of creating a property.
//   - undefined (fixext1 type 0) becomes null at the top level and in
//     arrays, and its key is left out in objects, as JSON.stringify does.
//
// Nesting deeper than 10000 levels is refused with ErrDepth; Node would run
// out of stack somewhere around there too.
package notepack
