package netpoll

import (
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Poller watches connections for readability with one edge-triggered epoll
// instance and one goroutine.
//
// The goroutine never blocks in epoll_wait: that would hold its P (with
// GOMAXPROCS=1, the only one) until the runtime noticed the blocked system
// call, stalling every other goroutine meanwhile. The epoll descriptor is
// itself pollable, so the runtime's own poller watches it (as an *os.File)
// and the goroutine parks like any other until it has events.
type Poller struct {
	epfd int
	file *os.File // epfd, for the runtime's poller
	rc   syscall.RawConn
	wake int // an eventfd that Close writes to end the wait

	mu     sync.Mutex
	next   uint64
	ready  map[uint64]func(hup bool)
	closed bool
	done   chan struct{}
}

// wakeToken marks the eventfd's events.
const wakeToken = 0

// New starts a Poller. Close it when done.
func New() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setToken(&ev, wakeToken)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		unix.Close(wake)
		unix.Close(epfd)
		return nil, err
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(wake)
		unix.Close(epfd)
		return nil, err
	}
	file := os.NewFile(uintptr(epfd), "epoll")
	rc, err := file.SyscallConn()
	if err != nil {
		unix.Close(wake)
		file.Close()
		return nil, err
	}
	p := &Poller{epfd: epfd, file: file, rc: rc, wake: wake, next: wakeToken + 1, ready: make(map[uint64]func(hup bool)), done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// Add watches the connection behind rc and calls ready, on the Poller's
// goroutine, each time data, the end of the stream or an error arrives:
// edge-triggered, so ready is called again only after something new came.
// The reader must then read until the socket is drained: a read that
// returns less than it asked for means that, unless hup was reported, in
// which case it reads until the end of the stream (the data and the end
// may come as one event). ready must not block. If data is already waiting
// when Add is called, ready is called for it. The token identifies the
// registration for Remove.
func (p *Poller) Add(rc syscall.RawConn, ready func(hup bool)) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	token := p.next
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET}
	setToken(&ev, token)
	var err error
	cerr := rc.Control(func(fd uintptr) {
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	p.next++
	p.ready[token] = ready
	return token, nil
}

// Remove stops watching a connection. Call it before closing the
// connection (closing also ends the watch, but ready could still be
// called for events already collected).
func (p *Poller) Remove(rc syscall.RawConn, token uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.ready, token)
	if p.closed { // the epoll descriptor may be gone
		return
	}
	rc.Control(func(fd uintptr) {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
	})
}

// Close stops the Poller's goroutine. Connections still watched are not
// closed, and their ready functions are no longer called.
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	clear(p.ready)
	p.mu.Unlock()
	var one [8]byte
	one[0] = 1
	unix.Write(p.wake, one[:])
	<-p.done
	unix.Close(p.wake)
	return p.file.Close()
}

func (p *Poller) loop() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 256)
	for {
		var n int
		var werr error
		err := p.rc.Read(func(fd uintptr) bool {
			n, werr = unix.EpollWait(int(fd), events, 0)
			return n != 0 || werr != nil && werr != syscall.EINTR
		})
		if err != nil || werr != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		for i := range n {
			if fn := p.ready[token(&events[i])]; fn != nil {
				fn(events[i].Events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0)
			}
		}
		p.mu.Unlock()
	}
}

// The 64 bits of epoll_data: unix.EpollEvent splits them as Fd and Pad.
func setToken(ev *unix.EpollEvent, t uint64) {
	ev.Fd = int32(uint32(t))
	ev.Pad = int32(uint32(t >> 32))
}

func token(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// Read reads once from the connection behind rc without waiting: again
// reports that it had nothing to read (EAGAIN), and err is io.EOF at the
// end of the stream.
func Read(rc syscall.RawConn, buf []byte) (n int, again bool, err error) {
	var errno error
	cerr := rc.Read(func(fd uintptr) bool {
		for {
			n, errno = syscall.Read(int(fd), buf)
			if errno != syscall.EINTR {
				return true
			}
		}
	})
	switch {
	case cerr != nil:
		return 0, false, cerr
	case errno == syscall.EAGAIN:
		return 0, true, nil
	case errno != nil:
		return 0, false, errno
	case n == 0 && len(buf) > 0:
		return 0, false, io.EOF
	}
	return n, false, nil
}
