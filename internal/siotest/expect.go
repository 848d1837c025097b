package siotest

import (
	"strings"
	"testing"
	"time"
)

// The helpers below fail the test instead of returning an error, and give
// up after Wait: a test states what it expects, not how to cope without.

// Send sends one packet and its binary attachments.
func Send(t testing.TB, c *Conn, text string, attachments ...[]byte) {
	t.Helper()
	if err := c.Send(text, attachments...); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

// Read returns the text of the next packet, which must have no
// attachments.
func Read(t testing.TB, c *Conn) string {
	t.Helper()
	got, err := c.ReadText(Wait)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return got
}

// Expect reads the next packet and compares its text with want.
func Expect(t testing.TB, c *Conn, want string) {
	t.Helper()
	got, err := c.ReadText(Wait)
	if err != nil {
		t.Fatalf("reading (want %q): %v", want, err)
	}
	if got != want {
		t.Fatalf("got packet %q, want %q", got, want)
	}
}

// ExpectPrefix reads the next packet, checks its beginning and returns its
// text.
func ExpectPrefix(t testing.TB, c *Conn, prefix string) string {
	t.Helper()
	got, err := c.ReadText(Wait)
	if err != nil {
		t.Fatalf("reading (want %q...): %v", prefix, err)
	}
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("got packet %q, want prefix %q", got, prefix)
	}
	return got
}

// ExpectClosed waits until the server ends the session and returns what
// arrived meanwhile.
func ExpectClosed(t testing.TB, c *Conn) []Packet {
	t.Helper()
	got, err := c.Closed(Wait)
	if err != nil {
		t.Fatalf("connection not closed: %v (received %v)", err, got)
	}
	return got
}

// Recv waits for a value on ch, as sent by a handler on the server's
// goroutines.
func Recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Wait):
		var zero T
		t.Fatalf("timed out waiting for a %T", zero)
		return zero
	}
}

// Nothing checks that ch stays empty for d. A short d cannot prove that
// nothing will ever come, only catch what comes at once.
func Nothing[T any](t testing.TB, ch <-chan T, d time.Duration) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	case <-time.After(d):
	}
}
