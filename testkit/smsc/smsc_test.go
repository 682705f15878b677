package smsc_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/vendgate/vendgate/testkit/smsc"
)

func TestBind(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	tests := []struct {
		name     string
		password string
		faults   smsc.Faults
		want     data.CommandStatusType
	}{
		{"ErrWrongPassword", "wrong", smsc.Faults{}, data.ESME_RINVPASWD},
		{"ErrRefused", password, smsc.Faults{RefuseBind: smsc.StatusBindFailed}, data.ESME_RBINDFAIL},
		{"ErrRefusedThrottled", password, smsc.Faults{RefuseBind: smsc.StatusThrottled}, data.ESME_RTHROTTLED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults(tt.faults)
			t.Cleanup(func() { srv.SetFaults(smsc.Faults{}) })
			_, err := dial(t, srv.Addr(), esmeOptions{password: tt.password})
			if got := bindStatus(err); got != tt.want {
				t.Errorf("bind: got %v (%v), want status %v", got, err, tt.want)
			}
		})
	}
	t.Run("ErrUnknownSystemID", func(t *testing.T) {
		other := MustListen(t, smsc.Config{Accounts: map[string]string{"someone-else": password}})
		_, err := dial(t, other.Addr(), esmeOptions{})
		if got := bindStatus(err); got != data.ESME_RINVSYSID {
			t.Errorf("bind: got %v (%v), want ESME_RINVSYSID", got, err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{enquire: 20 * time.Millisecond})
		if got := e.sess.Transceiver().SystemID(); got != "vendgate-smsc" {
			t.Errorf("SMSC system_id: got %q, want vendgate-smsc", got)
		}
		next[*pdu.EnquireLinkResp](ctx, t, e, nil)
		if got := srv.Sessions(); got != 1 {
			t.Errorf("Sessions: got %d, want 1", got)
		}
	})
}

func TestReceiverCannotSubmit(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{connector: func(d gosmpp.Dialer, a gosmpp.Auth) gosmpp.Connector {
		return gosmpp.RXConnector(d, a)
	}})
	resp := e.submit(ctx, t, textSubmit(t, "27821234567", "hello"))
	if resp.CommandStatus != data.ESME_RINVBNDSTS {
		t.Errorf("submit_sm_resp on a receiver bind: got %v, want ESME_RINVBNDSTS", resp.CommandStatus)
	}
	// A receiver gets MOs.
	d, err := srv.SendText(ctx, "27821234567", "32123", "BAL")
	if err != nil || !d.Responded || d.Status != smsc.StatusOK {
		t.Errorf("MO to a receiver: got %+v, %v, want answered with ESME_ROK", d, err)
	}
}

func TestUnknownCommandGetsGenericNack(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})
	q := pdu.NewQuerySM()
	if err := e.sess.Transceiver().Submit(q); err != nil {
		t.Fatal(err)
	}
	n := next[*pdu.GenericNack](ctx, t, e, nil)
	if n.CommandStatus != data.ESME_RINVCMDID || n.GetSequenceNumber() != q.GetSequenceNumber() {
		t.Errorf("generic_nack: got status %v sequence %d, want ESME_RINVCMDID sequence %d", n.CommandStatus, n.GetSequenceNumber(), q.GetSequenceNumber())
	}
}

