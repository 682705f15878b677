package smsc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// SMPP 3.4 command_id values (SMPP v3.4, 5.1.2).
const (
	cmdGenericNack     uint32 = 0x80000000
	cmdBindReceiver    uint32 = 0x00000001
	cmdBindTransmitter uint32 = 0x00000002
	cmdSubmitSM        uint32 = 0x00000004
	cmdDeliverSMResp   uint32 = 0x80000005
	cmdUnbind          uint32 = 0x00000006
	cmdUnbindResp      uint32 = 0x80000006
	cmdBindTransceiver uint32 = 0x00000009
	cmdEnquireLink     uint32 = 0x00000015
	cmdEnquireLinkResp uint32 = 0x80000015
	maxPDULen                 = 64 << 10
	writeTimeout              = 10 * time.Second
)

var sessionIDs atomic.Uint64

type pendingDeliver struct {
	d    *Delivery
	done chan struct{} // closed when the response arrived
}

// session is one TCP connection from an ESME.
type session struct {
	srv  *Server
	conn net.Conn
	id   uint64
	done chan struct{} // closed when the connection is gone
	dead atomic.Bool   // set when the connection is being closed

	wmu sync.Mutex // serialises writes

	mu       sync.Mutex
	systemID string // "" until bound
	bindType uint32 // the bind command_id
	nextSeq  uint32
	pending  map[uint32]pendingDeliver
	count    int // PDUs received since the bind
}

func newSession(s *Server, c net.Conn) *session {
	return &session{
		srv:     s,
		conn:    c,
		id:      sessionIDs.Add(1),
		done:    make(chan struct{}),
		pending: map[uint32]pendingDeliver{},
	}
}

func (ss *session) boundAs() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.systemID
}

func (ss *session) canReceive() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return !ss.dead.Load() && ss.systemID != "" && (ss.bindType == cmdBindReceiver || ss.bindType == cmdBindTransceiver)
}

func (ss *session) canTransmit() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.systemID != "" && (ss.bindType == cmdBindTransmitter || ss.bindType == cmdBindTransceiver)
}

func (ss *session) kill() {
	ss.dead.Store(true)
	_ = ss.conn.Close()
}

func (ss *session) run() {
	defer func() {
		ss.kill()
		close(ss.done)
		ss.srv.removeSession(ss)
	}()
	for {
		raw, err := ss.readFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				ss.srv.logf("smsc: connection %d (%s): %v", ss.id, ss.boundAs(), err)
			}
			return
		}
		if !ss.handle(raw) {
			return
		}
	}
}

