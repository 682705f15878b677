package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

// engFixture is a seeded database with a back office that issues engineering tokens (its clock
// also the vendor's) and a supervisor signed in.
type engFixture struct {
	*fixture
	bo  *testkit.BackOffice
	svc *backoffice.Service
	sup backoffice.Actor
}

func seedEngineering(t *testing.T, db *store.DB) *engFixture {
	t.Helper()
	f := seed(t, db)
	bo := testkit.NewBackOffice(t, db, backoffice.WithTokenIssuer(&core.SoftIssuer{Keys: db, Sealer: f.sealer}))
	f.vendor.Clock = bo.Clock.Now
	return &engFixture{fixture: f, bo: bo, svc: bo.Svc, sup: bo.Operator(t, "sup", backoffice.RoleSupervisor)}
}

// issue asks the supervisor's back office for a token and fails the test on an error. A token
// that waits for a second operator (clear credit) is approved by the administrator and shown by
// a reprint.
func (e *engFixture) issue(t *testing.T, number, kind string, value uint64) backoffice.ShownToken {
	t.Helper()
	ctx := context.Background()
	res, err := e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{
		MeterNumber: number, Kind: kind, Value: value, Reason: "site visit " + kind})
	if err != nil {
		t.Fatalf("issuing %s: %v", kind, err)
	}
	if res.Done() {
		return res.Value
	}
	if _, err := e.svc.Approve(ctx, e.bo.Admin, res.Pending.ID); err != nil {
		t.Fatalf("approving %s: %v", kind, err)
	}
	hist, err := e.svc.MeterTokenHistory(ctx, e.sup, number, backoffice.MeterTokenPage{Limit: 1})
	must(t, err)
	if len(hist) != 1 || hist[0].Kind != kind {
		t.Fatalf("after the approval of %s the history starts with %+v", kind, hist)
	}
	shown, err := e.svc.ReprintToken(ctx, e.sup, backoffice.MeterTokenRef{Source: hist[0].Source, ID: hist[0].RecordID, Seq: hist[0].Seq})
	must(t, err)
	return shown
}

// accept types a token on the meter and fails the test unless the meter accepts it.
func accept(t *testing.T, m *meter.Meter, what, digits string) meter.Result {
	t.Helper()
	r := m.Enter(digits)
	if r.Code != meter.Accepted {
		t.Fatalf("%s: the meter answered %s, want accepted", what, r)
	}
	return r
}

// TestEngineeringTokensAccepted: every kind issued for a meter is accepted by the meter, with the
// setting asked for, and TIDs strictly increase across vends and engineering tokens, in one
// minute and across minutes.
func TestEngineeringTokensAccepted(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		state := virtualMeter(t, m.Key, vendingKey).State()
		state.Tamper = true // tampered with: the clear tamper token clears it
		vm, err := meter.Restore(state)
		must(t, err)

		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "eng-1", 100_00))
		must(t, err)
		accept(t, vm, "the vend's credit token", v.Tokens[0].Token.Display())
		if vm.Credit(0) == 0 {
			t.Fatal("the vend added no credit")
		}
		lastTID := v.Tokens[0].TID

		steps := []struct {
			kind  string
			value uint64
			check func(meter.Settings) bool
		}{
			{"set_power_limit", 5000, func(s meter.Settings) bool { return s.PowerLimit == 5000 }},
			{"set_phase_unbalance", 2000, func(s meter.Settings) bool { return s.PhaseUnbalance == 2000 }},
			{"set_tariff_rate", 42, func(s meter.Settings) bool { return s.TariffRate == 42 }},
			{"clear_tamper", 0, func(s meter.Settings) bool { return !s.Tamper }},
			{"clear_credit", 0, func(meter.Settings) bool { return vm.Credit(0) == 0 }},
		}
		for i, st := range steps {
			if i == 2 {
				e.bo.Clock.Advance(time.Minute) // the rest in another minute
			}
			tok := e.issue(t, m.Number, st.kind, st.value)
			if tok.TID <= uint32(lastTID) {
				t.Errorf("%s: TID %d after %d, want it to increase", st.kind, tok.TID, lastTID)
			}
			lastTID = sts.TID(tok.TID)
			r := accept(t, vm, st.kind, tok.Digits)
			if r.Kind.String() != st.kind || !st.check(vm.Settings()) {
				t.Errorf("%s: the meter applied %s, settings %+v, credit %d", st.kind, r.Kind, vm.Settings(), vm.Credit(0))
			}
		}
		if vm.Credit(0) != 0 {
			t.Errorf("credit after clear credit: %d, want 0", vm.Credit(0))
		}
		test := e.issue(t, m.Number, "test_display", 1<<36-1)
		if test.TID != 0 || test.Kind != "test_display" {
			t.Errorf("test token: TID %d kind %s, want no TID, test_display", test.TID, test.Kind)
		}
		accept(t, vm, "the test token", test.Digits)
		if got := counters(t, db, m.ID).LastTID; got != lastTID {
			t.Errorf("meter's counter at %d, want the last engineering token's %d (a test token takes none)", got, lastTID)
		}

		v2, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "eng-2", 100_00))
		must(t, err)
		if v2.Tokens[0].TID <= lastTID {
			t.Errorf("vend after engineering tokens: TID %d, want above %d", v2.Tokens[0].TID, lastTID)
		}
		accept(t, vm, "the second vend's credit token", v2.Tokens[0].Token.Display())

		water := core.Tariff{UtilityID: e.utility.ID, Name: "Water", Kind: core.Water, Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("1800")}}}
		must(t, db.CreateTariff(ctx, &water))
		wm := e.meterOn(t, e.customer.ID, water, 0)
		wvm := virtualMeter(t, wm.Key, vendingKey)
		wf := e.issue(t, wm.Number, "set_water_factor", 1234)
		accept(t, wvm, "the water factor token", wf.Digits)
		if wvm.Settings().WaterFactor != 1234 {
			t.Errorf("water factor %d, want 1234", wvm.Settings().WaterFactor)
		}
	})
}

