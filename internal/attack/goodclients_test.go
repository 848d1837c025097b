package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siogo/siogo/internal/siotest"
)

// goodClient is a well-behaved client that keeps exchanging events with
// the server while the server is attacked: each round trip emits "echo"
// with an ack and requires the exact answer.
type goodClient struct {
	name  string
	echo  func(n int) error // one round trip; called from one goroutine
	close func()

	started atomic.Int64 // round trips begun
	trips   atomic.Int64 // round trips done
	mu      sync.Mutex
	err     error
}

func (c *goodClient) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// goodClients run side by side with the attacks, each in a loop of round
// trips, from the moment they connect until the test ends.
type goodClients struct {
	clients []*goodClient
	stop    chan struct{}
	wg      sync.WaitGroup
}

// startGoodClients connects a WebSocket and a polling client, and the
// official socket.io-client (polling, then upgraded to WebSocket) when
// Node.js and node_modules are there, to "/" of s.
func (s *server) startGoodClients(t *testing.T) *goodClients {
	t.Helper()
	g := &goodClients{stop: make(chan struct{})}
	for _, tr := range []string{"websocket", "polling"} {
		c, err := dialGood(s.base, tr)
		if err != nil {
			t.Fatalf("good %s client: %v", tr, err)
		}
		g.clients = append(g.clients, &goodClient{name: "siotest " + tr, echo: siotestEcho(c), close: c.Close})
	}
	if nc, err := startNodeClient(t, strings.TrimSuffix(s.base, "/socket.io/"), "polling,websocket"); err != nil {
		t.Fatalf("official client: %v", err)
	} else if nc != nil {
		g.clients = append(g.clients, nc)
	}
	names := make([]string, len(g.clients))
	for i, c := range g.clients {
		names[i] = c.name
		g.wg.Add(1)
		go g.loop(c)
	}
	t.Logf("well-behaved clients: %s", strings.Join(names, ", "))
	t.Cleanup(func() {
		close(g.stop)
		g.wg.Wait()
		for _, c := range g.clients {
			c.close()
		}
	})
	return g
}

func dialGood(base, transport string) (*siotest.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var c *siotest.Conn
	var err error
	if transport == "websocket" {
		c, err = siotest.DialWebSocket(ctx, base, "")
	} else {
		c, err = siotest.DialPolling(ctx, base, "")
	}
	if err != nil {
		return nil, err
	}
	if _, err := c.Connect("/", "", wait); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// loop runs round trips until stopped or until one fails. The ticker
// paces the traffic so that two shared cores are not all spent on it.
func (g *goodClients) loop(c *goodClient) {
	defer g.wg.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
		c.started.Add(1)
		if err := c.echo(n); err != nil {
			c.mu.Lock()
			c.err = fmt.Errorf("round trip %d: %w", n, err)
			c.mu.Unlock()
			return
		}
		c.trips.Add(1)
	}
}

// check fails t unless every client completes a round trip begun after
// the call, with the answer it expects, within wait: the server still
// serves them exactly as before the attack.
func (g *goodClients) check(t *testing.T) {
	t.Helper()
	want := make([]int64, len(g.clients))
	for i, c := range g.clients {
		want[i] = c.started.Load() + 1
	}
	end := time.Now().Add(wait)
	tick := time.NewTicker(2 * time.Millisecond) // polls the counters, bounded by end
	defer tick.Stop()
	for i, c := range g.clients {
		for c.trips.Load() < want[i] {
			if err := c.failed(); err != nil {
				t.Fatalf("well-behaved client %s: %v", c.name, err)
			}
			if time.Now().After(end) {
				t.Fatalf("well-behaved client %s: no round trip for %v", c.name, wait)
			}
			<-tick.C
		}
	}
}

// siotestEcho returns the round trip of a raw client. Every packet the
// server sends must be valid UTF-8, as a browser requires of text.
func siotestEcho(c *siotest.Conn) func(int) error {
	return func(n int) error {
		payload := fmt.Sprintf(`{"n":%d,"s":"héllo €"}`, n)
		if err := c.Send(fmt.Sprintf(`2%d["echo",%s]`, n, payload)); err != nil {
			return err
		}
		want := fmt.Sprintf(`3%d[%s]`, n, payload)
		end := time.Now().Add(wait)
		for {
			p, err := c.Read(time.Until(end))
			if err != nil {
				return err
			}
			if !utf8.ValidString(p.Text) {
				return fmt.Errorf("invalid UTF-8 from the server: %q", p.Text)
			}
			if p.Text == want {
				return nil
			}
			if strings.HasPrefix(p.Text, "3") {
				return fmt.Errorf("ack %q, want %q", p.Text, want)
			}
			// Anything else is a relay of an attacker's event: skipped.
		}
	}
}

// nodeLine is one line of goodclient.cjs's output.
type nodeLine struct {
	Event     string `json:"event"`
	Transport string `json:"transport"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
	N         int    `json:"n"`
	OK        bool   `json:"ok"`
	Error     string `json:"error"`
}

// startNodeClient starts testdata/goodclient.cjs; it returns nil, nil
// when Node.js or the npm packages are missing (make test installs them).
func startNodeClient(t *testing.T, url, transports string) (*goodClient, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Log("no node: the official client is left out")
		return nil, nil
	}
	if !hasNodeModule("socket.io-client") {
		t.Log("no node_modules/socket.io-client (run npm ci): the official client is left out")
		return nil, nil
	}
	script, err := filepath.Abs(filepath.Join("testdata", "goodclient.cjs"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(nodeBin, script, url, transports)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan nodeLine, 64)
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l nodeLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				l = nodeLine{Event: "garbage", Message: sc.Text()}
			}
			lines <- l
		}
	}()
	stop := func() {
		stdin.Close() // the client disconnects and exits
		exited := make(chan struct{})
		go func() {
			for range lines { // let the reader reach EOF
			}
			<-read
			cmd.Wait()
			close(exited)
		}()
		select {
		case <-exited:
		case <-time.After(wait):
			cmd.Process.Kill() // by pid: only the process this test started
			<-exited
		}
	}
	next := func() (nodeLine, error) {
		select {
		case l, ok := <-lines:
			if !ok {
				return l, io.EOF
			}
			return l, nil
		case <-time.After(wait):
			return nodeLine{}, errors.New("no answer from the official client")
		}
	}
	first, err := next()
	for err == nil && first.Event == "upgrade" { // may come first
		first, err = next()
	}
	if err != nil || first.Event != "connect" {
		stop()
		return nil, fmt.Errorf("official client: %+v %v", first, err)
	}
	echo := func(n int) error {
		if _, err := fmt.Fprintf(stdin, "%d\n", n); err != nil {
			return err
		}
		for {
			l, err := next()
			if err != nil {
				return err
			}
			switch {
			case l.Event == "echo" && l.N == n && l.OK:
				return nil
			case l.Event == "upgrade":
				continue
			default:
				return fmt.Errorf("official client: %+v", l)
			}
		}
	}
	return &goodClient{name: "socket.io-client " + transports, echo: echo, close: stop}, nil
}

// hasNodeModule reports whether node_modules/name is found above the
// working directory, where Node would resolve it from testdata.
func hasNodeModule(name string) bool {
	dir, err := filepath.Abs(".")
	if err != nil {
		return false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", name, "package.json")); err == nil {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}
