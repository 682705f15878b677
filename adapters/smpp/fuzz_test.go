package smpp

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/pdu"
	"github.com/rs/zerolog"
)

// FuzzReceiptFields reads delivery receipt texts as SMSCs send them: it never panics, and an id
// or state it finds is a field of the text.
func FuzzReceiptFields(f *testing.F) {
	for _, s := range []string{
		"id:1234567890 sub:001 dlvr:001 submit date:2611300612 done date:2611300612 stat:DELIVRD err:000 text:Meter 0412",
		"id:abc stat:UNDELIV err:034",
		"ID:7 STAT:expired",
		"stat:",
		"id::: ::",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		id, state := receiptFields(text)
		if id != "" && !strings.Contains(text, id) {
			t.Fatalf("id %q is not in %q", id, text)
		}
		if state != "" && !strings.Contains(strings.ToUpper(text), state) {
			t.Fatalf("state %q is not in %q", state, text)
		}
	})
}

func TestReceiptFields(t *testing.T) {
	id, state := receiptFields("id:0A1B sub:001 dlvr:001 submit date:2611300612 done date:2611300613 stat:delivrd err:000 text:x")
	if id != "0A1B" || state != "DELIVRD" {
		t.Errorf("got id %q state %q", id, state)
	}
}

// FuzzDeliverSM hands the link deliver_sm of any data coding, esm_class and octets (parsed from the
// wire by gosmpp, as the SMSC sends them): it never panics, and answers every one with one of
// its three statuses.
func FuzzDeliverSM(f *testing.F) {
	f.Add(byte(0), byte(0), []byte("BUY 01234567897 50"))
	f.Add(byte(8), byte(0), []byte{0x00, 0x42, 0x00, 0x55, 0xd8, 0x3d, 0xde, 0x00})
	f.Add(byte(0), byte(0x40), []byte{0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 'B', 'U', 'Y'})
	f.Add(byte(0), byte(0x04), []byte("id:77 sub:001 dlvr:001 submit date:2611300612 done date:2611300612 stat:DELIVRD err:000 text:"))
	f.Add(byte(0xf5), byte(0), []byte{0xff, 0x00})
	l := newLink(Bind{Name: "fuzz", Addr: "127.0.0.1:1", SystemID: "x"}, takeAll{}, NodeThrottle, zerolog.Nop(), time.Now)
	f.Fuzz(func(t *testing.T, dcs, esm byte, sm []byte) {
		if len(sm) > 254 {
			sm = sm[:254]
		}
		raw := deliverPDU(dcs, esm, sm)
		p, err := pdu.Parse(bytes.NewReader(raw))
		if err != nil {
			return // gosmpp refuses it before the link sees it
		}
		d, ok := p.(*pdu.DeliverSM)
		if !ok {
			t.Fatalf("parsed as %T", p)
		}
		switch st := l.receive(d); st {
		case statusOK, statusTryLater, statusCorrupted:
		default:
			t.Fatalf("status %v", st)
		}
	})
}

// deliverPDU is a deliver_sm on the wire (SMPP 3.4, 4.6.1).
func deliverPDU(dcs, esm byte, sm []byte) []byte {
	var body bytes.Buffer
	body.WriteString("\x00")                        // service_type
	body.Write([]byte{1, 1})                        // source TON, NPI
	body.WriteString("27821234567\x00")             // source_addr
	body.Write([]byte{0, 1})                        // dest TON, NPI
	body.WriteString("40404\x00")                   // destination_addr
	body.Write([]byte{esm, 0, 0})                   // esm_class, protocol_id, priority_flag
	body.WriteString("\x00\x00")                    // schedule_delivery_time, validity_period
	body.Write([]byte{0, 0, dcs, 0, byte(len(sm))}) // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
	body.Write(sm)
	out := binary.BigEndian.AppendUint32(nil, uint32(16+body.Len()))
	out = binary.BigEndian.AppendUint32(out, 0x00000005) // deliver_sm
	out = binary.BigEndian.AppendUint32(out, 0)
	out = binary.BigEndian.AppendUint32(out, 1)
	return append(out, body.Bytes()...)
}

// takeAll takes every message and receipt.
type takeAll struct{}

func (takeAll) mo(context.Context, MO) error                          { return nil }
func (takeAll) receipt(context.Context, string, string, string) error { return nil }

// FuzzGuardConn reads any byte stream from the SMSC through the guard: nothing panics (gosmpp's
// parser included), and every request it keeps back gets exactly one answer.
func FuzzGuardConn(f *testing.F) {
	f.Add(deliverPDU(0, 0, []byte("BUY 01234567897 50")))
	f.Add(deliverPDU(0, 0x40, []byte{0x09, 0x00, 0x03, 'A'}))
	f.Add(append(deliverPDU(0, 0x40, []byte{0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 'B'}), deliverPDU(8, 0, []byte{0, 'A'})...))
	// A query_sm with an optional parameter: gosmpp v0.3.1's parser panics on it.
	f.Add([]byte("\x00\x00\x00\x1c\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01" +
		"1\x00\x00\x00\x00\x02\x04\x00\x02\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		conn := &streamConn{r: bytes.NewReader(stream)}
		requests := 0
		g := newGuardConn(conn, func(id, _ uint32, _ error) {
			if id&cmdResponse == 0 {
				requests++
			}
		})
		for {
			if _, err := pdu.Parse(g); err != nil {
				break
			}
		}
		answers := 0
		for w := conn.w.Bytes(); len(w) >= 16; w = w[binary.BigEndian.Uint32(w):] {
			answers++
		}
		if answers != requests {
			t.Fatalf("%d requests kept back, %d answers", requests, answers)
		}
	})
}

// streamConn is a connection that reads a fixed stream and keeps what is written.
type streamConn struct {
	net.Conn
	r *bytes.Reader
	w bytes.Buffer
}

func (c *streamConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *streamConn) Write(p []byte) (int, error) { return c.w.Write(p) }
