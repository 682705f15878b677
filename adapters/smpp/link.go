package smpp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/smstext"
)

// Bind is one bind to an SMSC as an ESME transceiver.
type Bind struct {
	// Name names the bind: replies to the messages it receives go out on the route of that name.
	Name       string
	Addr       string // host:port
	SystemID   string
	Password   string // a secret: never logged
	SystemType string
	// ShortCodes are the addresses customers text on this bind; a reply leaves from the short
	// code the customer wrote to.
	ShortCodes []string
	// Window bounds the submit_sm awaiting their response (default 10); Throughput the submit_sm
	// per second (default 50), for the SMSC as a whole when the bind's Throttle is shared.
	Window     int
	Throughput int
	// EnquireLink is the keep-alive interval (default 15 s); a bind that hears nothing for three
	// intervals is taken as dead and bound again.
	EnquireLink time.Duration
	// RebindMin and RebindMax bound the wait between bind attempts, doubling from the first to
	// the second (defaults 1 s and 60 s).
	RebindMin, RebindMax time.Duration
	// SubmitTimeout is how long a submit_sm waits for its response (default 10 s).
	SubmitTimeout time.Duration
	// TLS, when set, binds over TLS.
	TLS *tls.Config
	// Alphabet is what data_coding 0 means on this SMSC (GSM 7-bit unpacked by default).
	Alphabet smstext.DefaultAlphabet
}

func (b Bind) withDefaults() Bind {
	if b.Window <= 0 {
		b.Window = 10
	}
	if b.Throughput <= 0 {
		b.Throughput = 50
	}
	if b.EnquireLink <= 0 {
		b.EnquireLink = 15 * time.Second
	}
	if b.RebindMin <= 0 {
		b.RebindMin = time.Second
	}
	if b.RebindMax < b.RebindMin {
		b.RebindMax = max(b.RebindMin, time.Minute)
	}
	if b.SubmitTimeout <= 0 {
		b.SubmitTimeout = 10 * time.Second
	}
	return b
}

// Check reports what is missing from a bind's settings.
func (b Bind) Check() error {
	switch {
	case b.Name == "":
		return errors.New("smpp: a bind needs a name")
	case b.Addr == "":
		return fmt.Errorf("smpp: bind %s has no address", b.Name)
	case b.SystemID == "":
		return fmt.Errorf("smpp: bind %s has no system_id", b.Name)
	}
	if _, _, err := net.SplitHostPort(b.Addr); err != nil {
		return fmt.Errorf("smpp: bind %s: address %q: %v", b.Name, b.Addr, err)
	}
	return nil
}

// inbound is what a link hands to the service: a customer's message (reassembled) or a delivery
// receipt. The service's answer decides the deliver_sm_resp.
type inbound interface {
	mo(ctx context.Context, m MO) error
	receipt(ctx context.Context, route, messageID, state string) error
}

// MO is a customer's message as the SMSC delivered it.
type MO struct {
	Route string // the bind it came on
	From  string // the customer's number
	To    string // the short code
	Text  string
	// Ref identifies the message at the SMSC where it says so (user_message_reference, or the
	// concatenation reference); "" when it does not.
	Ref string
	At  time.Time
}

// errUnbound is a submit on a link that has no bind up.
var errUnbound = errors.New("not bound")

// submitResult is a submit_sm_resp.
type submitResult struct {
	id     string
	status data.CommandStatusType
	err    error
}

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
			status := l.deliver(p)
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

// resolve hands a submit_sm's response to the submit waiting for it.
func (l *Link) resolve(seq int32, r submitResult) {
	l.mu.Lock()
	ch, ok := l.pending[seq]
	delete(l.pending, seq)
	l.mu.Unlock()
	if ok {
		ch <- r
	}
}

// Statuses a deliver_sm gets.
const (
	statusOK        = data.ESME_ROK
	statusTryLater  = data.ESME_RX_T_APPN // the SMSC delivers the message again later
	statusCorrupted = data.ESME_RX_P_APPN // never accepted: delivering again cannot help
)

