package smsc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by the SMSC's methods after Close, and by SendMO when no receiver is bound
// before the server is closed.
var ErrClosed = errors.New("smsc: closed")

// ErrConnectionLost is returned by SendMO when the bind that carried a deliver_sm closed before its
// deliver_sm_resp arrived.
var ErrConnectionLost = errors.New("smsc: connection closed before deliver_sm_resp")

// Config configures a Server. The zero value accepts any system_id and password.
type Config struct {
	// Addr is the TCP address to listen on; "" means "127.0.0.1:0".
	Addr string
	// Accounts maps system_id to password. When empty every bind is accepted; otherwise an unknown
	// system_id gets ESME_RINVSYSID and a wrong password ESME_RINVPASWD.
	Accounts map[string]string
	// SystemID is the SMSC's own system_id, sent in bind responses; "" means "vendgate-smsc".
	SystemID string
	// Receipts sets the initial delivery receipt behaviour (see SetReceipts).
	Receipts Receipts
	// Throughput turns on the load mode: submits are answered as fast as possible and counted, and
	// only the first KeepSubmits of them (default 1000) are kept; no delivery receipts are sent.
	Throughput bool
	// KeepSubmits bounds how many submits are kept for Submits (0: unbounded, or 1000 in
	// Throughput mode). Submits past the bound are still counted by SubmitCount.
	KeepSubmits int
	// OnSubmit, when set, is called with every submit_sm received, decoded (in Throughput mode
	// too, past KeepSubmits), after it is counted and before it is answered, with the status it
	// gets. It runs in the connection's reading goroutine and must return quickly. Load commands
	// match replies to their messages with it.
	OnSubmit func(Submit)
	// Now is the clock used for receipt dates; nil means time.Now.
	Now func() time.Time
	// Logf, when set, receives one line per notable event (binds, faults, closed connections).
	Logf func(format string, args ...any)
}

// Server is an SMPP 3.4 SMSC simulator for Vendgate's tests, demos and load commands. All its
// methods are safe for concurrent use.
type Server struct {
	cfg  Config
	now  func() time.Time
	logf func(format string, args ...any)

	faults   atomic.Pointer[Faults]
	receipts atomic.Pointer[Receipts]

	nextMsgID atomic.Uint64
	nextRef   atomic.Uint32

	mu        sync.Mutex
	addr      string
	ln        net.Listener
	sessions  map[*session]struct{}
	closed    bool
	quit      chan struct{} // closed by Close
	bindWake  chan struct{} // closed and replaced whenever a receiver binds
	submits   []Submit
	count     int64
	delivered []*Delivery
	changed   chan struct{} // closed and replaced whenever submits or deliveries change

	wg sync.WaitGroup // accept loops, sessions, timers
}

// Listen starts a Server on cfg.Addr and returns it; Close stops it.
func Listen(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.SystemID == "" {
		cfg.SystemID = "vendgate-smsc"
	}
	if cfg.Throughput && cfg.KeepSubmits == 0 {
		cfg.KeepSubmits = 1000
	}
	if cfg.KeepSubmits < 0 {
		return nil, fmt.Errorf("smsc: KeepSubmits %d is negative", cfg.KeepSubmits)
	}
	if err := cfg.Receipts.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		now:      cfg.Now,
		logf:     cfg.Logf,
		sessions: map[*session]struct{}{},
		bindWake: make(chan struct{}),
		quit:     make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.faults.Store(&Faults{})
	r := cfg.Receipts
	s.receipts.Store(&r)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smsc: listen on %s: %w", cfg.Addr, err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// Addr is the address the Server listens on, host:port, kept across Kill and Restart.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

func (s *Server) serve(ln net.Listener) {
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.closed || s.ln != ln {
				s.mu.Unlock()
				_ = c.Close()
				return
			}
			ss := newSession(s, c)
			s.sessions[ss] = struct{}{}
			s.wg.Add(1)
			s.mu.Unlock()
			go func() {
				defer s.wg.Done()
				ss.run()
			}()
		}
	}()
}

// Kill emulates an SMSC crash: it closes the listener and every connection at once, without
// unbind. Recorded submits and deliveries are kept; Restart listens again on the same address.
func (s *Server) Kill() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	var all []*session
	for ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	for _, ss := range all {
		ss.kill()
	}
	s.logf("smsc: killed (%d connections)", len(all))
}

// Restart listens again on the address of the first Listen after Kill, keeping recorded state,
// faults and receipt settings. It fails if the Server is closed, still listening, or the address
// was taken meanwhile.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.ln != nil {
		return fmt.Errorf("smsc: restart: still listening on %s", s.addr)
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smsc: restart on %s: %w", s.addr, err)
	}
	s.serve(ln)
	s.logf("smsc: restarted on %s", s.addr)
	return nil
}

// Close stops the Server: the listener, every connection, pending receipts and waiters; it waits
// for its goroutines. Calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.bindWake)
	close(s.quit)
	s.notify()
	s.mu.Unlock()
	s.Kill()
	s.wg.Wait()
	return nil
}

func (s *Server) removeSession(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
}

// bound is called when a session binds; it wakes whoever waits for a receiver.
func (s *Server) bound() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		close(s.bindWake)
		s.bindWake = make(chan struct{})
	}
}

// Sessions reports the number of bound sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for ss := range s.sessions {
		if ss.boundAs() != "" {
			n++
		}
	}
	return n
}

// receiver returns a bound session that may receive deliver_sm, of account systemID ("" any),
// waiting until one binds, ctx ends or the Server closes.
func (s *Server) receiver(ctx context.Context, systemID string) (*session, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		var pick *session
		for ss := range s.sessions {
			if ss.canReceive() && (systemID == "" || ss.boundAs() == systemID) {
				if pick == nil || ss.id < pick.id {
					pick = ss
				}
			}
		}
		wake := s.bindWake
		s.mu.Unlock()
		if pick != nil {
			return pick, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("smsc: no receiver bound for %q: %w", systemID, ctx.Err())
		case <-wake:
		}
	}
}

func (s *Server) newMessageID() string {
	return strconv.FormatUint(s.nextMsgID.Add(1), 10)
}

// notify wakes the waiters of WaitSubmits and WaitDeliveries; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}
