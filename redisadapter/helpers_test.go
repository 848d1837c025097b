package redisadapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait of the tests.
const wait = 5 * time.Second

// server is one socketio server of a test cluster.
type server struct {
	t      testing.TB
	io     *socketio.Server
	ts     *httptest.Server
	url    string
	node   *redisadapter.Node
	client *redis.Client

	mu     sync.Mutex
	conns  []*siotest.Conn
	closed sync.Once
}

// cluster is several servers in one process sharing one Redis.
type cluster struct {
	t       testing.TB
	redis   *redistest.Server
	servers []*server
}

// testAuth is what test clients send in CONNECT: the default connection
// handler joins the rooms and stores the data.
type testAuth struct {
	Rooms []string `json:"rooms,omitempty"`
	Data  any      `json:"data,omitempty"`
}

// defaultSetup joins rooms from the auth payload, sets socket data from it
// and answers "ping" acks.
func defaultSetup(io *socketio.Server) {
	io.OnConnection(func(s *socketio.Socket) {
		var auth testAuth
		s.Handshake().DecodeAuth(&auth)
		s.Join(auth.Rooms...)
		if auth.Data != nil {
			s.SetData(auth.Data)
		}
	})
}

// newCluster starts n servers on a new Redis with opts; setup (nil: the
// default) runs on each before it serves. It returns once every server
// counts n servers on "/".
func newCluster(t testing.TB, n int, opts redisadapter.Options, setup func(i int, io *socketio.Server)) *cluster {
	t.Helper()
	rs := redistest.Start(t)
	c := &cluster{t: t, redis: rs}
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		for _, s := range c.servers {
			s.close()
		}
		rs.Stop() // its process's waiter may postdate ignore
		goleak.VerifyNone(t, ignore)
	})
	for i := range n {
		c.servers = append(c.servers, c.start(i, opts, setup))
	}
	c.waitServers("/", n)
	return c
}

func (c *cluster) start(i int, opts redisadapter.Options, setup func(int, *socketio.Server)) *server {
	t := c.t
	rc := redis.NewClient(&redis.Options{Addr: c.redis.Addr()})
	node, err := redisadapter.NewNode(rc, opts)
	if err != nil {
		t.Fatal(err)
	}
	io := socketio.NewServer(socketio.Options{Adapter: node.NewAdapter})
	if setup != nil {
		setup(i, io)
	} else {
		defaultSetup(io)
	}
	ts := httptest.NewServer(io)
	return &server{t: t, io: io, ts: ts, url: ts.URL + "/socket.io/", node: node, client: rc}
}

func (s *server) close() { s.closed.Do(s.doClose) }

func (s *server) doClose() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	s.io.Close()
	s.ts.Close()
	s.client.Close()
}

// adapter returns the adapter of namespace nsp.
func (s *server) adapter(nsp string) *redisadapter.Adapter {
	return s.io.Of(nsp).Adapter().(*redisadapter.Adapter)
}

// waitServers waits until every server counts n servers on namespace nsp.
func (c *cluster) waitServers(nsp string, n int) {
	c.t.Helper()
	for _, s := range c.servers {
		eventually(c.t, fmt.Sprintf("server count %d on %s", n, nsp), func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			got, err := s.io.Of(nsp).Adapter().ServerCount(ctx)
			return err == nil && got == n
		})
	}
}

// eventually polls cond until it holds, failing t after the deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connect opens a WebSocket client to nsp with auth.
func (s *server) connect(nsp string, auth testAuth) *siotest.Conn {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.DialWebSocket(ctx, s.url, "")
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	a, _ := json.Marshal(auth)
	if _, err := c.Connect(nsp, string(a), wait); err != nil {
		s.t.Fatalf("connect %s: %v", nsp, err)
	}
	return c
}

// expect reads the next packet and compares its text.
func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	got, err := c.ReadText(wait)
	if err != nil {
		t.Fatalf("reading (want %q): %v", want, err)
	}
	if got != want {
		t.Fatalf("got packet %q, want %q", got, want)
	}
}

func sortedIDs(sockets []*socketio.RemoteSocket) []string {
	out := make([]string, len(sockets))
	for i, s := range sockets {
		out[i] = s.ID
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// socketIDs returns the sorted ids of a server's sockets in nsp.
func socketIDs(io *socketio.Server, nsp string) []string {
	var out []string
	for _, s := range io.Of(nsp).LocalSockets() {
		out = append(out, s.ID())
	}
	slices.Sort(out)
	return out
}

// firstArgs returns the first argument of each answer as JSON text, sorted.
func firstArgs(answers []*socketio.Args) []string {
	texts := make([]string, 0, len(answers))
	for _, a := range answers {
		texts = append(texts, string(a.Raw(0).JSON))
	}
	slices.Sort(texts)
	return texts
}

// answerWithBinary acks the next event c receives with {"b": <b as binary>}:
// BROADCAST_ACK travels as msgpack, so the bytes must come back as bytes.
func answerWithBinary(c *siotest.Conn, b []byte) {
	p, err := c.ReadText(wait)
	if err != nil || !strings.HasPrefix(p, "2") {
		return
	}
	id := p[1:strings.IndexByte(p, '[')]
	c.Send("61-"+id+`[{"b":{"_placeholder":true,"num":0}}]`, b)
}

// volatileLands sends a volatile event with emit until each receiver has
// read one (want): a session whose writer is still busy drops it, as Node
// drops it while its transport is not writable. Then it sends a marker to
// every client of all with marker and reads up to it, skipping the later
// copies of want, so that the next step starts clean.
func volatileLands(t *testing.T, want string, receivers, all []*siotest.Conn, emit, marker func()) {
	t.Helper()
	got := map[*siotest.Conn]bool{}
	for try := 0; try < 50 && len(got) < len(receivers); try++ {
		emit()
		for _, cl := range receivers {
			if got[cl] {
				continue
			}
			if p, err := cl.ReadText(100 * time.Millisecond); err == nil {
				if p != want {
					t.Fatalf("got %q, want the volatile %q", p, want)
				}
				got[cl] = true
			}
		}
	}
	if len(got) < len(receivers) {
		t.Fatalf("%q reached %d of %d receivers in 50 tries", want, len(got), len(receivers))
	}
	marker()
	for _, cl := range all {
		for {
			p, err := cl.ReadText(wait)
			if err != nil {
				t.Fatalf("waiting for the marker: %v", err)
			}
			if p == `2["marker"]` {
				break
			}
			if p != want || !got[cl] {
				t.Fatalf("got %q before the marker", p)
			}
		}
	}
}