func TestSubmitRecorded(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})

	// A UCS-2 part of a concatenated reply, with a delivery receipt asked for.
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr, _ = pdu.NewAddressWithTonNpiAddr(5, 0, "Vendgate")
	sm.DestAddr, _ = pdu.NewAddressWithTonNpiAddr(1, 1, "27821234567")
	sm.RegisteredDelivery = 1
	sm.EsmClass = 0x40
	msg, _ := pdu.NewShortMessageWithEncoding("Token: 1234 5678 9012 3456 7890 ✓", data.UCS2)
	msg.SetUDH(pdu.UDH{pdu.NewIEConcatMessage(2, 1, 7)})
	sm.Message = msg
	r1 := e.submit(ctx, t, sm)

	// A message_payload reply in an unusual data_coding with the sar_* TLVs.
	sm2 := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm2.DestAddr, _ = pdu.NewAddressWithAddr("27829999999")
	var empty pdu.ShortMessage
	_ = empty.SetMessageDataWithEncoding(nil, data.NewCustomEncoding(0xF5, data.BINARY8BIT2))
	sm2.Message = empty
	sm2.RegisterOptionalParam(pdu.Field{Tag: pdu.TagMessagePayload, Data: []byte{0xDE, 0xAD, 0xBE, 0xEF}})
	sm2.RegisterOptionalParam(pdu.Field{Tag: pdu.TagSarMsgRefNum, Data: []byte{0x01, 0x02}})
	sm2.RegisterOptionalParam(pdu.Field{Tag: pdu.TagSarTotalSegments, Data: []byte{3}})
	sm2.RegisterOptionalParam(pdu.Field{Tag: pdu.TagSarSegmentSeqnum, Data: []byte{2}})
	r2 := e.submit(ctx, t, sm2)

	if r1.CommandStatus != data.ESME_ROK || r1.MessageID == "" || r2.MessageID == "" || r1.MessageID == r2.MessageID {
		t.Fatalf("submit_sm_resp: got %v %q and %v %q, want ESME_ROK and two different message ids", r1.CommandStatus, r1.MessageID, r2.CommandStatus, r2.MessageID)
	}
	subs, err := srv.WaitSubmits(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := subs[0], subs[1]
	if a.SystemID != account || a.MessageID != r1.MessageID || a.Sequence != uint32(sm.GetSequenceNumber()) {
		t.Errorf("first submit: got account %q id %q sequence %d, want %q %q %d", a.SystemID, a.MessageID, a.Sequence, account, r1.MessageID, sm.GetSequenceNumber())
	}
	if a.Source != (smsc.Address{TON: 5, NPI: 0, Addr: "Vendgate"}) || a.Dest != (smsc.Address{TON: 1, NPI: 1, Addr: "27821234567"}) {
		t.Errorf("addresses: got %+v -> %+v", a.Source, a.Dest)
	}
	if a.DataCoding != 0x08 || a.EsmClass != 0x40 || a.RegisteredDelivery != 1 {
		t.Errorf("first submit: got data_coding 0x%02X esm_class 0x%02X registered_delivery %d, want 0x08 0x40 1", a.DataCoding, a.EsmClass, a.RegisteredDelivery)
	}
	if want := []byte{5, 0, 3, 7, 2, 1}; !bytes.Equal(a.UDH, want) {
		t.Errorf("UDH: got % X, want % X", a.UDH, want)
	}
	if text, err := a.Text(); err != nil || text != "Token: 1234 5678 9012 3456 7890 ✓" {
		t.Errorf("Text: got %q, %v", text, err)
	}
	if ref, total, part, ok := a.Concat(); !ok || ref != 7 || total != 2 || part != 1 {
		t.Errorf("Concat from UDH: got %d %d %d %v, want 7 2 1 true", ref, total, part, ok)
	}
	if b.DataCoding != 0xF5 || len(b.ShortMessage) != 0 || !bytes.Equal(b.Payload(), []byte{0xDE, 0xAD, 0xBE, 0xEF}) {
		t.Errorf("second submit: got data_coding 0x%02X short_message % X payload % X", b.DataCoding, b.ShortMessage, b.Payload())
	}
	if ref, total, part, ok := b.Concat(); !ok || ref != 0x0102 || total != 3 || part != 2 {
		t.Errorf("Concat from sar_*: got %d %d %d %v, want 258 3 2 true", ref, total, part, ok)
	}

	subs[0].ShortMessage[0] ^= 0xFF
	if again := srv.Submits(); again[0].ShortMessage[0] == subs[0].ShortMessage[0] {
		t.Errorf("Submits: got a shared slice, want a copy")
	}
	srv.Reset()
	if got, n := len(srv.Submits()), srv.SubmitCount(); got != 0 || n != 0 {
		t.Errorf("after Reset: got %d submits, count %d, want none", got, n)
	}
}

