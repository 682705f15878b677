package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
)

// TestTokenHistoryAndReprints: a meter's history lists its vends' tokens and its engineering
// tokens together, newest first, digits masked; reprints show the digits and are counted; no
// token's digits reach the audit trail or an error, plain or grouped.
func TestTokenHistoryAndReprints(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		var secrets []sts.Token
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "hist-1", 50_00))
		must(t, err)
		secrets = append(secrets, v.Tokens[0].Token)
		e.bo.Clock.Advance(time.Minute)
		limit := e.issue(t, m.Number, "set_power_limit", 3000)
		e.bo.Clock.Advance(time.Minute)
		tamper := e.issue(t, m.Number, "clear_tamper", 0)
		for _, s := range []backoffice.ShownToken{limit, tamper} {
			secrets = append(secrets, sts.MustParseToken(s.Digits))
		}
		// Another agent, on another channel, sells with a key change pending: its key change
		// tokens come first, then the credit.
		e.bo.Clock.Advance(time.Minute)
		next := meterKey(t, m.Number, 2)
		must(t, db.SetPendingKeyChange(ctx, m.ID, &next, false))
		agent2 := e.newAgent(t, 0, 500_00)
		v2, err := e.vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelSMS, IdempotencyKey: "hist-2", AgentID: agent2.ID,
			MeterNumber: m.Number, Amount: 20_00, Payer: "+27821234567"})
		must(t, err)
		for _, tk := range v2.Tokens {
			secrets = append(secrets, tk.Token)
		}

		hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{})
		must(t, err)
		want := []struct {
			source backoffice.TokenSource
			kind   string
		}{{backoffice.SourceVend, "electricity_credit"}, {backoffice.SourceVend, "key_change_2"}, {backoffice.SourceVend, "key_change_1"},
			{backoffice.SourceEngineering, "clear_tamper"}, {backoffice.SourceEngineering, "set_power_limit"}, {backoffice.SourceVend, "electricity_credit"}}
		if len(hist) != len(want) {
			t.Fatalf("history holds %d tokens, want %d: %+v", len(hist), len(want), hist)
		}
		for i, w := range want {
			h := hist[i]
			if h.Source != w.source || h.Kind != w.kind {
				t.Errorf("history[%d] is %s %s, want %s %s", i, h.Source, h.Kind, w.source, w.kind)
			}
			if strings.Count(h.Token, "*") != 16 {
				t.Errorf("history[%d] shows its token as %q, want all but the last four digits masked", i, h.Token)
			}
		}
		if h := hist[5]; h.Paid != 50_00 || h.Channel != core.ChannelREST || h.AgentID != e.agent.ID || h.TID != uint32(v.Tokens[0].TID) || h.Energy == 0 {
			t.Errorf("the first vend's token: %+v", h)
		}
		if h := hist[0]; h.Paid != 20_00 || h.Channel != core.ChannelSMS || h.AgentID != agent2.ID || h.Purpose != string(core.PurposeCredit) || h.TID <= tamper.TID {
			t.Errorf("the second vend's credit token: %+v", h)
		}
		if h := hist[1]; h.Purpose != string(core.PurposeKeyChange) || h.TID != 0 || h.Paid != 0 || h.AgentID != agent2.ID {
			t.Errorf("the second vend's key change token: %+v", h)
		}
		if h := hist[4]; h.Value != 3000 || h.RequestedBy == "" || h.Reason == "" || h.TID != limit.TID {
			t.Errorf("the power limit token: %+v", h)
		}

		for i := 1; i <= 2; i++ {
			r, err := e.svc.ReprintToken(ctx, e.sup, backoffice.MeterTokenRef{Source: backoffice.SourceEngineering, ID: limit.RecordID})
			must(t, err)
			if r.Digits != limit.Digits || r.Reprints != int64(i) {
				t.Errorf("reprint %d: %s, count %d; want the issued digits, count %d", i, r.Digits, r.Reprints, i)
			}
		}
		rv, err := e.svc.ReprintToken(ctx, e.sup, backoffice.MeterTokenRef{Source: backoffice.SourceVend, ID: v.ID, Seq: 1})
		must(t, err)
		if rv.Digits != v.Tokens[0].Token.Display() || rv.Reprints != 1 {
			t.Errorf("vend token reprint: %s count %d, want %s count 1", rv.Digits, rv.Reprints, v.Tokens[0].Token.Display())
		}
		hist, err = e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{Limit: 2, Offset: 4})
		must(t, err)
		if len(hist) != 2 || hist[0].Reprints != 2 || hist[1].Reprints != 1 || hist[0].Kind != "set_power_limit" {
			t.Errorf("second page with reprint counts: %+v", hist)
		}

		var errs []error
		cashier := e.bo.Operator(t, "till", backoffice.RoleCashier)
		_, err = e.svc.ReprintToken(ctx, cashier, backoffice.MeterTokenRef{Source: backoffice.SourceEngineering, ID: 999})
		if core.AsError(err).Reason != backoffice.ReasonMeterTokenNotFound {
			t.Errorf("reprint of no token: %v", err)
		}
		errs = append(errs, err)
		_, err = e.svc.IssueEngineeringToken(ctx, cashier, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_tamper", Reason: limit.Digits})
		errs = append(errs, err)
		_, err = e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "set_power_limit", Value: 16_385, Reason: limit.Digits})
		errs = append(errs, err)
		entries, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{})
		must(t, err)
		var trail strings.Builder
		for _, en := range entries {
			trail.WriteString(en.Target + en.Detail + string(en.Before) + string(en.After) + "\n")
		}
		for _, err := range errs {
			if err == nil {
				t.Fatal("a refused request succeeded")
			}
			trail.WriteString(err.Error() + "\n")
			if u := errors.Unwrap(err); u != nil {
				trail.WriteString(u.Error() + "\n")
			}
		}
		for _, s := range secrets {
			for _, form := range []string{s.String(), s.Display()} {
				if strings.Contains(trail.String(), form) {
					t.Errorf("token %s appears in the audit trail or an error", core.MaskTokens(form))
				}
			}
		}
		reprints := 0
		for _, en := range entries {
			if en.Action == backoffice.ActionMeterTokenReprint && en.Outcome == backoffice.OutcomeDone {
				reprints++
			}
		}
		if reprints != 3 {
			t.Errorf("%d reprints audited, want 3", reprints)
		}
	})
}
