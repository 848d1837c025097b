package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// peerNames lists the peers the driver knows, in table order.
var peerNames = []string{"siogo", "node", "gorilla", "zishang520"}

// buildPeer prepares peer name from the repository at root and returns the
// command that starts it (without the --addr flag). Go peers are built into
// dir so the process we measure is the server itself, not "go run".
func buildPeer(ctx context.Context, root, dir, name string) ([]string, error) {
	goBuild := func(pkgDir, pkg string) ([]string, error) {
		bin := filepath.Join(dir, name+"-peer")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
		cmd.Dir = filepath.Join(root, pkgDir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building peer %s: %w", name, err)
		}
		return []string{bin}, nil
	}
	switch name {
	case "siogo", "gorilla":
		return goBuild(".", "./bench/peers/"+name)
	case "zishang520":
		// A nested module of its own, so the main module never depends on it.
		return goBuild("bench/peers/zishang520", ".")
	case "node":
		script := filepath.Join(root, "bench/peers/node/server.mjs")
		if _, err := os.Stat(filepath.Join(root, "node_modules/socket.io")); err != nil {
			return nil, errors.New("peer node: node_modules/socket.io is missing (npm ci)")
		}
		return []string{"node", script}, nil
	}
	return nil, fmt.Errorf("unknown peer %q (known: %s)", name, strings.Join(peerNames, ", "))
}

// peer is a running server process.
type peer struct {
	cmd  *exec.Cmd
	base string
	done chan struct{} // closed when the process has exited
}

// startPeer runs argv with --addr 127.0.0.1:0, pinned to cpu when cpu >= 0
// and taskset exists, and waits for its "listening on http://HOST:PORT"
// line.
func startPeer(ctx context.Context, argv []string, cpu int) (*peer, error) {
	argv = append(append([]string{}, argv...), "--addr", "127.0.0.1:0")
	if cpu >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{ts, "-c", fmt.Sprint(cpu)}, argv...)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...) // taskset execs: same pid
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &peer{cmd: cmd, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		s, _ := r.ReadString('\n')
		line <- s
		io.Copy(io.Discard, r) // keep the pipe drained; ends when the peer exits
	}()
	go func() { cmd.Wait(); close(p.done) }()

	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case s := <-line:
		base, ok := strings.CutPrefix(strings.TrimSpace(s), "listening on ")
		if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
			p.stop()
			return nil, fmt.Errorf("peer %s: first line %q, want \"listening on http://127.0.0.1:PORT\"", argv, s)
		}
		p.base = base
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("peer %s exited before listening", argv)
	case <-t.C:
		p.stop()
		return nil, fmt.Errorf("peer %s: not listening after 30s", argv)
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

func (p *peer) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM, then SIGKILL after 3 s, and waits for the exit.
func (p *peer) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(3 * time.Second):
	}
	p.cmd.Process.Kill()
	<-p.done
}