func TestMODeliveredWithESMEStatus(t *testing.T) {
	srv := MustListen(t, smsc.Config{Accounts: map[string]string{account: password, "other": password}})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})

	d, err := srv.SendText(ctx, "27821234567", "32123", "BUY 01234567897 50")
	if err != nil || !d.Responded || d.Status != smsc.StatusOK || d.Kind != smsc.KindMO {
		t.Fatalf("SendText: got %+v, %v, want answered ESME_ROK", d, err)
	}
	dm := next[*pdu.DeliverSM](ctx, t, e, nil)
	text, _ := dm.Message.GetMessage()
	if dm.SourceAddr.Address() != "27821234567" || dm.DestAddr.Address() != "32123" || text != "BUY 01234567897 50" {
		t.Errorf("deliver_sm: got %s -> %s %q", dm.SourceAddr.Address(), dm.DestAddr.Address(), text)
	}

	// Raw octets in a chosen data_coding arrive as sent.
	raw := []byte{0x00, 0x41, 0x00, 0x42}
	if _, err := srv.SendMO(ctx, "27821234567", "32123", raw, 0x08); err != nil {
		t.Fatal(err)
	}
	dm = next[*pdu.DeliverSM](ctx, t, e, nil)
	got, _ := dm.Message.GetMessageData()
	if !bytes.Equal(got, raw) || dm.Message.Encoding().DataCoding() != 0x08 {
		t.Errorf("raw MO: got % X, want % X in UCS-2", got, raw)
	}

	// An ESME that refuses the MO: the test sees its status.
	e2 := mustDial(t, srv.Addr(), esmeOptions{systemID: "other", status: data.ESME_RX_T_APPN})
	d, err = srv.SendText(ctx, "27821234567", "32123", "BUY", smsc.ToAccount("other"))
	if err != nil || d.Status != smsc.StatusTempAppError || d.SystemID != "other" {
		t.Errorf("refused MO: got status 0x%X to %q, %v, want 0x64 to other", d.Status, d.SystemID, err)
	}
	next[*pdu.DeliverSM](ctx, t, e2, nil)
}

func TestConcatMOPartsArrive(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})
	text := strings.Repeat("BUY 01234567897 ", 5) + "END" // 83 characters
	ds, err := srv.SendConcat(ctx, "27821234567", "32123", text, smsc.Concat{Ref: 42, PartOctets: 30, Order: []int{3, 1, 2}, Duplicate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 || !ds[2].Redelivery {
		t.Fatalf("deliveries: got %d (%+v), want 4 with the third a redelivery", len(ds), ds)
	}
	parts := map[byte]string{}
	var order []byte
	for range 4 {
		dm := next[*pdu.DeliverSM](ctx, t, e, nil)
		total, part, ref, ok := dm.Message.UDH().GetConcatInfo()
		if !ok || ref != 42 || total != 3 || dm.EsmClass&0x40 == 0 {
			t.Fatalf("part: got total %d part %d ref %d ok %v esm 0x%02X, want 3 parts of ref 42 with UDHI", total, part, ref, ok, dm.EsmClass)
		}
		s, _ := dm.Message.GetMessage()
		parts[part] = s
		order = append(order, part)
	}
	if want := []byte{3, 1, 1, 2}; !bytes.Equal(order, want) {
		t.Errorf("order: got %v, want %v", order, want)
	}
	if got := parts[1] + parts[2] + parts[3]; got != text {
		t.Errorf("reassembled: got %q, want %q", got, text)
	}
	if _, err := srv.SendConcat(ctx, "1", "2", text, smsc.Concat{PartOctets: 30, Order: []int{4}}); err == nil {
		t.Errorf("part 4 of 3: got no error")
	}
}

func TestRedeliverSendsTheSameDeliverSM(t *testing.T) {
	srv := MustListen(t, smsc.Config{})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})
	d1, err := srv.SendText(ctx, "27821234567", "32123", "BUY 01234567897 50")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := srv.Redeliver(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	if d1.Sequence == d2.Sequence || !d2.Redelivery || d2.Status != smsc.StatusOK {
		t.Errorf("redelivery: got sequence %d after %d, redelivery %v status 0x%X", d2.Sequence, d1.Sequence, d2.Redelivery, d2.Status)
	}
	a, b := bytes.Clone(d1.PDU), bytes.Clone(d2.PDU)
	binary.BigEndian.PutUint32(a[12:], 0)
	binary.BigEndian.PutUint32(b[12:], 0)
	if !bytes.Equal(a, b) {
		t.Errorf("redelivered PDU:\ngot  % X\nwant % X", b, a)
	}
	x := next[*pdu.DeliverSM](ctx, t, e, nil)
	y := next[*pdu.DeliverSM](ctx, t, e, nil)
	if x.GetSequenceNumber() == y.GetSequenceNumber() {
		t.Errorf("the ESME got both with sequence %d, want different sequence numbers", x.GetSequenceNumber())
	}
}

