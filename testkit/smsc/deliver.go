package smsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// DeliveryKind says why the SMSC sent a deliver_sm.
type DeliveryKind int

// The kinds of deliver_sm.
const (
	KindMO      DeliveryKind = iota + 1 // a mobile-originated message (SendMO, SendText, SendConcat)
	KindReceipt                         // a delivery receipt
	KindClash                           // the MO of the SequenceClash fault
)

func (k DeliveryKind) String() string {
	switch k {
	case KindMO:
		return "MO"
	case KindReceipt:
		return "receipt"
	case KindClash:
		return "clash"
	}
	return fmt.Sprintf("DeliveryKind(%d)", int(k))
}

// Delivery is one deliver_sm the SMSC sent, and the ESME's answer.
type Delivery struct {
	Kind       DeliveryKind
	SystemID   string // the account of the bind it went to
	Sequence   uint32
	PDU        []byte // the exact deliver_sm sent, header included
	Redelivery bool   // sent by Redeliver
	ReceiptFor string // for a receipt, the message_id it reports on
	Responded  bool   // a deliver_sm_resp (or generic_nack) arrived
	Status     uint32 // its command_status
}

// Decode returns the deliver_sm's decoded form (gosmpp's), for assertions on what was sent.
func (d Delivery) Decode() (*pdu.DeliverSM, error) {
	p, err := parsePDU(d.PDU)
	if err != nil {
		return nil, err
	}
	dm, ok := p.(*pdu.DeliverSM)
	if !ok {
		return nil, errors.New("smsc: delivery PDU is not a deliver_sm")
	}
	return dm, nil
}

type moConfig struct {
	systemID string
	srcTON   byte
	srcNPI   byte
	dstTON   byte
	dstNPI   byte
	setTON   bool
	esmClass byte
	udh      []byte
	tlvs     map[uint16][]byte
	seq      uint32
}

// MOOption adjusts a deliver_sm sent by SendMO, SendText or SendConcat.
type MOOption func(*moConfig)

// ToAccount delivers to a bind of this system_id only (default: the oldest bound receiver).
func ToAccount(systemID string) MOOption { return func(c *moConfig) { c.systemID = systemID } }

// WithTONNPI sets the type of number and numbering plan of the source and destination addresses
// (default: source 1/1, international ISDN; destination 0/1).
func WithTONNPI(srcTON, srcNPI, dstTON, dstNPI byte) MOOption {
	return func(c *moConfig) {
		c.srcTON, c.srcNPI, c.dstTON, c.dstNPI, c.setTON = srcTON, srcNPI, dstTON, dstNPI, true
	}
}

// WithEsmClass sets the esm_class (UDHI, 0x40, is added when a UDH is given).
func WithEsmClass(esm byte) MOOption { return func(c *moConfig) { c.esmClass = esm } }

// WithUDH prepends a user data header (its length octet included) to the short_message and sets
// UDHI in esm_class.
func WithUDH(udh []byte) MOOption { return func(c *moConfig) { c.udh = bytes.Clone(udh) } }

// WithTLV adds an optional parameter (for example TagMessagePayload with an empty short_message,
// or the sar_* TLVs).
func WithTLV(tag uint16, value []byte) MOOption {
	return func(c *moConfig) {
		if c.tlvs == nil {
			c.tlvs = map[uint16][]byte{}
		}
		c.tlvs[tag] = bytes.Clone(value)
	}
}

// WithSequence sends the deliver_sm with this sequence_number instead of the session's next one,
// for instance one the ESME is using for a pending submit_sm.
func WithSequence(seq uint32) MOOption { return func(c *moConfig) { c.seq = seq } }