// TestEngineeringTokenRefusals: a water factor for an electricity meter, a missing reason, a value
// no token carries and a cashier are refused, naming the field (or the permission), writing no
// token; the cashier's refusal is audited once.
func TestEngineeringTokenRefusals(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		for _, tc := range []struct {
			name   string
			req    backoffice.EngineeringRequest
			reason core.Reason
			field  string
		}{
			{"WaterFactorOnElectricity", backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "set_water_factor", Value: 10, Reason: "calibration"}, core.ReasonInvalidMeterKind, "kind"},
			{"NoReason", backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_tamper", Reason: "  "}, backoffice.ReasonInvalidReason, "reason"},
			{"UnknownKind", backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "key_change_1", Reason: "x"}, backoffice.ReasonUnknownTokenKind, "kind"},
			{"InexactPowerLimit", backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "set_power_limit", Value: 16_385, Reason: "x"}, core.ReasonInvalidAmount, "value"},
			{"ForeignRegister", backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_credit", Value: 1, Reason: "x"}, core.ReasonInvalidAmount, "value"},
			{"UnknownMeter", backoffice.EngineeringRequest{MeterNumber: meterNumber(t, 9999), Kind: "clear_tamper", Reason: "x"}, core.ReasonMeterNotFound, "meter_number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.IssueEngineeringToken(ctx, e.sup, tc.req)
				ce := core.AsError(err)
				if err == nil || ce.Reason != tc.reason || ce.Field != tc.field {
					t.Fatalf("got %v (reason %s, field %q), want %s on field %q", err, ce.Reason, ce.Field, tc.reason, tc.field)
				}
			})
		}
		cashier := e.bo.Operator(t, "till", backoffice.RoleCashier)
		_, err := e.svc.IssueEngineeringToken(ctx, cashier, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_credit", Value: 0, Reason: "customer asked"})
		if core.ErrorCode(err) != core.CodeForbidden || !strings.Contains(err.Error(), string(backoffice.PermMetersEngineering)) {
			t.Fatalf("cashier: got %v, want forbidden naming %s", err, backoffice.PermMetersEngineering)
		}
		entries, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{})
		must(t, err)
		denied := 0
		for _, en := range entries {
			if en.Action != backoffice.ActionEngineeringToken && en.Action != backoffice.ActionClearCredit {
				continue
			}
			switch {
			case en.Outcome == backoffice.OutcomeDenied && en.ActorName == "till":
				denied++
			case en.Outcome != backoffice.OutcomeDenied:
				t.Errorf("entry %d: a refused request was audited as %s", en.Seq, en.Outcome)
			}
		}
		if denied != 1 {
			t.Errorf("%d denied entries for the cashier, want 1", denied)
		}
		hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{})
		must(t, err)
		if len(hist) != 0 {
			t.Errorf("refused requests left %d tokens: %+v", len(hist), hist)
		}
	})
}

