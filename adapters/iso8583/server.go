package iso8583

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/core"
)

// The interfaces this adapter needs; cmd/vendgate wires them to core and the store, tests to
// fakes.
type (
	// Vendor runs the vend pipeline (core.Vendor): Vend for a 0200, ReverseByKey for a 0420/0421,
	// Sellable for a lookup (the meter, when the bank's settlement account may sell to it).
	Vendor interface {
		Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error)
		ReverseByKey(ctx context.Context, req core.VendRequest) (core.Reversal, error)
		Sellable(ctx context.Context, agentID int64, number string) (core.MeterView, core.Agent, error)
	}
	// Institutions finds an institution by its acquiring institution id (core.InstitutionReader):
	// core.ErrNotFound for an unknown one.
	Institutions interface {
		InstitutionByCode(ctx context.Context, code string) (core.Institution, error)
	}
)

// Config is what New needs. The two dependencies are required; durations and limits that are
// zero take the defaults.
type Config struct {
	Vendor       Vendor
	Institutions Institutions
	// Logger receives one line per financial message (PAN masked, never a token) and the errors.
	Logger zerolog.Logger
	// Framing is the length header: Binary2 (default) or ASCII4.
	Framing Framing
	// TLS, when set, makes Serve and ListenAndServe accept TLS connections only.
	TLS *tls.Config
	// Addr is ListenAndServe's address, e.g. ":8583".
	Addr string
	// Deadline bounds each message's work, below the switch's own timeout (default 20 s); a
	// purchase that passes it is answered 91 and reversed.
	Deadline time.Duration
	// SignOnTimeout closes a connection that has not signed on in time (default 60 s).
	SignOnTimeout time.Duration
	// EchoInterval is how long a connection may stay silent before Vendgate sends it an echo
	// (0800, 301) (default 60 s). ReadTimeout closes a connection from which nothing was read
	// for that long (default three echo intervals).
	EchoInterval time.Duration
	ReadTimeout  time.Duration
	// MaxInFlight bounds the requests one connection may have in progress; more are answered 91
	// at once (default 256).
	MaxInFlight int
	// MaxConnections bounds the connections open at once; past it a new one is closed as soon
	// as it is accepted (default 1,000).
	MaxConnections int
	// SecondaryBitmap makes every message Vendgate sends carry a secondary bitmap, for switches
	// whose parser expects 32 hexadecimal bitmap characters always (npm iso_8583 does).
	SecondaryBitmap bool
	// Clock gives the time of Vendgate's own messages (echo); default time.Now.
	Clock func() time.Time
}

// Defaults of Config.
const (
	DefaultDeadline       = 20 * time.Second
	DefaultSignOnTimeout  = 60 * time.Second
	DefaultEchoInterval   = 60 * time.Second
	DefaultMaxInFlight    = 256
	DefaultMaxConnections = 1000
	reversalGrace         = 10 * time.Second
	// closeLinger is how long Vendgate waits after its last response before closing a
	// connection itself, so that a peer whose reader races its close handling (as
	// iso8583-connection's client does) still takes the response.
	closeLinger = 200 * time.Millisecond
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("iso8583: server closed")

// Server accepts switch connections and answers their messages. Its lifecycle: New, then Serve
// (or ListenAndServe) until Shutdown or Close; Shutdown stops accepting, lets the requests in
// progress finish and answer, then closes the connections and waits for every goroutine.
type Server struct {
	cfg  Config
	log  zerolog.Logger
	base context.Context // cancelled when Shutdown gives up waiting
	stop context.CancelFunc
	stan atomic.Uint32 // Vendgate's own STANs (echo)

	mu        sync.Mutex
	closing   bool
	quit      chan struct{}
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	wg        sync.WaitGroup // Serve loops, connections, handlers
}

// New checks cfg and returns a server ready to Serve.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Vendor == nil:
		return nil, errors.New("iso8583: Config.Vendor is required")
	case cfg.Institutions == nil:
		return nil, errors.New("iso8583: Config.Institutions is required")
	case cfg.Framing != Binary2 && cfg.Framing != ASCII4:
		return nil, fmt.Errorf("iso8583: unknown framing %v", cfg.Framing)
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultDeadline
	}
	if cfg.SignOnTimeout <= 0 {
		cfg.SignOnTimeout = DefaultSignOnTimeout
	}
	if cfg.EchoInterval <= 0 {
		cfg.EchoInterval = DefaultEchoInterval
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 3 * cfg.EchoInterval
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	base, stop := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, log: cfg.Logger.With().Str("adapter", "iso8583").Logger(), base: base, stop: stop,
		quit: make(chan struct{}), listeners: map[net.Listener]struct{}{}, sessions: map[*session]struct{}{},
	}, nil
}

// add counts n goroutines unless the server is closing.
func (s *Server) add(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(n)
	return true
}

// Shutdown stops accepting, waits for the requests in progress to be answered, closes every
// connection and waits for the server's goroutines. When ctx ends first, the work in progress is
// cancelled and the connections closed at once; Shutdown still waits for the goroutines to end,
// then returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.quit)
		for ln := range s.listeners {
			ln.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.stop()
		return nil
	case <-ctx.Done():
	}
	s.stop()
	s.mu.Lock()
	for ss := range s.sessions {
		ss.conn.TriggerFailure(errors.New("server shut down"))
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}

// Close shuts the server down without waiting for requests in progress.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