func TestReceipts(t *testing.T) {
	tests := []struct {
		name      string
		receipts  smsc.Receipts
		rd        byte
		wantStat  string
		wantState byte
	}{
		{"Delivered", smsc.Receipts{Enabled: true}, 1, "DELIVRD", 2},
		{"Undeliverable", smsc.Receipts{Enabled: true, State: smsc.Undeliverable, Err: "001"}, 1, "UNDELIV", 5},
		{"ExpiredOnFailureOnly", smsc.Receipts{Enabled: true, State: smsc.Expired, Delay: 10 * time.Millisecond}, 2, "EXPIRED", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustListen(t, smsc.Config{Receipts: tt.receipts})
			ctx := testContext(t)
			e := mustDial(t, srv.Addr(), esmeOptions{})
			sm := textSubmit(t, "27821234567", "Token 1234-5678-9012-3456-7890")
			sm.RegisteredDelivery = tt.rd
			resp := e.submit(ctx, t, sm)
			dm := next[*pdu.DeliverSM](ctx, t, e, nil)
			if dm.EsmClass != 0x04 {
				t.Errorf("receipt esm_class: got 0x%02X, want 0x04", dm.EsmClass)
			}
			if got := dm.OptionalParameters[pdu.TagReceiptedMessageID]; got.String() != resp.MessageID {
				t.Errorf("receipted_message_id: got %q, want %q", got.String(), resp.MessageID)
			}
			if got := dm.OptionalParameters[pdu.TagMessageStateOption].Data; !bytes.Equal(got, []byte{tt.wantState}) {
				t.Errorf("message_state: got % X, want %02X", got, tt.wantState)
			}
			if dm.SourceAddr.Address() != "27821234567" || dm.DestAddr.Address() != "32123" {
				t.Errorf("receipt addresses: got %s -> %s, want the reverse of the submit", dm.SourceAddr.Address(), dm.DestAddr.Address())
			}
			text, _ := dm.Message.GetMessage()
			f, err := smsc.ParseReceipt(text)
			if err != nil {
				t.Fatalf("receipt %q: %v", text, err)
			}
			if f["id"] != resp.MessageID || f["stat"] != tt.wantStat || f["text"] != "Token 1234-5678-9012" || len(f["submit date"]) != 10 {
				t.Errorf("receipt text: got %q", text)
			}
			ds, err := srv.WaitDeliveries(ctx, smsc.KindReceipt, 1)
			if err != nil || ds[0].ReceiptFor != resp.MessageID || ds[0].Status != smsc.StatusOK {
				t.Errorf("receipt delivery: got %+v, %v", ds, err)
			}
		})
	}
	t.Run("NotAskedNone", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{Receipts: smsc.Receipts{Enabled: true}})
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{})
		e.submit(ctx, t, textSubmit(t, "27821234567", "no receipt")) // registered_delivery 0
		sm := textSubmit(t, "27821234567", "on failure only")
		sm.RegisteredDelivery = 2 // and the state is DELIVRD
		e.submit(ctx, t, sm)
		sm = textSubmit(t, "27821234567", "this one")
		sm.RegisteredDelivery = 1
		r := e.submit(ctx, t, sm)
		dm := next[*pdu.DeliverSM](ctx, t, e, nil)
		f := dm.OptionalParameters[pdu.TagReceiptedMessageID]
		if got := f.String(); got != r.MessageID {
			t.Errorf("first receipt: got one for %q, want the only one asked for, %q", got, r.MessageID)
		}
	})
	t.Run("ErrBadState", func(t *testing.T) {
		if _, err := smsc.Listen(smsc.Config{Receipts: smsc.Receipts{State: "LOST"}}); err == nil {
			t.Errorf("state LOST: got no error")
		}
	})
}

