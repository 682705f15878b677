package iso8583

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	moov "github.com/moov-io/iso8583"
	connection "github.com/moov-io/iso8583-connection"
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
	// SecondaryBitmap makes every message Vendgate sends carry a secondary bitmap, for switches
	// whose parser expects 32 hexadecimal bitmap characters always (npm iso_8583 does).
	SecondaryBitmap bool
	// Clock gives the time of Vendgate's own messages (echo); default time.Now.
	Clock func() time.Time
}

// Defaults of Config.
const (
	DefaultDeadline      = 20 * time.Second
	DefaultSignOnTimeout = 60 * time.Second
	DefaultEchoInterval  = 60 * time.Second
	DefaultMaxInFlight   = 256
	reversalGrace        = 10 * time.Second
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
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	base, stop := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, log: cfg.Logger.With().Str("adapter", "iso8583").Logger(), base: base, stop: stop,
		quit: make(chan struct{}), listeners: map[net.Listener]struct{}{}, sessions: map[*session]struct{}{},
	}, nil
}

// ListenAndServe listens on Config.Addr and serves until Shutdown or Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln (wrapped in TLS when Config.TLS is set) until Shutdown or
// Close, when it returns ErrServerClosed. It closes ln.
func (s *Server) Serve(ln net.Listener) error {
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
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return ErrServerClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
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
			ev = ev.Str("reason", core.AsError(err).Reason)
		default:
			ev = ev.Str("reason", core.AsError(err).Reason).Str("detail", core.AsError(err).Message)
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

// network answers an 0800: sign-on, sign-off, echo.
func (ss *session) network(m *moov.Message, r request) {
	var err error
	closeAfter := false
	switch {
	case r.checkHeader() != nil:
		err = r.checkHeader()
	case r.NetCode == NetEcho:
	case r.NetCode == NetSignOn:
		err = ss.signOn(r)
		closeAfter = err != nil && !isFormat(err) && core.ErrorCode(err) != core.CodeUnavailable
	case r.NetCode == NetSignOff:
		ss.mu.Lock()
		ss.inst = nil
		ss.mu.Unlock()
	default:
		err = formatError(70, "001 (sign-on), 002 (sign-off) or 301 (echo) is required")
	}
	resp := newResponse(m, r, responseCode(err))
	ss.reply(resp)
	ev := ss.log.Info()
	if err != nil {
		ev = ss.log.Warn().Str("reason", core.AsError(err).Reason).Str("detail", core.AsError(err).Message)
	}
	rc, _ := resp.GetString(39)
	ev.Str("mti", r.MTI).Str("stan", r.STAN).Str("network_code", r.NetCode).Str("institution", r.Institution).Str("rc", rc).Msg("network management")
	if closeAfter {
		<-ss.ready
		time.Sleep(closeLinger)
		ss.conn.TriggerFailure(errors.New("sign-on refused"))
	}
}

// signOn authenticates the connection as the institution of field 32: it must exist, be active
// and allow the peer's address. A connection signed on stays with its institution.
func (ss *session) signOn(r request) error {
	if core.CheckInstitutionCode(r.Institution) != nil {
		return formatError(32, "1 to 11 digits are required")
	}
	if cur := ss.institution(); cur != nil && cur.Code != r.Institution {
		return core.Errorf(core.CodeUnauthorized, reasonInstitution, "the connection is signed on as another institution")
	}
	in, err := call(ss, func(ctx context.Context) (core.Institution, error) {
		return ss.srv.cfg.Institutions.InstitutionByCode(ctx, r.Institution)
	})
	switch {
	case errors.Is(err, core.ErrNotFound):
		return core.Errorf(core.CodeUnauthorized, reasonUnknownInst, "institution %s is not registered", r.Institution)
	case err != nil:
		var ce *core.Error
		if errors.As(err, &ce) {
			return err
		}
		e := core.Errorf(core.CodeUnavailable, "unavailable", "reading the institution")
		e.Err = err
		return e
	case !in.Active:
		return core.Errorf(core.CodeUnauthorized, reasonInactiveInst, "institution %s is not active", r.Institution)
	case !ss.peer.IsValid() || !in.Allows(ss.peer):
		return core.Errorf(core.CodeUnauthorized, reasonAddressRefuse, "institution %s may not connect from %s", r.Institution, ss.peer)
	}
	ss.mu.Lock()
	ss.inst = &in
	ss.mu.Unlock()
	return nil
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

// echo is the idle handler: an 0800 echo to a connection that has been silent.
func (ss *session) echo(c *connection.Connection) {
	if ok, _ := ss.begin(); !ok {
		return
	}
	defer ss.end()
	m := moov.NewMessage(Spec)
	m.MTI(MTINetworkRequest)
	_ = m.Field(7, ss.srv.cfg.Clock().UTC().Format("0102150405"))
	_ = m.Field(11, ss.srv.nextSTAN())
	_ = m.Field(70, NetEcho)
	if _, err := c.Send(m); err != nil {
		ss.log.Warn().Str("error", safeError(err)).Msg("echo unanswered")
	}
}

func (s *Server) nextSTAN() string {
	n := s.stan.Add(1)%999_999 + 1
	str := strconv.FormatUint(uint64(n), 10)
	return "000000"[len(str):] + str
}

// frameReader reads one framed message. A message that cannot be unpacked is answered 30 when
// its type and STAN could be read, otherwise logged and dropped; either way the connection goes
// on. Only a broken frame (a length header cut short) ends the connection.
type frameReader struct{ ss *session }

func (fr frameReader) ReadMessage(r io.Reader) (*moov.Message, error) {
	n, err := fr.ss.srv.cfg.Framing.ReadLength(r)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil // a keep-alive
	}
	if n > MaxMessageLength {
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return nil, err
		}
		fr.ss.log.Warn().Int("length", n).Msg("message too long: dropped")
		return nil, nil
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, err
	}
	m, err := decode(raw)
	if err != nil {
		fr.ss.malformed(m, err)
		return nil, nil
	}
	return m, nil
}

