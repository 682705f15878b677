package netkit

import (
	"errors"
	"net"
	"time"
)

// Backoff is the pause of an accept loop after a failed Accept: 5 ms, doubling up to 1 s, as
// net/http's Server waits. Running out of file descriptors (EMFILE, ENFILE) passes when
// connections close, so the loop waits and goes on instead of ending the server.
type Backoff struct{ d time.Duration }

// Next returns the next pause.
func (b *Backoff) Next() time.Duration {
	b.d = min(max(2*b.d, 5*time.Millisecond), time.Second)
	return b.d
}

// Reset starts again from 5 ms, after an Accept that succeeded.
func (b *Backoff) Reset() { b.d = 0 }

// Fatal reports whether an Accept error ends the loop: only a closed listener does.
func Fatal(err error) bool { return errors.Is(err, net.ErrClosed) }

// Retrying returns ln with every Accept error but a closed listener's marked temporary, for an
// accept loop (net/http's Server) that backs off on temporary errors and ends on the rest: then
// none but the closed listener ends it (ENOBUFS and ENOMEM are not temporary to the net package).
func Retrying(ln net.Listener) net.Listener { return retrying{ln} }

type retrying struct{ net.Listener }

func (r retrying) Accept() (net.Conn, error) {
	c, err := r.Listener.Accept()
	if err != nil && !Fatal(err) {
		return nil, temporary{err}
	}
	return c, err
}

// temporary is an Accept error to retry.
type temporary struct{ error }

func (t temporary) Unwrap() error { return t.error }
func (temporary) Temporary() bool { return true }
func (temporary) Timeout() bool   { return false }
