package iso8583_test

import (
	"context"
	"strings"
	"testing"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// buggyVendor is a vendor with a bug for two meters: for one its Vend panics, for the other it
// returns no vend and no error (the handler then panics on the nil vend).
type buggyVendor struct {
	iso.Vendor
}

const (
	meterPanics  = memstore.MeterOK2
	meterNilVend = memstore.MeterBlocked
)

func (b buggyVendor) Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error) {
	switch req.MeterNumber {
	case meterPanics:
		var digits []byte
		_ = digits[len(req.MeterNumber)] // out of range: the runtime panics
	case meterNilVend:
		return nil, nil
	}
	return b.Vendor.Vend(ctx, req)
}

// TestPanicAnswered96 makes a purchase's work panic, in the vendor (the call's goroutine) and in
// the handler itself: each is answered 96, logged as an internal error without card data
// (MustServe's cleanup checks the PAN), and the server goes on answering on the same connection.
func TestPanicAnswered96(t *testing.T) {
	ts := MustServeWrapped(t, iso.Config{}, func(v iso.Vendor) iso.Vendor { return buggyVendor{v} })
	cl := MustClient(t, ts, memstore.BankCode)
	for _, meter := range []string{meterPanics, meterNilVend} {
		got, err := cl.Send(cl.Purchase(meter, 5000))
		if err != nil || got.RC != iso.RCSystemError || len(got.Tokens) != 0 {
			t.Errorf("purchase for meter %s: got %q %v, %v; want 96 without tokens", meter, got.RC, got.Tokens, err)
		}
	}
	if n := strings.Count(ts.logs.String(), `"message":"a message's work panicked"`); n != 2 {
		t.Errorf("got %d panic lines in the logs, want 2:\n%s", n, ts.logs)
	}
	if !strings.Contains(ts.logs.String(), `"panic":"runtime error: index out of range [11] with length 0"`) {
		t.Errorf("the logs do not name the runtime error:\n%s", ts.logs)
	}
	got, err := cl.Send(cl.Purchase(memstore.MeterOK, 5000))
	if err != nil || got.RC != iso.RCApproved || len(got.Tokens) != 1 {
		t.Errorf("purchase after the panics: got %q %v, %v; want 00 with one token", got.RC, got.Tokens, err)
	}
}