func buildDeliver(src, dst Address, body []byte, dataCoding byte, c moConfig) ([]byte, error) {
	p := pdu.NewDeliverSM().(*pdu.DeliverSM)
	var err error
	if p.SourceAddr, err = pdu.NewAddressWithTonNpiAddr(src.TON, src.NPI, src.Addr); err != nil {
		return nil, fmt.Errorf("smsc: source address: %w", err)
	}
	if p.DestAddr, err = pdu.NewAddressWithTonNpiAddr(dst.TON, dst.NPI, dst.Addr); err != nil {
		return nil, fmt.Errorf("smsc: destination address: %w", err)
	}
	p.EsmClass = c.esmClass
	sm := body
	if len(c.udh) > 0 {
		if int(c.udh[0])+1 != len(c.udh) {
			return nil, fmt.Errorf("smsc: UDH length octet %d does not match its %d octets", c.udh[0], len(c.udh))
		}
		p.EsmClass |= 0x40
		sm = append(bytes.Clone(c.udh), body...)
	}
	// The UDH travels inside the message octets so that they go out exactly as given.
	enc := data.NewCustomEncoding(dataCoding, rawCoding{})
	if err := p.Message.SetMessageDataWithEncoding(sm, enc); err != nil {
		return nil, fmt.Errorf("smsc: short_message of %d octets: %w", len(sm), err)
	}
	for tag, v := range c.tlvs {
		p.RegisterOptionalParam(pdu.Field{Tag: pdu.Tag(tag), Data: v})
	}
	return marshal(p), nil
}

// rawCoding passes octets through unchanged; the data_coding is the CustomEncoding's.
type rawCoding struct{}

func (rawCoding) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (rawCoding) Decode(b []byte) (string, error) { return string(b), nil }

// SendMO sends a mobile-originated message from the customer's number to the service number: a
// deliver_sm whose short_message is body, with dataCoding. It waits for a bound receiver (of
// ToAccount's system_id, if given) and then for the deliver_sm_resp, and returns the Delivery with
// the ESME's command_status. The error is ErrConnectionLost when the bind closed first, or ctx's.
func (s *Server) SendMO(ctx context.Context, from, to string, body []byte, dataCoding byte, opts ...MOOption) (Delivery, error) {
	c := moConfig{srcTON: 1, srcNPI: 1, dstTON: 0, dstNPI: 1}
	for _, o := range opts {
		o(&c)
	}
	raw, err := buildDeliver(Address{c.srcTON, c.srcNPI, from}, Address{c.dstTON, c.dstNPI, to}, body, dataCoding, c)
	if err != nil {
		return Delivery{}, err
	}
	return s.deliver(ctx, c.systemID, raw, KindMO, c.seq, nil)
}

// SendText sends text as an MO (SendMO), in the GSM 03.38 default alphabet (unpacked,
// data_coding 0) when it can be, else in UCS-2 (data_coding 8).
func (s *Server) SendText(ctx context.Context, from, to, text string, opts ...MOOption) (Delivery, error) {
	body, dc, err := encodeText(text)
	if err != nil {
		return Delivery{}, err
	}
	return s.SendMO(ctx, from, to, body, dc, opts...)
}

// Redeliver sends d's deliver_sm again, octet for octet except for a new sequence_number, to a
// bind of the same account, as an SMSC does when a deliver_sm_resp was lost.
func (s *Server) Redeliver(ctx context.Context, d Delivery) (Delivery, error) {
	if len(d.PDU) < 16 {
		return Delivery{}, errors.New("smsc: redeliver: the delivery has no PDU")
	}
	return s.deliver(ctx, d.SystemID, d.PDU, d.Kind, 0, func(n *Delivery) {
		n.Redelivery, n.ReceiptFor = true, d.ReceiptFor
	})
}

func (s *Server) deliver(ctx context.Context, systemID string, raw []byte, kind DeliveryKind, seq uint32, mark func(*Delivery)) (Delivery, error) {
	ss, err := s.receiver(ctx, systemID)
	if err != nil {
		return Delivery{}, err
	}
	wait, err := ss.start(raw, kind, seq, mark)
	if err != nil {
		return Delivery{}, err
	}
	return wait(ctx)
}

// Concat shapes a concatenated MO sent by SendConcat.
type Concat struct {
	// Ref is the concatenation reference; 0 picks the next one of the Server's.
	Ref uint8
	// PartOctets is the most message octets per part; 0 means 153 (GSM 03.38, one octet per
	// character) or 134 (UCS-2).
	PartOctets int
	// Order lists the part numbers (1-based) in the order they are sent; nil sends them in order.
	// Parts left out are not sent.
	Order []int
	// Duplicate, when not zero, is a part number sent a second time (Redeliver) right after its
	// first delivery.
	Duplicate int
}