// TestEngineeringTokenNeedsKnownKey: a meter whose key has expired, or whose key change is still
// pending, gets no encrypted token (its TID untouched); a test token needs no key.
func TestEngineeringTokenNeedsKnownKey(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		pending := meterKey(t, m.Number, 2)
		must(t, db.SetPendingKeyChange(ctx, m.ID, &pending, false))
		_, err := e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_tamper", Reason: "tamper resolved"})
		if core.AsError(err).Reason != core.ReasonInvalidKeyChange {
			t.Errorf("pending key change: got %v, want %s", err, core.ReasonInvalidKeyChange)
		}
		e.issue(t, m.Number, "test_display", 1)

		expired := e.newMeter(t, 0)
		must(t, db.Exec(ctx, "UPDATE meters SET ken = 1 WHERE id = ?", expired.ID))
		_, err = e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: expired.Number, Kind: "clear_tamper", Reason: "tamper resolved"})
		if core.AsError(err).Reason != core.ReasonKeyExpired {
			t.Errorf("expired key: got %v, want %s", err, core.ReasonKeyExpired)
		}
		if got := counters(t, db, expired.ID).LastTID; got != 0 {
			t.Errorf("a refused token moved the counter to %d", got)
		}

		// Base date 1993's TIDs ran out in 2024: the meter needs a key change to a later one.
		old := e.newMeter(t, 0)
		must(t, db.Exec(ctx, "UPDATE meters SET base_date = 1993 WHERE id = ?", old.ID))
		_, err = e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: old.Number, Kind: "set_power_limit", Value: 1000, Reason: "limit"})
		if core.AsError(err).Reason != core.ReasonTIDExhausted {
			t.Errorf("base date 1993: got %v, want %s", err, core.ReasonTIDExhausted)
		}
	})
}

// TestEngineeringTokensConcurrentWithVends: vends and engineering tokens for one meter at once
// each take a TID of their own, the counter ends at the highest, and the meter takes them all.
func TestEngineeringTokensConcurrentWithVends(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		const n = 4
		type issued struct {
			tid    sts.TID
			digits string
			err    error
		}
		out := make(chan issued, 2*n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, fmt.Sprintf("race-%d", i), 10_00))
				if err != nil {
					out <- issued{err: err}
					return
				}
				out <- issued{tid: v.Tokens[0].TID, digits: v.Tokens[0].Token.Display()}
			}()
			go func() {
				defer wg.Done()
				res, err := e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: m.Number,
					Kind: "set_tariff_rate", Value: uint64(i), Reason: "new rate"})
				out <- issued{tid: sts.TID(res.Value.TID), digits: res.Value.Digits, err: err}
			}()
		}
		wg.Wait()
		close(out)
		seen := map[sts.TID]bool{}
		var highest sts.TID
		vm := virtualMeter(t, m.Key, vendingKey)
		for is := range out {
			if is.err != nil {
				t.Fatal(is.err)
			}
			if seen[is.tid] {
				t.Errorf("TID %d issued twice", is.tid)
			}
			seen[is.tid], highest = true, max(highest, is.tid)
			accept(t, vm, fmt.Sprintf("the token with TID %d", is.tid), is.digits)
		}
		if got := counters(t, db, m.ID).LastTID; got != highest {
			t.Errorf("counter at %d, want the highest TID issued, %d", got, highest)
		}
	})
}

// TestEngineeringTokenMeterStatus: a blocked meter (a tamper case) takes a clear tamper token;
// a decommissioned meter takes none.
func TestEngineeringTokenMeterStatus(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		must(t, db.SetMeterStatus(ctx, m.ID, core.MeterBlocked))
		accept(t, virtualMeter(t, m.Key, vendingKey), "clear tamper on a blocked meter", e.issue(t, m.Number, "clear_tamper", 0).Digits)
		must(t, db.SetMeterStatus(ctx, m.ID, core.MeterDecommissioned))
		_, err := e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_tamper", Reason: "x"})
		if core.AsError(err).Reason != core.ReasonMeterDecommissioned {
			t.Errorf("decommissioned meter: got %v, want %s", err, core.ReasonMeterDecommissioned)
		}
	})
}

