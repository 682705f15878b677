package smpp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/smstext"
)

// Link is one bind to an SMSC: it binds and binds again with backoff when the bind drops, hands
// customers' messages and receipts to the service, and submits replies within the window and the
// throughput the SMSC allows. It is the reply Deliverer of its route.
type Link struct {
	cfg     Bind
	in      inbound
	log     zerolog.Logger
	codec   smstext.Codec
	limiter Throttle
	window  chan struct{}
	parts   *smstext.Reassembler
	moSlots chan struct{}
	ref     atomic.Uint32
	now     func() time.Time

	mu      sync.Mutex
	sess    *gosmpp.Session
	pending map[int32]chan submitResult

	stop chan struct{}
	done chan struct{}
}

func newLink(cfg Bind, in inbound, throttles Throttles, log zerolog.Logger, now func() time.Time) *Link {
	cfg = cfg.withDefaults()
	l := &Link{
		cfg: cfg, in: in, now: now,
		log:     log.With().Str("smsc", cfg.Name).Logger(),
		codec:   smstext.Codec{Default: cfg.Alphabet},
		limiter: throttles(cfg),
		window:  make(chan struct{}, cfg.Window),
		moSlots: make(chan struct{}, 64),
		pending: make(map[int32]chan submitResult),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	l.parts = smstext.NewReassembler(smstext.ReassemblerConfig{
		Now: now,
		OnDrop: func(d smstext.Dropped) {
			l.log.Warn().Str("reason", d.Reason.String()).Msg("incomplete concatenated message dropped")
		},
	})
	return l
}

// Name is the link's route.
func (l *Link) Name() string { return l.cfg.Name }

// Bound reports whether the bind is up.
func (l *Link) Bound() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sess != nil
}

// run keeps the bind up until close.
func (l *Link) run() {
	defer close(l.done)
	go func() { // parts of a message that never completes are let go
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.parts.Expire()
			}
		}
	}()
	wait := l.cfg.RebindMin
	for {
		down := make(chan struct{})
		sess, err := l.bind(down)
		if err != nil {
			l.log.Warn().Err(err).Dur("retry_in", wait).Msg("bind failed")
			select {
			case <-l.stop:
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, l.cfg.RebindMax)
			continue
		}
		wait = l.cfg.RebindMin
		l.log.Info().Str("addr", l.cfg.Addr).Msg("bound")
		l.setSession(sess)
		select {
		case <-l.stop:
			l.setSession(nil)
			_ = sess.Close()
			return
		case <-down:
			l.setSession(nil)
			_ = sess.Close()
			l.log.Warn().Msg("bind lost")
		}
	}
}

// bind opens one bind; down is closed when it drops.
func (l *Link) bind(down chan struct{}) (*gosmpp.Session, error) {
	dial := func(addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: 10 * time.Second}
		var c net.Conn
		var err error
		if l.cfg.TLS != nil {
			c, err = tls.DialWithDialer(d, "tcp", addr, l.cfg.TLS)
		} else {
			c, err = d.Dial("tcp", addr)
		}
		if err != nil {
			return nil, err
		}
		return newGuardConn(c, func(commandID, seq uint32, err error) {
			l.log.Warn().Err(err).Str("command_id", fmt.Sprintf("0x%08x", commandID)).Uint32("sequence", seq).
				Msg("an unparsable PDU from the SMSC refused")
		}), nil
	}
	auth := gosmpp.Auth{SMSC: l.cfg.Addr, SystemID: l.cfg.SystemID, Password: l.cfg.Password, SystemType: l.cfg.SystemType}
	var once sync.Once
	var sess *gosmpp.Session
	var sessMu sync.Mutex
	settings := gosmpp.Settings{
		EnquireLink:  l.cfg.EnquireLink,
		ReadTimeout:  3 * l.cfg.EnquireLink,
		WriteTimeout: 10 * time.Second,
		OnAllPDU: func(p pdu.PDU) (pdu.PDU, bool) {
			sessMu.Lock()
			s := sess
			sessMu.Unlock()
			return l.handle(s, p)
		},
		OnClosed: func(gosmpp.State) { once.Do(func() { close(down) }) },
	}
	s, err := gosmpp.NewSession(gosmpp.TRXConnector(dial, auth), settings, 0)
	if err != nil {
		return nil, bindError(err)
	}
	sessMu.Lock()
	sess = s
	sessMu.Unlock()
	return s, nil
}

// bindError words a failed bind without the password.
func bindError(err error) error {
	var be gosmpp.BindError
	if errors.As(err, &be) {
		return fmt.Errorf("the SMSC refused the bind: %s", be.CommandStatus)
	}
	return err
}

func (l *Link) setSession(s *gosmpp.Session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sess = s
	if s != nil {
		return
	}
	for seq, ch := range l.pending {
		ch <- submitResult{err: errors.New("the bind dropped before the SMSC answered")}
		delete(l.pending, seq)
	}
}

// close unbinds and stops.
func (l *Link) close() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
}

// handle answers what the SMSC sends (in gosmpp's reading goroutine).
func (l *Link) handle(s *gosmpp.Session, p pdu.PDU) (pdu.PDU, bool) {
	switch p := p.(type) {
	case *pdu.SubmitSMResp:
		l.resolve(p.GetSequenceNumber(), submitResult{id: p.MessageID, status: p.CommandStatus})
	case *pdu.GenericNack:
		l.resolve(p.GetSequenceNumber(), submitResult{status: p.CommandStatus})
	case *pdu.DeliverSM:
		if s == nil {
			return nil, false // the bind is not fully up: the SMSC gets no answer and delivers again
		}
		l.moSlots <- struct{}{} // at most 64 messages in hand; past that the SMSC waits
		go func() {
			defer func() { <-l.moSlots }()
			status := l.receive(p)
			resp := p.GetResponse()
			resp.(*pdu.DeliverSMResp).CommandStatus = status
			if err := s.Transceiver().Submit(resp); err != nil {
				l.log.Warn().Err(err).Msg("deliver_sm_resp not sent: the SMSC will deliver again")
			}
		}()
	case *pdu.EnquireLink:
		return p.GetResponse(), false
	case *pdu.Unbind:
		return p.GetResponse(), true
	case *pdu.EnquireLinkResp, *pdu.UnbindResp, *pdu.DeliverSMResp:
	default:
		if p.CanResponse() {
			nack := pdu.NewGenericNack()
			nack.SetSequenceNumber(p.GetSequenceNumber())
			nack.(*pdu.GenericNack).CommandStatus = data.ESME_RINVCMDID
			return nack, false
		}
	}
	return nil, false
}