// deliver takes a deliver_sm: a receipt is recorded, a customer's message (once all its parts
// are in) goes to the service. It returns the deliver_sm_resp status.
func (l *Link) deliver(p *pdu.DeliverSM) data.CommandStatusType {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	raw, err := p.Message.GetMessageData()
	if err != nil {
		return statusCorrupted
	}
	if v, ok := p.OptionalParameters[pdu.TagMessagePayload]; ok && len(raw) == 0 {
		raw = v.Data
	}
	var dcs byte
	if enc := p.Message.Encoding(); enc != nil {
		dcs = enc.DataCoding()
	}
	if p.EsmClass&0x3c == 0x04 || p.EsmClass&0x3c == 0x20 { // SMSC delivery receipt, intermediate notification
		return l.receipt(ctx, p, raw)
	}
	if udh := p.Message.UDH(); len(udh) > 0 { // gosmpp took the header off: Decode reads it
		head, err := udh.MarshalBinary()
		if err != nil {
			return statusCorrupted
		}
		raw = append(head, raw...)
	}
	msg, err := l.codec.Decode(dcs, p.EsmClass, raw)
	if err != nil {
		l.log.Warn().Err(err).Str("from", core.MaskPhone(p.SourceAddr.Address())).Msg("undecodable message refused")
		return statusCorrupted
	}
	mo := MO{Route: l.cfg.Name, From: p.SourceAddr.Address(), To: p.DestAddr.Address(), Text: msg.Text, At: l.now()}
	if v, ok := p.OptionalParameters[pdu.TagUserMessageReference]; ok {
		mo.Ref = fmt.Sprintf("umr%x", v.Data)
	}
	c := msg.Concat
	if c.IsZero() {
		c = sar(p)
	}
	if !c.IsZero() {
		text, done, err := l.parts.Add(smstext.Fragment{Source: mo.From, Destination: mo.To, Concat: c, Text: msg.Text})
		if err != nil {
			return statusCorrupted
		}
		if !done {
			return statusOK
		}
		mo.Text = text
		mo.Ref += fmt.Sprintf("cat%d.%d", c.Ref, c.Total)
	}
	if err := l.in.mo(ctx, mo); err != nil {
		l.log.Warn().Err(err).Str("from", core.MaskPhone(mo.From)).Msg("message not taken: the SMSC will deliver it again")
		return statusTryLater
	}
	return statusOK
}

// sar is a message part's place in its whole from the SAR TLVs; zero when they are absent.
func sar(p *pdu.DeliverSM) smstext.Concat {
	ref, okRef := p.OptionalParameters[pdu.TagSarMsgRefNum]
	total, okTotal := p.OptionalParameters[pdu.TagSarTotalSegments]
	seq, okSeq := p.OptionalParameters[pdu.TagSarSegmentSeqnum]
	if !okRef || !okTotal || !okSeq || len(ref.Data) != 2 || len(total.Data) != 1 || len(seq.Data) != 1 {
		return smstext.Concat{}
	}
	c, err := smstext.SAR(uint16(ref.Data[0])<<8|uint16(ref.Data[1]), total.Data[0], seq.Data[0])
	if err != nil {
		return smstext.Concat{}
	}
	return c
}

// receipt records a delivery receipt against the reply it acknowledges.
func (l *Link) receipt(ctx context.Context, p *pdu.DeliverSM, raw []byte) data.CommandStatusType {
	id, state := receiptFields(string(raw))
	if v, ok := p.OptionalParameters[pdu.TagReceiptedMessageID]; ok {
		id = strings.TrimRight(string(v.Data), "\x00")
	}
	if v, ok := p.OptionalParameters[pdu.TagMessageStateOption]; ok && len(v.Data) == 1 {
		if s := messageStates[v.Data[0]]; s != "" {
			state = s
		}
	}
	if id == "" {
		l.log.Warn().Msg("delivery receipt without a message id ignored")
		return statusOK
	}
	// A receipt can overtake the recording of the submit_sm_resp it follows (the SMSC sends it the
	// moment the handset has the message): a receipt for no known message id is tried again for a
	// few seconds before it is let go.
	err := l.in.receipt(ctx, l.cfg.Name, id, state)
	for wait := 50 * time.Millisecond; errors.Is(err, core.ErrNotFound) && wait <= 3*time.Second; wait *= 2 {
		select {
		case <-time.After(wait):
		case <-l.stop:
			return statusTryLater
		}
		err = l.in.receipt(ctx, l.cfg.Name, id, state)
	}
	switch {
	case errors.Is(err, core.ErrNotFound):
		l.log.Info().Str("message_id", id).Msg("delivery receipt for no reply of ours")
	case err != nil:
		return statusTryLater
	}
	return statusOK
}

// messageStates are message_state's values (SMPP 3.4, 5.2.28) by their receipt names.
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// receiptFields reads the id and stat of a receipt's text ("id:123 sub:001 dlvr:001 submit
// date:... done date:... stat:DELIVRD err:000 text:...").
func receiptFields(text string) (id, state string) {
	for _, f := range strings.Fields(text) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "id":
			id = v
		case "stat":
			state = strings.ToUpper(v)
		}
	}
	return id, state
}

