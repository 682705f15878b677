package core_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/memstore"
)

func TestCheckServiceCode(t *testing.T) {
	for _, sc := range []core.ServiceCode{
		{Code: "*404#", Channel: core.ChannelUSSD}, {Code: " *120 * 404 # ", Channel: core.ChannelUSSD}, {Code: "40404", Channel: core.ChannelSMS},
	} {
		if err := core.CheckServiceCode(sc); err != nil {
			t.Errorf("CheckServiceCode(%+v): %v", sc, err)
		}
	}
	for _, sc := range []core.ServiceCode{
		{Code: "*#", Channel: core.ChannelUSSD}, {Code: "*404#a", Channel: core.ChannelUSSD}, {Code: "4", Channel: core.ChannelSMS},
		{Code: "*404#", Channel: core.ChannelSMS}, {Code: "40404", Channel: "email"},
	} {
		wantReason(t, core.CheckServiceCode(sc), core.CodeInvalid, "invalid_service_code")
	}
	if got := core.NormalizeServiceCode(" *120 * 404 # "); got != "*120*404#" {
		t.Errorf("NormalizeServiceCode = %q", got)
	}
}

func TestInstitution(t *testing.T) {
	nets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128")}
	in := core.Institution{Allowed: nets}
	for addr, want := range map[string]bool{"10.1.2.3": true, "192.168.1.7": true, "192.168.1.8": false, "::1": true, "::ffff:10.0.0.1": true} {
		if got := in.Allows(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allows(%s) = %v, want %v", addr, got, want)
		}
	}
	if err := core.CheckInstitutionCode("123456"); err != nil {
		t.Error(err)
	}
	for _, c := range []string{"", "123456789012", "12a4"} {
		wantReason(t, core.CheckInstitutionCode(c), core.CodeInvalid, "invalid_institution")
	}
}

func TestErrors(t *testing.T) {
	e := core.Internal(errDown, "reading")
	if e.Error() != "reading: connection refused" || core.ErrorCode(e) != core.CodeInternal || core.ErrorCode(errDown) != core.CodeInternal {
		t.Fatalf("Internal: %q %s", e.Error(), core.ErrorCode(e))
	}
	if got := core.AsError(errDown); got.Code != core.CodeInternal || got.Unwrap() != errDown {
		t.Fatalf("AsError: %+v", got)
	}
	if got := core.Errorf(core.CodeConflict, "", "x"); got.Reason != "conflict" {
		t.Fatalf("Errorf without a reason: %q", got.Reason)
	}
	if got := core.Energy(-25).String(); got != "-2.5" {
		t.Fatalf("Energy(-25) = %q", got)
	}
}

