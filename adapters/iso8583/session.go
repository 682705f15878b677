package iso8583

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	moov "github.com/moov-io/iso8583"
	connection "github.com/moov-io/iso8583-connection"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/core"
)

// session is one switch connection.
type session struct {
	srv    *Server
	log    zerolog.Logger
	peer   netip.Addr
	closed chan struct{}
	ready  chan struct{} // closed once conn is set
	conn   *connection.Connection

	mu       sync.Mutex
	inst     *core.Institution // nil until sign-on
	inFlight int
	ending   bool
	wg       sync.WaitGroup // this connection's handlers
}

func (s *Server) serveConn(nc net.Conn) {
	peer := netip.Addr{}
	if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
		peer = ap.Addr().Unmap()
	}
	ss := &session{srv: s, peer: peer, closed: make(chan struct{}), ready: make(chan struct{}),
		log: s.log.With().Str("peer", nc.RemoteAddr().String()).Logger()}
	var once sync.Once
	conn, err := connection.NewFrom(nc, Spec, s.cfg.Framing.ReadLength, s.cfg.Framing.WriteLength,
		connection.SetMessageReader(frameReader{ss}),
		connection.SetMessageWriter(frameWriter{s.cfg.Framing, s.cfg.SecondaryBitmap}),
		connection.InboundMessageHandler(ss.handle),
		connection.IdleTime(s.cfg.EchoInterval),
		connection.PingHandler(ss.echo),
		connection.ReadTimeout(s.cfg.ReadTimeout),
		connection.ReadTimeoutHandler(func(c *connection.Connection) {
			ss.log.Warn().Dur("read_timeout", s.cfg.ReadTimeout).Msg("nothing read: closing the connection")
			c.TriggerFailure(errors.New("read timeout"))
		}),
		connection.SendTimeout(s.cfg.Deadline),
		connection.ErrorHandler(func(err error) {
			ss.log.Debug().Str("error", safeError(err)).Msg("connection error")
		}),
		connection.ConnectionClosedHandler(func(*connection.Connection) { once.Do(func() { close(ss.closed) }) }),
	)
	if err != nil {
		nc.Close()
		s.log.Error().Err(err).Msg("starting a connection")
		return
	}
	ss.conn = conn
	close(ss.ready)
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	ss.log.Info().Msg("connected")

	signOn := time.NewTimer(s.cfg.SignOnTimeout)
	defer signOn.Stop()
	for done := false; !done; {
		select {
		case <-ss.closed:
			done = true
		case <-s.quit:
			done = true
		case <-signOn.C:
			if ss.institution() == nil {
				ss.log.Warn().Msg("no sign-on in time: closing the connection")
				conn.TriggerFailure(errors.New("no sign-on"))
			}
		}
	}
	// Let the requests in progress answer, then close.
	ss.mu.Lock()
	ss.ending = true
	ss.mu.Unlock()
	ss.wg.Wait()
	select {
	case <-ss.closed:
	case <-time.After(closeLinger):
	}
	conn.Close()
	<-ss.closed
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	ss.log.Info().Msg("disconnected")
}

// begin counts a handler in; false when the session ends or is full (busy).
func (ss *session) begin() (ok, busy bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ending {
		return false, false
	}
	if ss.inFlight >= ss.srv.cfg.MaxInFlight {
		return false, true
	}
	ss.inFlight++
	ss.wg.Add(1)
	return true, false
}

func (ss *session) end() {
	ss.mu.Lock()
	ss.inFlight--
	ss.mu.Unlock()
	ss.wg.Done()
}

func (ss *session) institution() *core.Institution {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.inst
}

// reply sends resp; a connection that is gone loses it (the switch reverses or repeats).
func (ss *session) reply(resp *moov.Message) {
	<-ss.ready
	if err := ss.conn.Reply(resp); err != nil {
		ss.log.Warn().Str("error", safeError(err)).Msg("response not sent")
	}
}