// SendConcat splits text into parts, each carrying a UDH concatenation element (IEI 0x00, 8-bit
// reference), and sends them as MOs, one after the other, each waiting for its deliver_sm_resp.
func (s *Server) SendConcat(ctx context.Context, from, to, text string, c Concat, opts ...MOOption) ([]Delivery, error) {
	body, dc, err := encodeText(text)
	if err != nil {
		return nil, err
	}
	size := c.PartOctets
	if size == 0 {
		size = 153
		if dc == 0x08 {
			size = 134
		}
	}
	if size < 2 || size > 254-6 {
		return nil, fmt.Errorf("smsc: concat: PartOctets %d is not between 2 and 248", size)
	}
	parts := splitParts(body, dc, size)
	if len(parts) > 255 {
		return nil, fmt.Errorf("smsc: concat: %d parts, at most 255", len(parts))
	}
	ref := c.Ref
	if ref == 0 {
		ref = uint8(s.nextRef.Add(1))
		if ref == 0 {
			ref = uint8(s.nextRef.Add(1))
		}
	}
	order := c.Order
	if order == nil {
		for i := range parts {
			order = append(order, i+1)
		}
	}
	for _, n := range order {
		if n < 1 || n > len(parts) {
			return nil, fmt.Errorf("smsc: concat: part %d of %d does not exist (parts count from 1)", n, len(parts))
		}
	}
	if c.Duplicate < 0 || c.Duplicate > len(parts) {
		return nil, fmt.Errorf("smsc: concat: duplicate part %d of %d does not exist", c.Duplicate, len(parts))
	}
	var out []Delivery
	for _, n := range order {
		udh := []byte{5, 0x00, 3, ref, byte(len(parts)), byte(n)}
		o := append(append([]MOOption(nil), opts...), WithUDH(udh))
		d, err := s.SendMO(ctx, from, to, parts[n-1], dc, o...)
		out = append(out, d)
		if err != nil {
			return out, err
		}
		if n == c.Duplicate {
			d, err := s.Redeliver(ctx, d)
			out = append(out, d)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// splitParts cuts encoded text into parts of at most size octets, never inside a GSM escape
// sequence or a UTF-16 surrogate pair.
func splitParts(b []byte, dc byte, size int) [][]byte {
	if dc == 0x08 && size%2 == 1 {
		size--
	}
	var parts [][]byte
	for len(b) > 0 {
		n := min(size, len(b))
		if n < len(b) {
			switch {
			case dc == 0x00 && b[n-1] == 0x1B:
				n--
			case dc == 0x08 && n >= 2 && b[n-2] >= 0xD8 && b[n-2] <= 0xDB:
				n -= 2
			}
		}
		parts = append(parts, b[:n])
		b = b[n:]
	}
	return parts
}

// wantsReceipt applies registered_delivery bits 0-1 (SMPP v3.4, 5.2.17).
func wantsReceipt(rd byte, state ReceiptState) bool {
	switch rd & 0x03 {
	case 0x01:
		return true
	case 0x02:
		return state != Delivered && state != Accepted
	}
	return false
}

func (s *Server) scheduleReceipt(m Submit) {
	r := *s.receipts.Load()
	if r.State == "" {
		r.State = Delivered
	}
	if r.Err == "" {
		r.Err = "000"
	}
	if !r.Enabled || !wantsReceipt(m.RegisteredDelivery, r.State) {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	quit := s.quit
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(r.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-quit:
			return
		}
		raw, err := buildReceipt(m, r, s.now())
		if err != nil {
			s.logf("smsc: receipt for %s: %v", m.MessageID, err)
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		// Like an SMSC, retry on the next bind when the connection is lost before the response.
		for {
			_, err := s.deliver(ctx, m.SystemID, raw, KindReceipt, 0, func(d *Delivery) { d.ReceiptFor = m.MessageID })
			if !errors.Is(err, ErrConnectionLost) {
				return
			}
			select {
			case <-quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
}

// buildReceipt makes the deliver_sm receipt of an accepted submit (SMPP v3.4, appendix B).
func buildReceipt(m Submit, r Receipts, done time.Time) ([]byte, error) {
	text, _ := m.Text()
	rs := []rune(text)
	if len(rs) > 20 {
		rs = rs[:20]
	}
	for i, c := range rs {
		if len(data.ValidateGSM7String(string(c))) > 0 {
			rs[i] = '?'
		}
	}
	dlvr := "000"
	if r.State == Delivered {
		dlvr = "001"
	}
	const layout = "0601021504"
	body := fmt.Sprintf("id:%s sub:001 dlvr:%s submit date:%s done date:%s stat:%s err:%s text:%s",
		m.MessageID, dlvr, m.Received.Format(layout), done.Format(layout), r.State, r.Err, string(rs))
	enc, err := data.GSM7BIT.Encode(body)
	if err != nil {
		return nil, err
	}
	c := moConfig{esmClass: 0x04}
	WithTLV(TagReceiptedMessageID, append([]byte(m.MessageID), 0))(&c)
	WithTLV(TagMessageState, []byte{messageState[r.State]})(&c)
	return buildDeliver(m.Dest, m.Source, enc, 0x00, c)
}

// ParseReceipt reads the fields of a receipt's short_message ("id:... sub:... dlvr:... submit
// date:... done date:... stat:... err:... text:..."), keyed by name ("id", "submit date", "stat").
func ParseReceipt(text string) (map[string]string, error) {
	keys := []string{"id", "sub", "dlvr", "submit date", "done date", "stat", "err", "text"}
	out := map[string]string{}
	rest := text
	for i, k := range keys {
		v, ok := strings.CutPrefix(rest, k+":")
		if !ok {
			return nil, fmt.Errorf("smsc: receipt: missing %q field", k)
		}
		if i == len(keys)-1 {
			out[k] = v
			break
		}
		next := " " + keys[i+1] + ":"
		j := strings.Index(v, next)
		if j < 0 {
			return nil, fmt.Errorf("smsc: receipt: missing %q field", keys[i+1])
		}
		out[k], rest = v[:j], v[j+1:]
	}
	return out, nil
}

// record stores a submit (when keep) and counts it.
func (s *Server) record(m Submit, keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if keep {
		s.submits = append(s.submits, m)
	}
	s.notify()
}

// keeping reports whether the next submit is kept, under the KeepSubmits bound.
func (s *Server) keeping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.KeepSubmits == 0 || len(s.submits) < s.cfg.KeepSubmits
}

func (s *Server) addDelivery(d *Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivered = append(s.delivered, d)
	s.notify()
}

func (s *Server) answered(d *Delivery, status uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Responded, d.Status = true, status
	s.notify()
}

func (s *Server) snapshot(d *Delivery) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *d
	c.PDU = bytes.Clone(d.PDU)
	return c
}

// Submits returns a copy of the recorded submits, oldest first.
func (s *Server) Submits() []Submit {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Submit, len(s.submits))
	for i, m := range s.submits {
		out[i] = m.clone()
	}
	return out
}

// SubmitCount is the number of submit_sm received since the start or Reset, kept or not.
func (s *Server) SubmitCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// WaitSubmits waits until at least n submit_sm were received since the start or Reset and returns
// Submits; it fails when ctx ends or the Server closes.
func (s *Server) WaitSubmits(ctx context.Context, n int) ([]Submit, error) {
	for {
		s.mu.Lock()
		got, ch, closed := s.count, s.changed, s.closed
		s.mu.Unlock()
		if got >= int64(n) {
			return s.Submits(), nil
		}
		if closed {
			return s.Submits(), ErrClosed
		}
		select {
		case <-ctx.Done():
			return s.Submits(), fmt.Errorf("smsc: %d of %d submits: %w", got, n, ctx.Err())
		case <-ch:
		}
	}
}

// Deliveries returns a copy of the deliver_sm sent (MOs, receipts, clashes), oldest first, with
// the ESME's answers so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.delivered))
	for i, d := range s.delivered {
		out[i] = *d
		out[i].PDU = bytes.Clone(d.PDU)
	}
	return out
}

// WaitDeliveries waits until at least n deliver_sm of kind k were sent and answered (any status)
// and returns them; it fails when ctx ends or the Server closes.
func (s *Server) WaitDeliveries(ctx context.Context, k DeliveryKind, n int) ([]Delivery, error) {
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		var out []Delivery
		for _, d := range s.Deliveries() {
			if d.Kind == k && d.Responded {
				out = append(out, d)
			}
		}
		if len(out) >= n {
			return out, nil
		}
		if closed {
			return out, ErrClosed
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("smsc: %d of %d %s deliveries answered: %w", len(out), n, k, ctx.Err())
		case <-ch:
		}
	}
}

// Reset forgets recorded submits, their count and deliveries; faults, receipts settings and binds
// stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.submits, s.count, s.delivered = nil, 0, nil
	s.notify()
}