// readFrame reads one PDU, header included. A command_length out of bounds is answered with a
// generic_nack and ends the connection (the stream cannot be resynchronised).
func (ss *session) readFrame() ([]byte, error) {
	var h [16]byte
	if _, err := io.ReadFull(ss.conn, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n < 16 || n > maxPDULen {
		ss.write(genericNack(StatusInvalidLength, binary.BigEndian.Uint32(h[12:])))
		return nil, fmt.Errorf("command_length %d out of bounds", n)
	}
	raw := make([]byte, n)
	copy(raw, h[:])
	if _, err := io.ReadFull(ss.conn, raw[16:]); err != nil {
		return nil, err
	}
	return raw, nil
}

func marshal(p pdu.PDU) []byte {
	b := pdu.NewBuffer(make([]byte, 0, 64))
	p.Marshal(b)
	return b.Bytes()
}

func genericNack(status, seq uint32) []byte {
	p := pdu.NewGenericNack()
	p.SetSequenceNumber(int32(seq))
	setStatus(p, status)
	return marshal(p)
}

func setStatus(p pdu.PDU, status uint32) {
	switch v := p.(type) {
	case *pdu.GenericNack:
		v.CommandStatus = data.CommandStatusType(status)
	case *pdu.BindResp:
		v.CommandStatus = data.CommandStatusType(status)
	case *pdu.SubmitSMResp:
		v.CommandStatus = data.CommandStatusType(status)
	}
}

func (ss *session) write(b []byte) bool {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	_ = ss.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := ss.conn.Write(b); err != nil {
		ss.kill()
		return false
	}
	return true
}

// handle answers one PDU; it returns false when the connection must end.
func (ss *session) handle(raw []byte) bool {
	cmd := binary.BigEndian.Uint32(raw[4:8])
	seq := binary.BigEndian.Uint32(raw[12:16])
	status := binary.BigEndian.Uint32(raw[8:12])

	switch cmd {
	case cmdBindReceiver, cmdBindTransmitter, cmdBindTransceiver:
		return ss.bind(raw, cmd, seq)
	case cmdEnquireLink:
		p := pdu.NewEnquireLink().GetResponse()
		p.SetSequenceNumber(int32(seq))
		return ss.write(marshal(p))
	case cmdEnquireLinkResp, cmdUnbindResp:
		return true
	}
	if ss.boundAs() == "" {
		if cmd&0x80000000 != 0 {
			return true
		}
		ss.srv.logf("smsc: connection %d: command 0x%08X before bind", ss.id, cmd)
		return ss.write(genericNack(StatusInvalidBind, seq))
	}

	f := ss.srv.faults.Load()
	ss.mu.Lock()
	ss.count++
	drop := f.DropAfterPDUs > 0 && ss.count >= f.DropAfterPDUs
	ss.mu.Unlock()

	switch cmd {
	case cmdUnbind:
		if drop {
			return false
		}
		p := pdu.NewUnbind().GetResponse()
		p.SetSequenceNumber(int32(seq))
		ss.write(marshal(p))
		return false
	case cmdDeliverSMResp, cmdGenericNack:
		ss.complete(seq, status)
		return !drop
	case cmdSubmitSM:
		if !ss.canTransmit() {
			if drop {
				return false
			}
			return ss.write(ss.submitResp(seq, StatusInvalidBind, ""))
		}
		return ss.submit(raw, seq, f, drop)
	}
	if drop {
		return false
	}
	if cmd&0x80000000 != 0 {
		return true // a response the SMSC does not track
	}
	return ss.write(genericNack(StatusInvalidCmdID, seq))
}

func (ss *session) bind(raw []byte, cmd, seq uint32) bool {
	p, err := parsePDU(raw)
	var req *pdu.BindRequest
	if err == nil {
		req, _ = p.(*pdu.BindRequest)
	}
	if req == nil {
		ss.srv.logf("smsc: connection %d: bad bind: %v", ss.id, err)
		return ss.write(genericNack(StatusInvalidLength, seq))
	}
	resp := pdu.NewBindResp(*req)
	resp.SystemID = ss.srv.cfg.SystemID
	status := StatusOK
	f := ss.srv.faults.Load()
	want, known := ss.srv.cfg.Accounts[req.SystemID]
	switch {
	case ss.boundAs() != "":
		status = StatusAlreadyBound
	case f.RefuseBind != 0:
		status = f.RefuseBind
	case len(ss.srv.cfg.Accounts) > 0 && !known:
		status = StatusInvalidSysID
	case len(ss.srv.cfg.Accounts) > 0 && want != req.Password:
		status = StatusInvalidPasswd
	case req.SystemID == "":
		status = StatusInvalidSysID
	}
	setStatus(resp, status)
	if status != StatusOK {
		ss.srv.logf("smsc: connection %d: bind %q refused with 0x%02X", ss.id, req.SystemID, status)
		return ss.write(marshal(resp))
	}
	ss.mu.Lock()
	ss.systemID, ss.bindType, ss.count = req.SystemID, cmd, 0
	ss.mu.Unlock()
	if !ss.write(marshal(resp)) {
		return false
	}
	ss.srv.logf("smsc: connection %d bound as %q (command 0x%08X)", ss.id, req.SystemID, cmd)
	if f.DropOnBind {
		ss.srv.logf("smsc: connection %d dropped after bind (fault)", ss.id)
		return false
	}
	ss.srv.bound()
	return true
}

func (ss *session) submitResp(seq, status uint32, msgID string) []byte {
	p := pdu.NewSubmitSMResp().(*pdu.SubmitSMResp)
	p.SetSequenceNumber(int32(seq))
	p.CommandStatus = data.CommandStatusType(status)
	p.MessageID = msgID
	return marshal(p)
}

func (ss *session) submit(raw []byte, seq uint32, f *Faults, drop bool) bool {
	srv := ss.srv
	m, keep := Submit{Sequence: seq}, srv.keeping()
	if keep || !srv.cfg.Throughput || f.SequenceClash || srv.cfg.OnSubmit != nil {
		p, err := parsePDU(raw)
		var sm *pdu.SubmitSM
		if err == nil {
			sm, _ = p.(*pdu.SubmitSM)
		}
		if sm != nil {
			m, err = toSubmit(sm, raw)
		}
		if err != nil || sm == nil {
			srv.logf("smsc: connection %d: bad submit_sm: %v", ss.id, err)
			if drop {
				return false
			}
			return ss.write(ss.submitResp(seq, StatusInvalidLength, ""))
		}
	}
	m.SystemID = ss.boundAs()
	m.Received = srv.now()

	if f.SequenceClash {
		ss.clash(m, f.ClashText)
	}
	switch {
	case drop || f.DropSubmits:
		m.Dropped = true
		srv.record(m, keep)
		if srv.cfg.OnSubmit != nil {
			srv.cfg.OnSubmit(m.clone())
		}
		return !drop
	case f.SubmitStatus != 0:
		m.Status = f.SubmitStatus
	default:
		m.MessageID = srv.newMessageID()
	}
	srv.record(m, keep)
	if srv.cfg.OnSubmit != nil {
		srv.cfg.OnSubmit(m.clone())
	}
	resp := ss.submitResp(seq, m.Status, m.MessageID)
	// The receipt's delay runs from the submit_sm_resp, so that the receipt follows it.
	answer := func() bool {
		ok := ss.write(resp)
		if ok && m.Status == StatusOK && !srv.cfg.Throughput {
			srv.scheduleReceipt(m)
		}
		return ok
	}
	if f.SubmitDelay <= 0 {
		return answer()
	}
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		t := time.NewTimer(f.SubmitDelay)
		defer t.Stop()
		select {
		case <-t.C:
			answer()
		case <-ss.done:
		}
	}()
	return true
}