func TestSubmitFaults(t *testing.T) {
	t.Run("ErrStatus", func(t *testing.T) {
		for _, st := range []uint32{smsc.StatusThrottled, smsc.StatusSystemError} {
			srv := MustListen(t, smsc.Config{})
			ctx := testContext(t)
			e := mustDial(t, srv.Addr(), esmeOptions{})
			srv.SetFaults(smsc.Faults{SubmitStatus: st})
			r := e.submit(ctx, t, textSubmit(t, "27821234567", "token"))
			if uint32(r.CommandStatus) != st || r.MessageID != "" {
				t.Errorf("submit_sm_resp: got 0x%X %q, want 0x%X and no message id", uint32(r.CommandStatus), r.MessageID, st)
			}
			if subs := srv.Submits(); len(subs) != 1 || subs[0].Status != st {
				t.Errorf("recorded: got %+v, want one with status 0x%X", subs, st)
			}
		}
	})
	t.Run("DropSubmits", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{})
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{})
		srv.SetFaults(smsc.Faults{DropSubmits: true})
		lost := textSubmit(t, "27821234567", "lost")
		if err := e.sess.Transceiver().Submit(lost); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.WaitSubmits(ctx, 1); err != nil {
			t.Fatal(err)
		}
		srv.SetFaults(smsc.Faults{})
		e.submit(ctx, t, textSubmit(t, "27821234567", "answered"))
		// The dropped submit's response would have come first on the connection.
		for _, p := range e.backlog {
			if r, ok := p.(*pdu.SubmitSMResp); ok {
				t.Errorf("got a submit_sm_resp with sequence %d, want none for the dropped submit %d", r.GetSequenceNumber(), lost.GetSequenceNumber())
			}
		}
		subs := srv.Submits()
		if !subs[0].Dropped || subs[0].MessageID != "" || subs[1].Dropped {
			t.Errorf("recorded: got %+v", subs)
		}
	})
	t.Run("Delay", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{})
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{})
		srv.SetFaults(smsc.Faults{SubmitDelay: time.Hour})
		slow := textSubmit(t, "27821234567", "slow")
		if err := e.sess.Transceiver().Submit(slow); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.WaitSubmits(ctx, 1); err != nil {
			t.Fatal(err)
		}
		srv.SetFaults(smsc.Faults{SubmitDelay: time.Millisecond})
		fast := textSubmit(t, "27821234567", "fast")
		if err := e.sess.Transceiver().Submit(fast); err != nil {
			t.Fatal(err)
		}
		r := next[*pdu.SubmitSMResp](ctx, t, e, nil)
		if r.GetSequenceNumber() != fast.GetSequenceNumber() {
			t.Errorf("first response: got sequence %d, want the undelayed submit's %d", r.GetSequenceNumber(), fast.GetSequenceNumber())
		}
	})
}