// TestMobile: the rules SMS and USSD share. An operator's service code is found with its utility
// and the short code its replies come from, cached; an unknown or inactive code is refused; LAST
// shows a phone only its own purchases; a purchase's meter becomes the phone's default.
func TestMobile(t *testing.T) {
	w := memstore.NewWorld(t)
	telco := w.AddAgent(t, core.Agent{UtilityID: w.Utility.ID, Name: "Mobile One", Kind: core.AgentTelco, CreditLimit: 0,
		CommissionRate: decimal.RequireFromString("0.01"), Active: true}, 1_000_00)
	for _, sc := range []core.ServiceCode{
		{Code: "*404#", Channel: core.ChannelUSSD, AgentID: telco.ID, Route: "smsc", Active: true},
		{Code: "40404", Channel: core.ChannelSMS, AgentID: telco.ID, Route: "smsc", Active: true},
		{Code: "*405#", Channel: core.ChannelUSSD, AgentID: telco.ID, Active: false},
	} {
		if err := w.Store.CreateServiceCode(bg, sc); err != nil {
			t.Fatal(err)
		}
	}
	m := &core.Mobile{Store: w.Store, Clock: w.Now}

	op, err := m.Operator(bg, core.ChannelUSSD, " *404# ")
	if err != nil || op.Code.AgentID != telco.ID || op.ReplyFrom != "40404" || op.Utility.ID != w.Utility.ID {
		t.Fatalf("Operator(*404#): %+v, %v; want the telco, replies from 40404", op, err)
	}
	if op, err := m.Operator(bg, core.ChannelSMS, "40404"); err != nil || op.ReplyFrom != "40404" {
		t.Fatalf("Operator(40404): %+v, %v", op, err)
	}
	for _, code := range []string{"*405#", "*999#"} {
		_, err := m.Operator(bg, core.ChannelUSSD, code)
		wantReason(t, err, core.CodeUnauthorized, "unknown_service_code")
	}
	w.Store.SetFault(failing(errDown, "ServiceCode"))
	if _, err := m.Operator(bg, core.ChannelUSSD, "*404#"); err != nil {
		t.Errorf("a cached operator needs no store: %v", err)
	}
	w.Advance(2 * time.Minute)
	_, err = m.Operator(bg, core.ChannelUSSD, "*404#")
	wantReason(t, err, core.CodeUnavailable, "unavailable")
	w.Store.SetFault(nil)

	const phone, other = "27821110001", "27821110002"
	sub, err := m.Subscriber(bg, phone)
	if err != nil || sub.Phone != phone || sub.DefaultMeter != "" {
		t.Fatalf("a new phone: %+v, %v", sub, err)
	}
	meter := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	r := core.VendRequest{Channel: core.ChannelSMS, IdempotencyKey: "sms-1", AgentID: telco.ID, MeterNumber: meter.Number, Amount: 100_00, Payer: phone}
	v := mustVend(t, s, r)
	if err := m.Bought(bg, sub, v); err != nil {
		t.Fatal(err)
	}
	if sub, _ := m.Subscriber(bg, phone); sub.DefaultMeter != meter.Number {
		t.Errorf("default meter %q after a purchase, want %s", sub.DefaultMeter, meter.Number)
	}
	if last, err := m.Last(bg, phone, meter.Number); err != nil || last == nil || last.ID != v.ID {
		t.Errorf("the buyer's LAST: %v, %v; want vend %d", last, err, v.ID)
	}
	if last, err := m.Last(bg, other, meter.Number); err != nil || last != nil {
		t.Errorf("another phone's LAST: %v, %v; want none", last, err)
	}
	if err := m.SetLanguage(bg, phone, "fr"); err != nil {
		t.Fatal(err)
	}
	if sub, _ := m.Subscriber(bg, phone); sub.Language != "fr" {
		t.Errorf("language %q, want fr", sub.Language)
	}
}

// TestOutbox: a reply is written, then announced; without a notifier it waits in the outbox; a
// store failure is unavailable.
func TestOutbox(t *testing.T) {
	w := memstore.NewWorld(t)
	var announced []int64
	o := core.Outbox{Store: w.Store, Notifier: notifierFunc(func(id int64) { announced = append(announced, id) })}
	if err := o.Reply(bg, "smsc", "40404", "27821110001", "help text", 0); err != nil {
		t.Fatal(err)
	}
	pending, err := w.Store.RepliesByStatus(bg, core.ReplyPending, 10)
	if err != nil || len(pending) != 1 || len(announced) != 1 || announced[0] != pending[0].ID {
		t.Fatalf("pending %v, announced %v (%v): want the reply written, then announced", pending, announced, err)
	}
	if err := (core.Outbox{Store: w.Store}).Reply(bg, "smsc", "40404", "27821110001", "more", 0); err != nil {
		t.Fatalf("without a notifier: %v", err)
	}
	w.Store.SetFault(failing(errDown, "AddReply"))
	err = o.Reply(bg, "smsc", "40404", "27821110001", "x", 0)
	wantReason(t, err, core.CodeUnavailable, "unavailable")
}
