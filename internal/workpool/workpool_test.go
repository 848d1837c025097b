package workpool

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestPoolRunsEveryTask(t *testing.T) {
	p := New(4, time.Minute)
	defer p.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for range 1000 {
		wg.Add(1)
		p.Go(func() {
			mu.Lock()
			n++
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	if n != 1000 {
		t.Fatalf("%d tasks ran, want 1000", n)
	}
}

// TestPoolBlockedTaskDoesNotBlockOthers: a task that blocks holds only its
// own goroutine.
func TestPoolBlockedTaskDoesNotBlockOthers(t *testing.T) {
	p := New(1, time.Minute)
	defer p.Close()
	release := make(chan struct{})
	for range 3 {
		p.Go(func() { <-release })
	}
	done := make(chan struct{})
	p.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a task waited behind blocked ones")
	}
	close(release)
}

// TestPoolKeepsAtMostMaxIdle and ends them on Close.
func TestPoolKeepsAtMostMaxIdle(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(2, time.Minute)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		p.Go(func() { wg.Done(); <-release })
	}
	wg.Wait()
	close(release)
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before+2 })
	p.Close()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %d goroutines", runtime.NumGoroutine())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPoolIdleTimeout: kept goroutines end once idle for the timeout.
func TestPoolIdleTimeout(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(8, 50*time.Millisecond)
	defer p.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		p.Go(wg.Done)
	}
	wg.Wait()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}
