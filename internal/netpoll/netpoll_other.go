//go:build !linux

package netpoll

import "syscall"

// Poller is unavailable on this platform.
type Poller struct{}

// New reports ErrUnsupported.
func New() (*Poller, error) { return nil, ErrUnsupported }

// Add reports ErrUnsupported.
func (p *Poller) Add(rc syscall.RawConn, ready func(hup bool)) (uint64, error) {
	return 0, ErrUnsupported
}

// Remove does nothing.
func (p *Poller) Remove(rc syscall.RawConn, token uint64) {}

// Close does nothing.
func (p *Poller) Close() error { return nil }

// Read reports ErrUnsupported.
func Read(rc syscall.RawConn, buf []byte) (n int, again bool, err error) {
	return 0, false, ErrUnsupported
}
