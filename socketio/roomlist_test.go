package socketio

import (
	"slices"
	"strconv"
	"testing"
)

// A socket's rooms keep their join order, without duplicates, below and
// above the size where they get an index.
func TestRoomList(t *testing.T) {
	var l roomList
	var want []Room
	for i := range 3 * indexFrom {
		r := "r" + strconv.Itoa(i)
		l.add(r)
		l.add(r)
		want = append(want, r)
		if i%5 == 0 {
			l.add("r0") // joined again: keeps its place
		}
	}
	if !slices.Equal(l.order, want) || l.index == nil || len(l.index) != len(want) {
		t.Fatalf("order %v (index %d), want %v", l.order, len(l.index), want)
	}
	for _, r := range []Room{"r7", "r0", "r47", "nope"} {
		l.remove(r)
		if i := slices.Index(want, r); i >= 0 {
			want = slices.Delete(want, i, i+1)
		}
	}
	if !slices.Equal(l.order, want) || len(l.index) != len(want) || l.has("r7") || !l.has("r8") {
		t.Fatalf("after removals: %v (index %d), want %v", l.order, len(l.index), want)
	}
}
