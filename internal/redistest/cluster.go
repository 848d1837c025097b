package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds how long StartCluster waits for the cluster to be
// formed and report cluster_state:ok.
const clusterTimeout = 30 * time.Second

// Cluster is a Redis Cluster of three masters (no replicas) run for one
// test.
type Cluster struct {
	ports []int
	procs []*process
}

// StartCluster starts a 3-master Redis Cluster on free loopback ports, or
// skips t if redis-server or redis-cli is missing. Every node is killed
// (by pid) when t ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redistest: redis-server not found in PATH")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redistest: redis-cli not found in PATH")
	}
	dir := t.TempDir()
	c := &Cluster{}
	t.Cleanup(c.Stop)
	for i := range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: free port: %v", err)
		}
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
			"--dir", dir,
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatalf("redistest: starting redis-server: %v", err)
		}
		p := &process{cmd: cmd, done: make(chan struct{})}
		go func() {
			cmd.Wait()
			close(p.done)
		}()
		c.ports = append(c.ports, port)
		c.procs = append(c.procs, p)
	}

	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	for i, addr := range c.Addrs() {
		if err := waitPing(ctx, addr, c.procs[i]); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must know the whole cluster before the test starts.
	for _, addr := range c.Addrs() {
		if err := waitClusterOK(ctx, addr, len(c.ports)); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	return c
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitPing(ctx context.Context, addr string, p *process) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("redis-server %s exited at start", addr)
		case <-ctx.Done():
			return fmt.Errorf("redis-server %s did not answer PING: %w", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitClusterOK waits until the node at addr reports cluster_state:ok and
// knows n nodes.
func waitClusterOK(ctx context.Context, addr string, n int) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	var last string
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil {
			last = info
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster node %s not ok within %v (err %v): %s", addr, clusterTimeout, err, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Addrs returns the nodes' host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.ports))
	for i, p := range c.ports {
		out[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	return out
}

// Client returns a new ClusterClient of the cluster, closed when t ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { cc.Close() })
	return cc
}

// Stop kills every node (SIGKILL, by pid) and waits for them to exit.
func (c *Cluster) Stop() {
	for _, p := range c.procs {
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	}
	for _, p := range c.procs {
		<-p.done
	}
	c.procs = nil
}