// TestClearCreditApproval: a clear credit token waits for a second operator (by default), whom
// its maker cannot be; the approved request makes the token once, recorded as the maker's, and
// the meter takes it.
func TestClearCreditApproval(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		vm := virtualMeter(t, m.Key, vendingKey)
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "cc-1", 100_00))
		must(t, err)
		accept(t, vm, "the vend's credit token", v.Tokens[0].Token.Display())

		res, err := e.svc.IssueEngineeringToken(ctx, e.sup, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_credit",
			Value: core.ClearAllRegisters, Reason: "meter removed, credit refunded"})
		must(t, err)
		if res.Done() || res.Pending.Action != backoffice.ActionClearCredit {
			t.Fatalf("clear credit ran at once (%+v), want a request waiting for a second operator", res)
		}
		if hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{}); err != nil || len(hist) != 1 {
			t.Fatalf("before the approval the history holds %d tokens (%v), want the vend's only", len(hist), err)
		}
		_, err = e.svc.Approve(ctx, e.sup, res.Pending.ID)
		if core.AsError(err).Reason != backoffice.ReasonOwnApproval {
			t.Fatalf("the maker approving: got %v, want %s", err, backoffice.ReasonOwnApproval)
		}
		checker := e.bo.Operator(t, "sup2", backoffice.RoleSupervisor)
		_, err = e.svc.Approve(ctx, checker, res.Pending.ID)
		must(t, err)
		if _, err := e.svc.Approve(ctx, e.bo.Admin, res.Pending.ID); err == nil {
			t.Fatal("a second approval ran again")
		}
		hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{})
		must(t, err)
		if len(hist) != 2 || hist[0].Kind != "clear_credit" || !strings.Contains(hist[0].RequestedBy, "sup") || strings.Contains(hist[0].RequestedBy, "sup2") {
			t.Fatalf("after the approval: %+v, want the clear credit token first, requested by the maker", hist)
		}
		shown, err := e.svc.ReprintToken(ctx, e.sup, backoffice.MeterTokenRef{Source: backoffice.SourceEngineering, ID: hist[0].RecordID})
		must(t, err)
		accept(t, vm, "the approved clear credit token", shown.Digits)
		if vm.Credit(0) != 0 {
			t.Errorf("credit after the clear credit token: %d, want 0", vm.Credit(0))
		}
		entries, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{Action: backoffice.ActionClearCredit})
		must(t, err)
		for _, en := range entries {
			if strings.Contains(en.Detail+string(en.After)+string(en.Before), shown.Digits) ||
				strings.Contains(en.Detail+string(en.After)+string(en.Before), strings.ReplaceAll(shown.Digits, "-", "")) {
				t.Errorf("entry %d (%s) shows the token", en.Seq, en.Outcome)
			}
		}
	})
}

// TestEngineeringTokensOutOfScope: an operator of another utility neither issues a token for the
// meter (clear credit included), nor reads its history, nor reprints its tokens; each refusal is
// audited once and nothing is written.
func TestEngineeringTokensOutOfScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		tok := e.issue(t, m.Number, "clear_tamper", 0)
		outsider := e.bo.OperatorOf(t, backoffice.NewOperator{Username: "faraway", FullName: "Far Away",
			Roles: []string{backoffice.RoleSupervisor}, UtilityID: e.utility.ID + 1000})
		before, err := db.AuditHead(ctx)
		must(t, err)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"Issue", func() error {
				_, err := e.svc.IssueEngineeringToken(ctx, outsider, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_tamper", Reason: "x"})
				return err
			}},
			{"ClearCredit", func() error {
				_, err := e.svc.IssueEngineeringToken(ctx, outsider, backoffice.EngineeringRequest{MeterNumber: m.Number, Kind: "clear_credit", Reason: "x"})
				return err
			}},
			{"History", func() error {
				_, err := e.svc.MeterTokenHistory(ctx, outsider, m.Number, backoffice.MeterTokenPage{})
				return err
			}},
			{"Reprint", func() error {
				_, err := e.svc.ReprintToken(ctx, outsider, backoffice.MeterTokenRef{Source: backoffice.SourceEngineering, ID: tok.RecordID})
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, tc.call(), core.CodeForbidden, backoffice.ReasonOutOfScope)
			})
		}
		after, err := db.AuditHead(ctx)
		must(t, err)
		if got := after.Seq - before.Seq; got != 4 {
			t.Errorf("%d audit entries for 4 refusals, want 4", got)
		}
		entries, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{AfterSeq: before.Seq})
		must(t, err)
		for _, en := range entries {
			if en.Outcome != backoffice.OutcomeDenied || en.ActorName != "faraway" {
				t.Errorf("entry %d: %s by %s, want a refusal of faraway", en.Seq, en.Outcome, en.ActorName)
			}
		}
		hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{})
		must(t, err)
		if len(hist) != 1 || hist[0].Reprints != 0 {
			t.Errorf("the refusals changed the meter's tokens: %+v", hist)
		}
	})
}
