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