// malformed answers a message that could not be unpacked, with 30, when its MTI is one Vendgate
// answers and its STAN was read; it is logged either way, with the PAN masked.
func (ss *session) malformed(m *moov.Message, err error) {
	r := readRequest(m)
	ev := ss.log.Warn().Str("error", err.Error()).Str("mti", r.MTI).Str("stan", r.STAN).Str("pan", maskPAN(r.PAN))
	if responseMTI(r.MTI) == "" || len(r.STAN) != 6 {
		ev.Msg("malformed message dropped")
		return
	}
	ok, _ := ss.begin()
	if !ok {
		ev.Msg("malformed message dropped")
		return
	}
	ev.Msg("malformed message answered 30")
	go func() {
		defer ss.end()
		ss.reply(newResponse(m, r, RCFormatError))
	}()
}

// frameWriter writes a message with its length header in one write; with secondary set, a
// message without a secondary bitmap gets an empty one.
type frameWriter struct {
	framing   Framing
	secondary bool
}

func (fw frameWriter) WriteMessage(w io.Writer, m *moov.Message) error {
	packed, err := m.Pack()
	if err != nil {
		return err
	}
	if fw.secondary {
		packed = WithSecondaryBitmap(packed)
	}
	framed, err := fw.framing.Frame(packed)
	if err != nil {
		return err
	}
	_, err = w.Write(framed)
	return err
}

// WithSecondaryBitmap returns a packed message (MTI and ASCII-hex bitmap first) with a
// secondary bitmap: unchanged if it has one, else with bit 1 set and 16 zeros after the primary.
func WithSecondaryBitmap(packed []byte) []byte {
	if len(packed) < 20 {
		return packed
	}
	v := hexValue(packed[4])
	if v < 0 || v&8 != 0 {
		return packed
	}
	out := make([]byte, 0, len(packed)+16)
	out = append(out, packed[:4]...)
	out = append(out, "0123456789ABCDEF"[v|8])
	out = append(out, packed[5:20]...)
	out = append(out, "0000000000000000"...)
	return append(out, packed[20:]...)
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// safeError describes a connection error. The reader above never returns unpack errors (whose
// text could quote a field), only I/O errors, and iso8583-connection wraps its own as SafeError,
// whose Error() carries no message bytes.
func safeError(err error) string { return err.Error() }