// clash sends the ESME a deliver_sm that carries the sequence_number of its own pending submit_sm.
func (ss *session) clash(m Submit, text string) {
	if text == "" {
		text = "CLASH"
	}
	body, dc, err := encodeText(text)
	if err != nil {
		return
	}
	raw, err := buildDeliver(Address{m.Dest.TON, m.Dest.NPI, m.Dest.Addr}, Address{m.Source.TON, m.Source.NPI, m.Source.Addr}, body, dc, moConfig{})
	if err != nil {
		ss.srv.logf("smsc: clash deliver_sm: %v", err)
		return
	}
	_, _ = ss.start(raw, KindClash, m.Sequence, nil)
}

// start sends a deliver_sm (raw, its sequence_number replaced by seq, or a fresh one when seq is
// 0) and returns its Delivery and a function that waits for the response.
func (ss *session) start(raw []byte, kind DeliveryKind, seq uint32, mark func(*Delivery)) (func(context.Context) (Delivery, error), error) {
	raw = append([]byte(nil), raw...)
	ch := make(chan struct{})
	ss.mu.Lock()
	if seq == 0 {
		ss.nextSeq++
		if ss.nextSeq > 0x7FFFFFFF {
			ss.nextSeq = 1
		}
		seq = ss.nextSeq
	}
	binary.BigEndian.PutUint32(raw[12:16], seq)
	d := &Delivery{Kind: kind, SystemID: ss.systemID, Sequence: seq, PDU: raw}
	if mark != nil {
		mark(d)
	}
	ss.pending[seq] = pendingDeliver{d, ch}
	ss.mu.Unlock()
	ss.srv.addDelivery(d)
	if !ss.write(raw) {
		ss.forget(seq)
		return nil, ErrConnectionLost
	}
	wait := func(ctx context.Context) (Delivery, error) {
		select {
		case <-ch:
			return ss.srv.snapshot(d), nil
		case <-ss.done:
			return ss.srv.snapshot(d), ErrConnectionLost
		case <-ctx.Done():
			ss.forget(seq)
			return ss.srv.snapshot(d), fmt.Errorf("smsc: waiting for deliver_sm_resp %d: %w", seq, ctx.Err())
		}
	}
	return wait, nil
}

func (ss *session) forget(seq uint32) {
	ss.mu.Lock()
	delete(ss.pending, seq)
	ss.mu.Unlock()
}

func (ss *session) complete(seq, status uint32) {
	ss.mu.Lock()
	p, ok := ss.pending[seq]
	delete(ss.pending, seq)
	ss.mu.Unlock()
	if !ok {
		ss.srv.logf("smsc: connection %d: response %d matches no deliver_sm", ss.id, seq)
		return
	}
	ss.srv.answered(p.d, status)
	close(p.done)
}
