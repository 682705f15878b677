package iso8583

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/netkit"
)

// ListenAndServe listens on Config.Addr and serves until Shutdown or Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln (wrapped in TLS when Config.TLS is set) until Shutdown or
// Close, when it returns ErrServerClosed. It closes ln. Past Config.MaxConnections a new
// connection is closed at once; a failed Accept (out of file descriptors, say) is retried after
// a back-off; only ln closed by someone else ends Serve early, with its error.
func (s *Server) Serve(ln net.Listener) error {
	ln = netkit.Limit(ln, s.cfg.MaxConnections, s.log)
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	if !s.add(1) {
		ln.Close()
		return ErrServerClosed
	}
	defer s.wg.Done()
	s.mu.Lock()
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff netkit.Backoff
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return ErrServerClosed
			default:
			}
			if netkit.Fatal(err) {
				return err
			}
			pause := backoff.Next()
			s.log.Warn().Err(err).Dur("retry_in", pause).Msg("accepting a connection failed")
			select {
			case <-s.quit:
				return ErrServerClosed
			case <-time.After(pause):
			}
			continue
		}
		backoff.Reset()
		if !s.add(1) {
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			s.serveConn(nc)
		}()
	}
}