func TestConnectionFaults(t *testing.T) {
	t.Run("DropAfterPDUs", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{})
		ctx := testContext(t)
		srv.SetFaults(smsc.Faults{DropAfterPDUs: 2})
		e := mustDial(t, srv.Addr(), esmeOptions{})
		if r := e.submit(ctx, t, textSubmit(t, "27821234567", "one")); r.CommandStatus != data.ESME_ROK {
			t.Fatalf("first submit: got %v", r.CommandStatus)
		}
		if err := e.sess.Transceiver().Submit(textSubmit(t, "27821234567", "two")); err != nil {
			t.Fatal(err)
		}
		e.waitClosed(ctx, t)
		subs, _ := srv.WaitSubmits(ctx, 2)
		if len(subs) != 2 || subs[0].Dropped || !subs[1].Dropped {
			t.Errorf("recorded: got %+v, want the second dropped", subs)
		}
	})
	t.Run("DropOnBind", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{})
		ctx := testContext(t)
		srv.SetFaults(smsc.Faults{DropOnBind: true})
		e := mustDial(t, srv.Addr(), esmeOptions{})
		e.waitClosed(ctx, t)
	})
	t.Run("KillAndRestartRebinds", func(t *testing.T) {
		srv := MustListen(t, smsc.Config{})
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{rebind: 20 * time.Millisecond})
		e.submit(ctx, t, textSubmit(t, "27821234567", "before"))
		addr := srv.Addr()

		srv.Kill()
		st := e.waitClosed(ctx, t)
		t.Logf("gosmpp saw the kill as state %d", st)
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			t.Errorf("after Kill: got a connection, want refused")
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		if srv.Addr() != addr {
			t.Errorf("Addr after Restart: got %s, want %s", srv.Addr(), addr)
		}
		select {
		case <-e.rebound:
		case <-ctx.Done():
			t.Fatal("gosmpp did not rebind after Restart")
		}
		e.submit(ctx, t, textSubmit(t, "27821234567", "after"))
		subs := srv.Submits()
		if len(subs) != 2 {
			t.Fatalf("submits across the restart: got %d, want 2", len(subs))
		}
		if subs[0].MessageID == subs[1].MessageID {
			t.Errorf("message ids across the restart: got %q twice", subs[0].MessageID)
		}
		if err := srv.Restart(); err == nil {
			t.Errorf("Restart while listening: got no error")
		}
	})
	t.Run("Close", func(t *testing.T) {
		srv, err := smsc.Listen(smsc.Config{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := testContext(t)
		e := mustDial(t, srv.Addr(), esmeOptions{})
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		e.waitClosed(ctx, t)
		if err := srv.Restart(); err != smsc.ErrClosed {
			t.Errorf("Restart after Close: got %v, want ErrClosed", err)
		}
		if _, err := srv.SendText(ctx, "1", "2", "x"); err != smsc.ErrClosed {
			t.Errorf("SendText after Close: got %v, want ErrClosed", err)
		}
	})
}

// TestSequenceClash sends, before each submit_sm_resp, a deliver_sm that carries the submit_sm's
// sequence_number. gosmpp keeps them apart (one is a request, the other a response) in both of its
// modes; the SMSC matches the ESME's deliver_sm_resp to its deliver_sm.
func TestSequenceClash(t *testing.T) {
	for _, mode := range []struct {
		name string
		o    esmeOptions
	}{{"OnPDU", esmeOptions{onPDU: true}}, {"OnAllPDU", esmeOptions{}}, {"WindowedRequestTracking", esmeOptions{window: true}}} {
		t.Run(mode.name, func(t *testing.T) {
			srv := MustListen(t, smsc.Config{})
			ctx := testContext(t)
			e := mustDial(t, srv.Addr(), mode.o)
			srv.SetFaults(smsc.Faults{SequenceClash: true, ClashText: "STOP"})
			sm := textSubmit(t, "27821234567", "token")
			if err := e.sess.Transceiver().Submit(sm); err != nil {
				t.Fatal(err)
			}
			seq := sm.GetSequenceNumber()
			dm := next[*pdu.DeliverSM](ctx, t, e, nil)
			r := next[*pdu.SubmitSMResp](ctx, t, e, nil)
			if dm.GetSequenceNumber() != seq || r.GetSequenceNumber() != seq {
				t.Errorf("sequences: got deliver_sm %d and submit_sm_resp %d, want both %d", dm.GetSequenceNumber(), r.GetSequenceNumber(), seq)
			}
			if r.CommandStatus != data.ESME_ROK || r.MessageID == "" {
				t.Errorf("submit_sm_resp: got %v %q, want ESME_ROK with a message id", r.CommandStatus, r.MessageID)
			}
			ds, err := srv.WaitDeliveries(ctx, smsc.KindClash, 1)
			if err != nil || ds[0].Sequence != uint32(seq) || ds[0].Status != smsc.StatusOK {
				t.Errorf("clash delivery: got %+v, %v, want answered ESME_ROK with sequence %d", ds, err, seq)
			}
		})
	}
}

func TestThroughputKeepsABound(t *testing.T) {
	srv := MustListen(t, smsc.Config{Throughput: true, KeepSubmits: 3, Receipts: smsc.Receipts{Enabled: true}})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})
	for i := range 10 {
		sm := textSubmit(t, "27821234567", "load")
		sm.RegisteredDelivery = 1
		if r := e.submit(ctx, t, sm); r.CommandStatus != data.ESME_ROK || r.MessageID == "" {
			t.Fatalf("submit %d: got %v %q", i, r.CommandStatus, r.MessageID)
		}
	}
	if n, kept := srv.SubmitCount(), len(srv.Submits()); n != 10 || kept != 3 {
		t.Errorf("throughput: got count %d kept %d, want 10 and 3", n, kept)
	}
	if d := srv.Deliveries(); len(d) != 0 {
		t.Errorf("throughput: got %d receipts, want none", len(d))
	}
}

