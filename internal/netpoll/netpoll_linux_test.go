package netpoll

import (
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pair returns the two ends of a loopback TCP connection.
func pair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); c.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

func rawConn(t *testing.T, c *net.TCPConn) syscall.RawConn {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func wait(t *testing.T, ch <-chan bool, what string) bool {
	t.Helper()
	select {
	case hup := <-ch:
		return hup
	case <-time.After(5 * time.Second):
		t.Fatalf("no event for %s", what)
	}
	return false
}

// TestPollerEvents: data, data already waiting at Add, and the end of the
// stream each call ready; Read drains without blocking.
func TestPollerEvents(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, c := pair(t)
	c.Write([]byte("early"))
	rc := rawConn(t, s)
	waitQueued(t, rc, len("early")) // in s's receive buffer before the watch begins
	events := make(chan bool, 16)
	if _, err := p.Add(rc, func(hup bool) { events <- hup }); err != nil {
		t.Fatal(err)
	}
	wait(t, events, "data waiting before Add")
	buf := make([]byte, 64)
	n, again, err := Read(rc, buf)
	if string(buf[:n]) != "early" || again || err != nil {
		t.Fatalf("read %q again=%v err=%v", buf[:n], again, err)
	}
	if _, again, err := Read(rc, buf); !again || err != nil {
		t.Fatalf("drained socket: again=%v err=%v, want EAGAIN", again, err)
	}

	c.Write([]byte("more"))
	wait(t, events, "new data")
	if n, _, _ := Read(rc, buf); string(buf[:n]) != "more" {
		t.Fatalf("read %q", buf[:n])
	}

	c.Write([]byte("last"))
	c.Close()
	hup := false
	for !hup {
		hup = wait(t, events, "the end of the stream")
	}
	n, _, err = Read(rc, buf)
	if string(buf[:n]) != "last" || err != nil {
		t.Fatalf("read %q err=%v", buf[:n], err)
	}
	if _, _, err := Read(rc, buf); err != io.EOF {
		t.Fatalf("after the data: %v, want EOF", err)
	}
}

// TestPollerRemoveAndClose: no call after Remove; Close ends the
// goroutine; Add after Close fails.
func TestPollerRemoveAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s, c := pair(t)
	events := make(chan bool, 16)
	rc := rawConn(t, s)
	token, err := p.Add(rc, func(hup bool) { events <- hup })
	if err != nil {
		t.Fatal(err)
	}
	p.Remove(rc, token)
	c.Write([]byte("x"))
	select {
	case <-events:
		t.Fatal("ready called after Remove")
	case <-time.After(100 * time.Millisecond):
	}
	p.Close()
	if _, err := p.Add(rc, func(bool) {}); err != ErrClosed {
		t.Fatalf("Add after Close: %v", err)
	}
	p.Remove(rc, token) // harmless
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReadClosedConn: reading a closed connection fails, it does not read
// whatever descriptor reused the number.
func TestReadClosedConn(t *testing.T) {
	s, _ := pair(t)
	rc := rawConn(t, s)
	s.Close()
	if _, _, err := Read(rc, make([]byte, 8)); err == nil {
		t.Fatal("read on a closed connection succeeded")
	}
}

// waitQueued waits until the socket behind rc has n bytes to read.
func waitQueued(t *testing.T, rc syscall.RawConn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var queued int
		rc.Control(func(fd uintptr) { queued, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}
