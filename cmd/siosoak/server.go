package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the cmd/siogo process under soak.
type server struct {
	cmd  *exec.Cmd
	base string        // "http://127.0.0.1:PORT"
	done chan struct{} // closed when the process has exited
	log  *os.File      // its stderr, kept for the report
}

// buildServer builds cmd/siogo into dir, so that the process measured is
// the server itself and not "go run". It runs anywhere in the module.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "siogo")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/siogo/siogo/cmd/siogo")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building cmd/siogo: %w", err)
	}
	return bin, nil
}

// startServer runs bin on a free port with args and waits for its
// "msg=listening url=..." line on stderr; stderr is copied to logPath.
func startServer(ctx context.Context, bin, logPath string, args ...string) (*server, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{}), log: log}
	url := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(stderr)
		found := false
		for {
			line, err := r.ReadString('\n')
			log.WriteString(line)
			if !found {
				if u, ok := listeningURL(line); ok {
					found = true
					url <- u
				}
			}
			if err != nil {
				io.Copy(log, r)
				return
			}
		}
	}()
	go func() {
		<-copied // Wait closes the pipe: read it all first
		cmd.Wait()
		close(s.done)
	}()

	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case u := <-url:
		s.base = strings.TrimSuffix(u, "/")
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%s exited before listening (log: %s)", bin, logPath)
	case <-t.C:
		s.stop(time.Second)
		return nil, fmt.Errorf("%s: not listening after 30s (log: %s)", bin, logPath)
	case <-ctx.Done():
		s.stop(time.Second)
		return nil, ctx.Err()
	}
}

// listeningURL finds url=... in the server's "msg=listening" log line.
func listeningURL(line string) (string, bool) {
	if !strings.Contains(line, "msg=listening") {
		return "", false
	}
	for f := range strings.FieldsSeq(line) {
		if u, ok := strings.CutPrefix(f, "url="); ok && strings.HasPrefix(u, "http://127.0.0.1:") {
			return strings.Trim(u, `"`), true
		}
	}
	return "", false
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM (the server drains), then SIGKILL after grace, and
// waits for the exit.
func (s *server) stop(grace time.Duration) {
	defer s.log.Close()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return
	case <-time.After(grace):
	}
	s.cmd.Process.Kill()
	<-s.done
}

// rssKB returns VmRSS of pid in KiB, from /proc/PID/status.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// scrape reads the named unlabelled gauges from the server's /metrics.
func scrape(ctx context.Context, hc *http.Client, base string, names ...string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, err := do(ctx, hc, http.MethodGet, base+"/metrics", "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(names))
	for line := range strings.SplitSeq(body, "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		for _, n := range names {
			if name == n {
				v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil {
					return nil, fmt.Errorf("/metrics %s: %w", line, err)
				}
				out[n] = v
			}
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("/metrics has no %s", n)
		}
	}
	return out, nil
}

// serverProblems returns the server's log lines at WARN or ERROR level
// (the first 20), and how many there were in all.
func serverProblems(path string) logProblems {
	b, err := os.ReadFile(path)
	if err != nil {
		return logProblems{Lines: []string{err.Error()}, Count: 1}
	}
	var p logProblems
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			p.Count++
			if len(p.Lines) < 20 {
				p.Lines = append(p.Lines, line)
			}
		}
	}
	return p
}

type logProblems struct {
	Lines []string
	Count int
}