func BenchmarkSubmitThroughput(b *testing.B) {
	srv := MustListen(b, smsc.Config{Throughput: true})
	ctx := testContext(b)
	e := mustDial(b, srv.Addr(), esmeOptions{onPDU: true})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.submit(ctx, b, textSubmit(b, "27821234567", "load"))
	}
}

// OnSubmit sees every submit decoded, in Throughput mode past KeepSubmits too, with the status it
// was answered: a load command matches replies to customers with it.
func TestOnSubmitSeesEverySubmit(t *testing.T) {
	var mu sync.Mutex
	var seen []smsc.Submit
	srv := MustListen(t, smsc.Config{Throughput: true, KeepSubmits: 1, OnSubmit: func(m smsc.Submit) {
		mu.Lock()
		seen = append(seen, m)
		mu.Unlock()
	}})
	ctx := testContext(t)
	e := mustDial(t, srv.Addr(), esmeOptions{})
	for i := range 3 {
		if i == 2 {
			srv.SetFaults(smsc.Faults{SubmitStatus: smsc.StatusThrottled})
		}
		e.submit(ctx, t, textSubmit(t, fmt.Sprintf("2782000000%d", i), fmt.Sprintf("reply %d", i)))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("OnSubmit: got %d submits, want 3", len(seen))
	}
	for i, m := range seen {
		text, err := m.Text()
		want := uint32(smsc.StatusOK)
		if i == 2 {
			want = smsc.StatusThrottled
		}
		if m.Dest.Addr != fmt.Sprintf("2782000000%d", i) || err != nil || text != fmt.Sprintf("reply %d", i) || m.Status != want {
			t.Errorf("submit %d: got to %s text %q (%v) status 0x%X, want its destination, text and status 0x%X", i, m.Dest.Addr, text, err, m.Status, want)
		}
	}
}
