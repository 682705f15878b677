package smsc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/vendgate/vendgate/testkit/smsc"
)

const (
	account  = "vendgate"
	password = "s3cret"
)

// MustListen starts an SMSC with one account and closes it when the test ends.
func MustListen(tb testing.TB, cfg smsc.Config) *smsc.Server {
	tb.Helper()
	if cfg.Accounts == nil {
		cfg.Accounts = map[string]string{account: password}
	}
	cfg.Logf = tb.Logf
	srv, err := smsc.Listen(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return srv
}

// esme is a gosmpp transceiver as Vendgate's adapter will use it; it hands every PDU it receives
// to a channel and answers deliver_sm with status (ESME_ROK by default).
type esme struct {
	sess    *gosmpp.Session
	pdus    chan pdu.PDU
	closed  chan gosmpp.State
	rebound chan struct{}
	backlog []pdu.PDU // received, passed over by next, for a later next
}

type esmeOptions struct {
	connector func(gosmpp.Dialer, gosmpp.Auth) gosmpp.Connector
	rebind    time.Duration
	status    data.CommandStatusType // deliver_sm_resp status
	onPDU     bool                   // use OnPDU (gosmpp answers) instead of OnAllPDU
	window    bool                   // use WindowedRequestTracking
	password  string
	systemID  string
	enquire   time.Duration
}

func dial(tb testing.TB, addr string, o esmeOptions) (*esme, error) {
	tb.Helper()
	e := &esme{
		pdus:    make(chan pdu.PDU, 1000),
		closed:  make(chan gosmpp.State, 100),
		rebound: make(chan struct{}, 100),
	}
	if o.connector == nil {
		o.connector = func(d gosmpp.Dialer, a gosmpp.Auth) gosmpp.Connector { return gosmpp.TRXConnector(d, a) }
	}
	if o.systemID == "" {
		o.systemID = account
	}
	if o.password == "" {
		o.password = password
	}
	settings := gosmpp.Settings{
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 5 * time.Second,
		EnquireLink:  o.enquire,
		OnClosed:     func(s gosmpp.State) { e.closed <- s },
		OnRebind:     func() { e.rebound <- struct{}{} },
	}
	all := func(p pdu.PDU) (pdu.PDU, bool) {
		e.pdus <- p
		if d, ok := p.(*pdu.DeliverSM); ok {
			r := d.GetResponse().(*pdu.DeliverSMResp)
			r.CommandStatus = o.status
			return r, false
		}
		return nil, false
	}
	switch {
	case o.window:
		settings.WindowedRequestTracking = &gosmpp.WindowedRequestTracking{
			OnReceivedPduRequest:    all,
			OnExpectedPduResponse:   func(r gosmpp.Response) { e.pdus <- r.PDU },
			OnUnexpectedPduResponse: func(p pdu.PDU) { e.pdus <- p },
			MaxWindowSize:           10,
			EnableAutoRespond:       true,
			StoreAccessTimeOut:      1000,
		}
	case o.onPDU:
		settings.OnPDU = func(p pdu.PDU, _ bool) { e.pdus <- p }
	default:
		settings.OnAllPDU = all
	}
	auth := gosmpp.Auth{SMSC: addr, SystemID: o.systemID, Password: o.password}
	sess, err := gosmpp.NewSession(o.connector(gosmpp.NonTLSDialer, auth), settings, o.rebind)
	if err != nil {
		return nil, err
	}
	e.sess = sess
	tb.Cleanup(func() { _ = sess.Close() })
	return e, nil
}

func mustDial(tb testing.TB, addr string, o esmeOptions) *esme {
	tb.Helper()
	e, err := dial(tb, addr, o)
	if err != nil {
		tb.Fatalf("bind: %v", err)
	}
	return e
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// next returns the first PDU the ESME received that matches; the others stay for later calls.
func next[T pdu.PDU](ctx context.Context, tb testing.TB, e *esme, match func(T) bool) T {
	tb.Helper()
	for i, p := range e.backlog {
		if v, ok := p.(T); ok && (match == nil || match(v)) {
			e.backlog = append(e.backlog[:i], e.backlog[i+1:]...)
			return v
		}
	}
	for {
		select {
		case p := <-e.pdus:
			if v, ok := p.(T); ok && (match == nil || match(v)) {
				return v
			}
			e.backlog = append(e.backlog, p)
		case <-ctx.Done():
			var zero T
			tb.Fatalf("waiting for %T: %v", zero, ctx.Err())
			return zero
		}
	}
}

// submit sends a submit_sm and returns its response.
func (e *esme) submit(ctx context.Context, tb testing.TB, sm *pdu.SubmitSM) *pdu.SubmitSMResp {
	tb.Helper()
	if err := e.sess.Transceiver().Submit(sm); err != nil {
		tb.Fatalf("submit: %v", err)
	}
	seq := sm.GetSequenceNumber()
	return next(ctx, tb, e, func(r *pdu.SubmitSMResp) bool { return r.GetSequenceNumber() == seq })
}

func textSubmit(tb testing.TB, to, text string) *pdu.SubmitSM {
	tb.Helper()
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr, _ = pdu.NewAddressWithTonNpiAddr(0, 1, "32123")
	sm.DestAddr, _ = pdu.NewAddressWithTonNpiAddr(1, 1, to)
	msg, err := pdu.NewShortMessageWithEncoding(text, data.GSM7BIT)
	if err != nil {
		tb.Fatal(err)
	}
	sm.Message = msg
	return sm
}

// waitClosed waits until gosmpp reports its bind closed by anything but the test itself.
func (e *esme) waitClosed(ctx context.Context, tb testing.TB) gosmpp.State {
	tb.Helper()
	for {
		select {
		case s := <-e.closed:
			if s != gosmpp.ExplicitClosing && s != gosmpp.StoppingProcessOnly {
				return s
			}
		case <-ctx.Done():
			tb.Fatalf("waiting for the bind to close: %v", ctx.Err())
		}
	}
}

func bindStatus(err error) data.CommandStatusType {
	var be gosmpp.BindError
	if errors.As(err, &be) {
		return be.CommandStatus
	}
	return -1
}