// Deliver sends a reply as one or more submit_sm (concatenated when it is long) and returns the
// message ids the SMSC gave them, space-separated. A destination the SMSC calls invalid is a
// permanent failure; anything else (no bind, throttling, no answer) is transient.
func (l *Link) Deliver(ctx context.Context, r core.Reply) (string, error) {
	parts, err := l.codec.Encode(r.Body, uint8(l.ref.Add(1)))
	if err != nil {
		return "", core.Errorf(core.CodeInvalid, "reply_unencodable", "reply %d cannot be sent as SMS: %v", r.ID, err)
	}
	ids := make([]string, 0, len(parts))
	for _, part := range parts {
		id, err := l.submit(ctx, r.Sender, r.Recipient, part)
		if err != nil {
			return strings.Join(ids, " "), err
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, " "), nil
}

// submit sends one part and waits for its response.
func (l *Link) submit(ctx context.Context, from, to string, part smstext.Part) (string, error) {
	if err := l.limiter.Wait(ctx); err != nil {
		return "", core.Errorf(core.CodeUnavailable, "smsc_throttle", "SMSC %s: %v", l.cfg.Name, err)
	}
	select {
	case l.window <- struct{}{}:
		defer func() { <-l.window }()
	case <-ctx.Done():
		return "", core.Errorf(core.CodeUnavailable, "smsc_window", "SMSC %s: the window stayed full", l.cfg.Name)
	}
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr = address(from, true)
	sm.DestAddr = address(to, false)
	sm.EsmClass |= part.ESMClass
	sm.RegisteredDelivery = 1 // a receipt for the final outcome
	if err := sm.Message.SetMessageDataWithEncoding(part.ShortMessage, rawCoding(part.DataCoding)); err != nil {
		return "", core.Errorf(core.CodeInvalid, "reply_too_long", "a part of %d octets", len(part.ShortMessage))
	}
	ch := make(chan submitResult, 1)
	l.mu.Lock()
	sess := l.sess
	if sess == nil {
		l.mu.Unlock()
		return "", core.Errorf(core.CodeUnavailable, "smsc_unbound", "SMSC %s: %v", l.cfg.Name, errUnbound)
	}
	l.pending[sm.GetSequenceNumber()] = ch
	l.mu.Unlock()
	forget := func() {
		l.mu.Lock()
		delete(l.pending, sm.GetSequenceNumber())
		l.mu.Unlock()
	}
	if err := sess.Transceiver().Submit(sm); err != nil {
		forget()
		return "", core.Errorf(core.CodeUnavailable, "smsc_write", "SMSC %s: %v", l.cfg.Name, err)
	}
	timer := time.NewTimer(l.cfg.SubmitTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return submitOutcome(l.cfg.Name, r)
	case <-timer.C:
		forget()
		return "", core.Errorf(core.CodeUnavailable, "smsc_timeout", "SMSC %s did not answer a submit_sm in %s", l.cfg.Name, l.cfg.SubmitTimeout)
	case <-ctx.Done():
		forget()
		e := core.Errorf(core.CodeUnavailable, "smsc_cancelled", "SMSC %s: %v", l.cfg.Name, ctx.Err())
		e.Err = ctx.Err() // the relay tells its own shutdown from the link's failure
		return "", e
	}
}

// submitOutcome reads a submit_sm_resp: the message id, or an error permanent for the
// destination's faults and transient otherwise.
func submitOutcome(smsc string, r submitResult) (string, error) {
	switch {
	case r.err != nil:
		return "", core.Errorf(core.CodeUnavailable, "smsc_dropped", "SMSC %s: %v", smsc, r.err)
	case r.status == data.ESME_ROK:
		return r.id, nil
	case r.status == data.ESME_RINVDSTADR || r.status == data.ESME_RINVDSTTON || r.status == data.ESME_RINVDSTNPI ||
		r.status == data.ESME_RINVSRCADR || r.status == data.ESME_RINVMSGLEN || r.status == data.ESME_RINVESMCLASS:
		return "", core.Errorf(core.CodeInvalid, "smsc_refused", "SMSC %s refused the message: %s", smsc, r.status)
	}
	return "", core.Errorf(core.CodeUnavailable, "smsc_error", "SMSC %s answered %s", smsc, r.status)
}

// address is a submit_sm address: an international number (TON 1, NPI 1 E.164) when it has the
// length of one, otherwise unknown; a short code source is network-specific (TON 3).
func address(a string, source bool) pdu.Address {
	ton, npi := byte(0), byte(0)
	digits := strings.TrimPrefix(a, "+")
	switch {
	case len(digits) >= 10 && allDigits(digits):
		ton, npi = 1, 1
	case source && allDigits(digits):
		ton = 3
	case source:
		ton = 5 // alphanumeric
	}
	addr, err := pdu.NewAddressWithTonNpiAddr(ton, npi, digits)
	if err != nil { // longer than 20 characters: the SMSC refuses it with a status of its own
		addr = pdu.NewAddressWithTonNpi(ton, npi)
	}
	return addr
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// rawCoding is an encoding that passes octets as they are, under a data_coding of our choice:
// smstext has encoded them already.
func rawCoding(dcs byte) data.Encoding { return data.NewCustomEncoding(dcs, rawEncDec{}) }

type rawEncDec struct{}

func (rawEncDec) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (rawEncDec) Decode(b []byte) (string, error) { return string(b), nil }
