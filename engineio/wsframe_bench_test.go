//go:build linux

package engineio_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/engineio"
)

// BenchmarkBroadcastWebSocket broadcasts over real loopback WebSockets:
// each op sends window messages to every receiver (a broadcast each,
// one Message shared by all sessions) and waits until every receiver has
// read them all. With window > 1 a session has several frames queued per
// flush, which is where writing a flush with one system call pays.
//
// The receivers read raw bytes and only count them, so the figures are
// mostly the server's. Besides ns/delivery it reports, per delivered
// message, the CPU time of the whole process (getrusage, the comparable
// figure on a busy machine) and the write system calls (/proc/self/io).
func BenchmarkBroadcastWebSocket(b *testing.B) {
	for _, window := range []int{1, 16} {
		b.Run(fmt.Sprintf("receivers=200/window=%d", window), func(b *testing.B) {
			benchBroadcastWebSocket(b, 200, window)
		})
	}
}

func benchBroadcastWebSocket(b *testing.B, receivers, window int) {
	var mu sync.Mutex
	var sessions []*engineio.Socket
	srv := engineio.NewServer(engineio.Options{
		PingInterval: time.Hour, PingTimeout: time.Hour,
		OnConnection: func(s *engineio.Socket) {
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
		},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	// A 60-byte message: a 61-byte text payload in a 63-byte frame.
	payload := []byte(`{"seq":123456,"t":1700000000000000000,"x":"abcdefghijklmnop"}`)[:60]
	frameLen := 2 + 1 + len(payload)
	roundBytes := window * frameLen

	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
	done := make(chan struct{}, receivers)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range receivers {
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
			b.Fatalf("open packet: %q %v", open, err)
		}
		c := ws.NetConn() // nothing more is buffered: the server sent only "0{…}"
		conns = append(conns, c)
		go func() {
			buf := make([]byte, 32<<10)
			got := 0
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				for got += n; got >= roundBytes; got -= roundBytes {
					done <- struct{}{}
				}
			}
		}()
	}
	mu.Lock()
	all := sessions
	mu.Unlock()
	if len(all) != receivers {
		b.Fatalf("%d sessions, want %d", len(all), receivers)
	}
	round := func() {
		for range window {
			m := engineio.NewMessage(payload, false)
			for _, s := range all {
				if err := s.Send(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		for range receivers {
			<-done
		}
	}
	for range 20 {
		round()
	}
	cpu0, w0 := cpuTime(), writeSyscalls()
	b.ResetTimer()
	for b.Loop() {
		round()
	}
	b.StopTimer()
	deliveries := float64(b.N) * float64(window*receivers)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/delivery")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/deliveries, "cpu-ns/delivery")
	if w0 >= 0 {
		b.ReportMetric(float64(writeSyscalls()-w0)/deliveries, "writes/delivery")
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeSyscalls is the number of write system calls of the process so
// far (write, writev and the like), or -1 if /proc does not say.
func writeSyscalls() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("syscw: ")); ok {
			var n int64
			fmt.Sscan(string(v), &n)
			return n
		}
	}
	return -1
}
