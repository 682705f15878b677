package testkit

import (
	"net"
	"os"
	"sync"
	"syscall"
)

// FailingListener fails its first N Accepts with Errno, as a process out of file descriptors
// (EMFILE, ENFILE) or buffers (ENOBUFS) does, then accepts from Listener.
type FailingListener struct {
	net.Listener
	Errno syscall.Errno

	mu sync.Mutex
	N  int
}

// Accept fails while failures are left, then accepts.
func (l *FailingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.N > 0
	if fail {
		l.N--
	}
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept", l.Errno)}
	}
	return l.Listener.Accept()
}
