package httpkit

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/netkit"
)

// Limits are the bounds of an HTTP server; a field that is zero or negative takes its default.
type Limits struct {
	// HeaderTimeout bounds reading a request's headers; ReadTimeout its headers and body
	// together, so that a client sending its body slowly is cut off.
	HeaderTimeout time.Duration
	ReadTimeout   time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end of its response.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request for that long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (and its request line).
	MaxHeaderBytes int
	// MaxConnections bounds the connections open at once; past it a new one is closed as soon
	// as it is accepted.
	MaxConnections int
	// ShutdownTimeout bounds how long Serve waits for the requests in flight once its context
	// ends.
	ShutdownTimeout time.Duration
}

// Defaults of Limits.
const (
	DefaultHeaderTimeout   = 10 * time.Second
	DefaultReadTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 60 * time.Second
	DefaultIdleTimeout     = 120 * time.Second
	DefaultMaxHeaderBytes  = 64 << 10
	DefaultMaxConnections  = 10_000
	DefaultShutdownTimeout = 15 * time.Second
)

func (l Limits) withDefaults() Limits {
	l.HeaderTimeout = OrDefault(l.HeaderTimeout, DefaultHeaderTimeout)
	l.ReadTimeout = OrDefault(l.ReadTimeout, DefaultReadTimeout)
	l.WriteTimeout = OrDefault(l.WriteTimeout, DefaultWriteTimeout)
	l.IdleTimeout = OrDefault(l.IdleTimeout, DefaultIdleTimeout)
	l.ShutdownTimeout = OrDefault(l.ShutdownTimeout, DefaultShutdownTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	return l
}

// NewServer is the one place Vendgate builds an http.Server: h with every timeout of l and its
// header bound, logging its own errors (a TLS handshake, a panic net/http recovered) to log.
func NewServer(h http.Handler, l Limits, logger zerolog.Logger) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.HeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          log.New(logger.With().Str("component", "http").Logger(), "", 0),
	}
}

// Serve answers h's requests on ln, bounded to l.MaxConnections, until ctx ends; then it stops
// taking new ones and waits up to l.ShutdownTimeout for those in flight. A failed Accept (out of
// file descriptors, say) is retried after net/http's back-off (5 ms doubling to 1 s); only ln
// closed by someone else ends Serve early. It returns nil after a clean shutdown, else the
// listener's or the shutdown's error.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, l Limits, logger zerolog.Logger) error {
	l = l.withDefaults()
	srv := NewServer(h, l, logger)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(netkit.Retrying(netkit.Limit(ln, l.MaxConnections, logger))) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
