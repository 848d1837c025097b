// Package redistest runs a throwaway redis-server for tests.
//
// Start launches redis-server on a free loopback port with persistence off,
// waits until it answers PING and stops it (by pid) when the test ends.
// Run does the same outside a test (the load generator's cluster scenario).
// Tests are skipped, with a message saying why, when redis-server is not
// installed. Stop, Resume and Restart take the server away and bring a new
// one back on the same port, for tests of what clients do meanwhile.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long a start waits for the server to answer.
const startTimeout = 10 * time.Second

// ErrNotInstalled: there is no redis-server in PATH.
var ErrNotInstalled = errors.New("redistest: redis-server not found in PATH (apt-get install redis-server; make test installs it)")

// Server is a redis-server run for one test.
type Server struct {
	bin  string
	wrap []string // runs the server through this command (taskset -c N)
	port int

	mu   sync.Mutex
	proc *process // nil while stopped
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
}

// Start starts a redis-server for t, or skips t if there is none. The
// server is killed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Run()
	if errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Run starts a redis-server, through the command wrap if given (taskset -c
// 1, say), and waits until it answers PING. Stop it when done.
func Run(wrap ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("redistest: free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{bin: bin, wrap: wrap, port: port}
	if err := s.start(); err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	return s, nil
}

// Pid returns the running server's process id, 0 while stopped.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// start runs the server and waits until it answers PING.
func (s *Server) start() error {
	argv := append(append([]string{}, s.wrap...), s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.done)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			s.mu.Lock()
			s.proc = p
			s.mu.Unlock()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("redis-server on port %d exited at start (%v)", s.port, cmd.ProcessState)
		case <-ctx.Done():
			cmd.Process.Kill()
			<-p.done
			return fmt.Errorf("redis-server on port %d did not answer PING within %v: %w", s.port, startTimeout, err)
		case <-tick.C:
		}
	}
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Client returns a new client of the server, closed when t ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// Stop kills the server (SIGKILL, by pid, as a crash would) and waits for
// it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Resume starts a stopped server again, on the same port, empty.
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	var err error
	deadline := time.Now().Add(startTimeout)
	for {
		// The killed process's port can take a moment to free: retry.
		if err = s.start(); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("redistest: resume: %v", err)
	}
}

// Restart stops the server and starts an empty one on the same port.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.Resume(t)
}