// handle answers one inbound message, in its own goroutine (iso8583-connection starts one per
// message), so that slow requests do not hold up the others.
func (ss *session) handle(_ *connection.Connection, m *moov.Message) {
	defer ss.answerPanic(m)
	r := readRequest(m)
	if r.MTI != "" && len(r.MTI) == 4 && (r.MTI[2] == '1' || r.MTI[2] == '3') {
		ss.log.Debug().Str("mti", r.MTI).Str("stan", r.STAN).Msg("unmatched response ignored")
		return
	}
	ok, busy := ss.begin()
	if !ok {
		if busy && responseMTI(r.MTI) != "" {
			ss.reply(newResponse(m, r, responseCode(core.Errorf(core.CodeUnavailable, reasonBusy, "too many requests in flight"))))
		}
		return
	}
	defer ss.end()
	defer ss.answerPanic(m) // answered before the session may close
	start := time.Now()
	var (
		resp *moov.Message
		err  error
	)
	switch r.MTI {
	case MTINetworkRequest:
		ss.network(m, r)
		return
	case MTIAuthRequest:
		resp, err = ss.lookup(m, r)
	case MTIFinancialRequest:
		if len(r.ProcCode) >= 2 && r.ProcCode[:2] == ProcInquiry {
			resp, err = ss.lookup(m, r)
		} else {
			resp, err = ss.purchase(m, r)
		}
	case MTIReversalAdvice, MTIReversalRepeat:
		resp, err = ss.reversal(m, r)
	default:
		ss.log.Warn().Str("mti", r.MTI).Str("stan", r.STAN).Msg("unsupported message type dropped")
		return
	}
	ss.reply(resp)
	ss.logFinancial(r, resp, err, time.Since(start))
}

func (ss *session) logFinancial(r request, resp *moov.Message, err error, took time.Duration) {
	rc, _ := resp.GetString(39)
	ev := ss.log.Info()
	if err != nil {
		switch core.ErrorCode(err) {
		case core.CodeInternal:
			ev = ss.log.Error().Err(err) // core's messages never carry tokens or PANs
		case core.CodeUnavailable: // reported once per outage by the store, not per message
			ev = ev.Str("reason", string(core.AsError(err).Reason))
		default:
			ev = ev.Str("reason", string(core.AsError(err).Reason)).Str("detail", core.AsError(err).Message)
		}
	}
	ev.Str("mti", r.MTI).Str("institution", r.Institution).Str("stan", r.STAN).Str("rrn", r.RRN).Str("terminal", r.Terminal).
		Str("pan", maskPAN(r.PAN)).Str("rc", rc).Dur("took", took).Msg("answered")
}

// call runs fn under the message deadline and returns when fn does or the deadline passes,
// whichever is first: a dependency that ignores its context cannot hold the answer.
func call[T any](ss *session, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ss.srv.base, ss.srv.cfg.Deadline)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	ss.srv.wg.Add(1) // the handler holds a count, so the group is not at zero
	go func() {
		defer ss.srv.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: ss.recovered(p)}
			}
		}()
		v, err := fn(ctx)
		ch <- result{v, err}
	}()
	var zero T
	select {
	case res := <-ch:
		if res.err != nil && ctx.Err() != nil {
			return zero, deadlineError(ctx.Err())
		}
		return res.v, res.err
	case <-ctx.Done():
		return zero, deadlineError(ctx.Err())
	}
}

func deadlineError(err error) error {
	e := core.Errorf(core.CodeUnavailable, reasonDeadline, "no answer within the message deadline")
	e.Err = err
	return e
}

func isDeadline(err error) bool {
	var e *core.Error
	return errors.As(err, &e) && e.Reason == reasonDeadline
}

// authorize returns the session's institution for a financial request: refused before sign-on,
// or when field 32 names another institution.
func (ss *session) authorize(r request) (core.Institution, error) {
	in := ss.institution()
	if in == nil {
		return core.Institution{}, core.Errorf(core.CodeUnauthorized, reasonNotSignedOn, "the connection has not signed on")
	}
	if r.Institution != in.Code {
		return core.Institution{}, core.Errorf(core.CodeUnauthorized, reasonInstitution, "field 32: the connection is signed on as another institution")
	}
	return *in, nil
}

// safeError describes a connection error. The frame reader (frame_reader.go) never returns
// unpack errors (whose text could quote a field), only I/O errors, and iso8583-connection wraps
// its own as SafeError, whose Error() carries no message bytes.
func safeError(err error) string { return err.Error() }
