// Package netkit holds what Vendgate's listeners (the HTTP server of adapters/rest, the ISO 8583
// server) share: a bound on the connections a listener holds, and the back-off of an accept loop.
package netkit

import (
	"net"
	"sync"

	"github.com/rs/zerolog"
)

// Limit returns ln bounded to max connections open at once (max < 1 means no bound). Past the
// bound a new connection is closed as soon as it is accepted, so that a flood of connections
// costs its sender, not Vendgate, and never ends the accept loop; the ones open are served on.
// A connection counts until it is closed. The first refusal of a spell at the bound is logged as
// a warning, and its end (a connection closed) with how many were refused.
func Limit(ln net.Listener, max int, log zerolog.Logger) net.Listener {
	if max < 1 {
		return ln
	}
	return &limited{Listener: ln, max: max, log: log}
}

type limited struct {
	net.Listener
	max int
	log zerolog.Logger

	mu       sync.Mutex
	open     int
	refusing bool
	refused  int
}

// Accept returns the next connection under the bound; those past it are closed here.
func (l *limited) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.open >= l.max {
			l.refused++
			first := !l.refusing
			l.refusing = true
			l.mu.Unlock()
			if first { // before the close, so the refused peer cannot see it ahead of the log
				l.log.Warn().Str("addr", l.Addr().String()).Int("max_connections", l.max).
					Msg("connections refused: the listener is at its bound")
			}
			c.Close()
			continue
		}
		l.open++
		l.mu.Unlock()
		return &limitedConn{Conn: c, l: l}, nil
	}
}

func (l *limited) release() {
	l.mu.Lock()
	l.open--
	ended, refused := l.refusing, l.refused
	if ended {
		l.refusing, l.refused = false, 0
	}
	l.mu.Unlock()
	if ended {
		l.log.Info().Str("addr", l.Addr().String()).Int("refused", refused).Msg("accepting connections again")
	}
}

// limitedConn gives its place back once, when first closed.
type limitedConn struct {
	net.Conn
	l    *limited
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}

// CloseWrite half-closes a TCP connection, as net/http does before it closes one it refused.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
