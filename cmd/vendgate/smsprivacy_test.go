package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// TestLastShowsOnlyTheAskingPhonesPurchase: phone 1 buys for a meter by SMS; phone 2 asking
// LAST for that meter is told it has no purchase, never phone 1's token, amount or reference
// (it was shown them before the fix).
func TestLastShowsOnlyTheAskingPhonesPurchase(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	m, _ := bootWith(t, withSMSC(srv))
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	ctx := context.Background()
	dm := m.Demo.Meters[0]
	const buyer, other = "27821110001", "27821110002"

	if _, err := srv.SendText(ctx, buyer, "40404", "BUY "+dm.Number+" 50"); err != nil {
		t.Fatal(err)
	}
	bought := submitText(t, srv, 1)
	toks := tokensIn(t, bought)
	if len(toks) != 1 {
		t.Fatalf("purchase reply %q: want one token", bought)
	}
	if _, err := srv.SendText(ctx, other, "40404", "LAST "+dm.Number); err != nil {
		t.Fatal(err)
	}
	if text := submitText(t, srv, 2); len(tokensIn(t, text)) != 0 || !strings.Contains(text, "No purchase") {
		t.Errorf("another phone's LAST got %q: want no purchase, and no token", text)
	}
	if _, err := srv.SendText(ctx, buyer, "40404", "LAST "+dm.Number); err != nil {
		t.Fatal(err)
	}
	if last := tokensIn(t, submitText(t, srv, 3)); len(last) != 1 || last[0] != toks[0] {
		t.Errorf("the buyer's LAST sent %v, want its token %v", last, toks)
	}
}

// TestReversedVendsSMSIsNeverSent: the SMSC throttles, so a purchase's SMS waits for its retry;
// the vend is reversed meanwhile; when the SMSC takes messages again the reversed vend's token is
// never sent (before the fix the pending reply went out after the reversal and the meter took
// it), while the next purchase's is.
func TestReversedVendsSMSIsNeverSent(t *testing.T) {
	srv := smscFor(t, smsc.Config{})
	m, _ := bootWith(t, func(c *config.Config) {
		withSMSC(srv)(c)
		c.ReplyRetry, c.ReplyRetryMax = 50*time.Millisecond, 100*time.Millisecond
	})
	waitFor(t, "the bind", func() bool { return m.sms.Link("smsc").Bound() })
	ctx := context.Background()
	dm := m.Demo.Meters[0]
	srv.SetFaults(smsc.Faults{SubmitStatus: smsc.StatusThrottled})
	if _, err := srv.SendText(ctx, "27821110003", "40404", "BUY "+dm.Number+" 50"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the throttled attempt", func() bool { return srv.SubmitCount() >= 1 })
	vends, err := m.DB.VendsByMeter(ctx, dm.Number, 0, 1)
	if err != nil || len(vends) != 1 {
		t.Fatalf("vends %v, %v", vends, err)
	}
	reversed := vends[0]
	if _, err := m.Vendor.Reverse(ctx, core.ReversalRequest{VendID: reversed.ID, Reason: "customer paid twice"}); err != nil {
		t.Fatalf("reversing the vend whose SMS is not sent: %v", err)
	}
	srv.SetFaults(smsc.Faults{})
	if _, err := srv.SendText(ctx, "27821110004", "40404", "BUY "+dm.Number+" 60"); err != nil {
		t.Fatal(err)
	}
	var next string
	waitFor(t, "the next purchase's SMS", func() bool {
		for _, s := range srv.Submits() {
			if s.MessageID != "" && s.Dest.Addr == "27821110004" {
				next = string(s.ShortMessage)
				return true
			}
		}
		return false
	})
	if len(tokensIn(t, next)) != 1 {
		t.Errorf("the next purchase's SMS %q: want its token", next)
	}
	time.Sleep(300 * time.Millisecond) // three retry periods of the reversed vend's reply
	for _, s := range srv.Submits() {
		if s.MessageID != "" && s.Dest.Addr == "27821110003" {
			t.Errorf("the reversed vend's SMS was sent after the reversal: %q", s.ShortMessage)
		}
	}
	cancelled, err := m.DB.RepliesByStatus(ctx, core.ReplyCancelled, 10)
	if err != nil || len(cancelled) != 1 || cancelled[0].VendID != reversed.ID {
		t.Errorf("cancelled replies %v (%v), want the reversed vend's", cancelled, err)
	}
}
