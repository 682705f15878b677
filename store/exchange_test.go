package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// receiveInto imports n meters into the store through e's back office and returns their numbers.
func (e *engFixture) receiveInto(t *testing.T, ref string, n int) []string {
	t.Helper()
	csv, numbers := e.meterCSV(t, n)
	_, err := e.svc.ImportMeters(context.Background(), e.bo.Admin, backoffice.BatchInfo{UtilityID: e.utility.ID, Reference: ref, Manufacturer: "Hexing"},
		strings.NewReader(csv), false, nil)
	must(t, err)
	return numbers
}

// TestMeterExchange: a cashier exchanges a contract's meter carrying 57.3 units; the cashier
// cannot approve it, a supervisor does; the new meter accepts the credit token with the carried
// credit, the old meter is removed with its reading, the arrears are on the new meter once (and
// the month's counters with them: the month's fixed charge is not charged again), the next vend on
// the contract goes to the new meter and the old meter number is refused.
func TestMeterExchange(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		fixed := e.tariff
		fixed.ID, fixed.Name, fixed.MonthlyFixedCharge = 0, "Homelight fixed", 10_00
		must(t, db.CreateTariff(ctx, &fixed))
		old := e.meterOn(t, e.customer.ID, fixed, 40_00)
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, old, "x-1", 100_00))
		must(t, err)
		if v.Breakdown.Debt != 25_00 || v.Breakdown.FixedCharges != 10_00 {
			t.Fatalf("vend %+v, want 25.00 of the 40.00 debt and the month's 10.00 fixed charge", v.Breakdown)
		}
		before := counters(t, db, old.ID)
		newNumber := e.receiveInto(t, "EX-1", 1)[0]
		cashier := e.bo.Operator(t, "till", backoffice.RoleCashier)

		res, err := e.svc.ExchangeMeter(ctx, cashier, backoffice.Exchange{ContractID: old.ContractID, OldMeterNumber: old.Number,
			NewMeterNumber: newNumber, OldReading: 1234_5, RemainingCredit: 57_3, Reason: "display dead"})
		must(t, err)
		if res.Done() {
			t.Fatal("an exchange carrying credit ran at once, want it to wait for a second operator")
		}
		if res.Pending.Amount <= 0 {
			t.Errorf("the request weighs %d, want the credit's worth", res.Pending.Amount)
		}
		_, err = e.svc.Approve(ctx, cashier, res.Pending.ID)
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonOwnApproval)
		if _, err := e.svc.ContractOf(ctx, cashier, old.ContractID); err != nil {
			t.Fatal(err)
		}
		if got := counters(t, db, old.ID).Arrears; got != 15_00 {
			t.Fatalf("before the approval the old meter has %d arrears, want 15.00 (nothing done)", got)
		}
		_, err = e.svc.Approve(ctx, e.sup, res.Pending.ID)
		must(t, err)
		_, err = e.svc.Approve(ctx, e.bo.Admin, res.Pending.ID)
		wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)

		// The credit token, from the new meter's history, is accepted with the carried credit.
		hist, err := e.svc.MeterTokenHistory(ctx, cashier, newNumber, backoffice.MeterTokenPage{})
		must(t, err)
		if len(hist) != 1 || hist[0].Purpose != string(backoffice.PurposeCreditTransfer) || hist[0].Energy != 57_3 ||
			!strings.Contains(hist[0].Reason, old.Number) || hist[0].RequestedBy == "" || !strings.Contains(hist[0].RequestedBy, "till") {
			t.Fatalf("the new meter's history %+v, want one credit transfer of 57.3 naming the old meter, asked by till", hist)
		}
		shown, err := e.svc.ReprintToken(ctx, cashier, backoffice.MeterTokenRef{Source: hist[0].Source, ID: hist[0].RecordID, Seq: hist[0].Seq})
		must(t, err)
		vm := virtualMeter(t, meterKey(t, newNumber, 1), vendingKey)
		accept(t, vm, "the carried credit token", shown.Digits)
		if got := vm.Credit(0); got != 57_3 {
			t.Errorf("the new meter holds %d tenths, want 573", got)
		}

		// The old meter: removed, with its reading; no arrears, no contract.
		stock, err := e.svc.MeterStockOf(ctx, cashier, old.Number)
		must(t, err)
		if stock.State != backoffice.StockRemoved || stock.ContractID != 0 {
			t.Errorf("old meter %+v, want removed, on no contract", stock)
		}
		readings, err := e.svc.MeterReadingsOf(ctx, cashier, old.Number, e.bo.Clock.Now().AddDate(0, -1, 0), e.bo.Clock.Now().AddDate(0, 1, 0))
		must(t, err)
		if len(readings) != 1 || readings[0].Reading != 1234_5 || readings[0].Source != backoffice.ReadingExchange {
			t.Errorf("old meter's readings %+v, want 1234.5 at the exchange", readings)
		}
		// Arrears once: off the old meter, on the new; the month's counters moved with them.
		oldAfter := counters(t, db, old.ID)
		stockNew, err := e.svc.MeterStockOf(ctx, cashier, newNumber)
		must(t, err)
		newAfter := counters(t, db, stockNew.MeterID)
		if oldAfter.Arrears != 0 || newAfter.Arrears != 15_00 {
			t.Errorf("arrears old %d new %d, want 0 and 15.00", oldAfter.Arrears, newAfter.Arrears)
		}
		if newAfter.Month != before.Month || newAfter.MonthEnergy != before.MonthEnergy || newAfter.MonthFixedPaid != before.MonthFixedPaid ||
			oldAfter.MonthEnergy != 0 {
			t.Errorf("month counters old %+v new %+v, want the old meter's %+v on the new one", oldAfter, newAfter, before)
		}
		if stockNew.State != backoffice.StockInstalled || stockNew.ContractID != old.ContractID || stockNew.CustomerID != e.customer.ID {
			t.Errorf("new meter %+v, want installed on contract %d", stockNew, old.ContractID)
		}

		c, err := e.svc.ContractOf(ctx, cashier, old.ContractID)
		must(t, err)
		if c.MeterNumber != newNumber || c.Status != backoffice.ContractOpen {
			t.Errorf("contract %+v, want open on meter %s", c, newNumber)
		}
		periods, err := e.svc.ContractMeterHistory(ctx, cashier, c.ID)
		must(t, err)
		if len(periods) != 2 || periods[0].MeterNumber != old.Number || periods[0].To == nil || periods[1].MeterNumber != newNumber || periods[1].To != nil {
			t.Errorf("contract periods %+v, want the old meter (ended) then the new (on it)", periods)
		}
		xs, err := e.svc.MeterExchanges(ctx, cashier, c.ID)
		must(t, err)
		if len(xs) != 1 || xs[0].CarriedCredit != 57_3 || xs[0].Arrears != 15_00 || xs[0].TokenID != hist[0].RecordID || xs[0].OldReading != 1234_5 {
			t.Errorf("exchanges %+v, want one carrying 57.3 and 15.00 arrears", xs)
		}

		// The next vend goes to the new meter and recovers the arrears; the old number is refused.
		v2, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, core.Meter{Number: newNumber}, "x-2", 100_00))
		must(t, err)
		if v2.Breakdown.Debt != 15_00 || v2.Breakdown.FixedCharges != 0 || v2.MeterID != stockNew.MeterID {
			t.Errorf("vend after the exchange: %+v on meter %d, want 15.00 recovered and no second fixed charge, on meter %d", v2.Breakdown, v2.MeterID, stockNew.MeterID)
		}
		accept(t, vm, "the next vend's token", v2.Tokens[0].Token.Display())
		_, err = e.vendor.Vend(ctx, vendReq(e.agent.ID, old, "x-3", 100_00))
		wantCode(t, err, core.CodeInvalid, core.ReasonMeterNotInstalled)
		checkLedger(t, db)
	})
}

// TestMeterExchangeRefused: an operator without meters.exchange, and one of another utility, are
// refused with one denied entry each and nothing changed; an exchange onto a meter on another contract, of another kind, or
// naming the wrong old meter is refused naming the field; an exchange carrying no credit needs no
// approval, nor one whose credit is worth less than the policy's threshold.
func TestMeterExchangeRefused(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		old := e.newMeter(t, 0)
		other := e.newMeter(t, 0)
		fresh := e.receiveInto(t, "EX-2", 2)
		x := backoffice.Exchange{ContractID: old.ContractID, NewMeterNumber: fresh[0], OldReading: 10, Reason: "faulty relay"}

		reader := e.bo.Operator(t, "reader", backoffice.RoleReadOnly)
		seq := auditSeq(t, db)
		_, err := e.svc.ExchangeMeter(ctx, reader, x)
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantDenied(t, db, seq, "reader", backoffice.ActionMeterExchange)

		otherUtility := e.utility
		otherUtility.ID, otherUtility.Name = 0, "Elsewhere Power"
		must(t, db.CreateUtility(ctx, &otherUtility))
		outsider := e.bo.OperatorIn(t, "outsider", otherUtility.ID, backoffice.RoleSupervisor)
		seq = auditSeq(t, db)
		_, err = e.svc.ExchangeMeter(ctx, outsider, x)
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		wantDenied(t, db, seq, "outsider", backoffice.ActionMeterExchange)

		for _, tc := range []struct {
			name   string
			x      backoffice.Exchange
			reason core.Reason
			field  string
		}{
			{"ErrOnContract", backoffice.Exchange{ContractID: old.ContractID, NewMeterNumber: other.Number, Reason: "x"}, backoffice.ReasonMeterOnContract, "new_meter_number"},
			{"ErrWrongOld", backoffice.Exchange{ContractID: old.ContractID, OldMeterNumber: other.Number, NewMeterNumber: fresh[0], Reason: "x"}, backoffice.ReasonInvalidExchange, "old_meter_number"},
			{"ErrNegativeCredit", backoffice.Exchange{ContractID: old.ContractID, NewMeterNumber: fresh[0], RemainingCredit: -1, Reason: "x"}, backoffice.ReasonInvalidExchange, "remaining_credit"},
			{"ErrNoReason", backoffice.Exchange{ContractID: old.ContractID, NewMeterNumber: fresh[0]}, backoffice.ReasonInvalidReason, "reason"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.ExchangeMeter(ctx, e.sup, tc.x)
				ce := core.AsError(err)
				if err == nil || ce.Reason != tc.reason || ce.Field != tc.field {
					t.Fatalf("got %v (reason %s, field %q), want %s on %q", err, ce.Reason, ce.Field, tc.reason, tc.field)
				}
			})
		}
		res, err := e.svc.ExchangeMeter(ctx, e.sup, x)
		must(t, err)
		if !res.Done() || res.Value.Token != nil || res.Value.Exchange.NewMeterNumber != fresh[0] {
			t.Fatalf("an exchange carrying nothing: %+v, want done at once with no token", res)
		}
		if en := lastAudit(t, db); en.Action != backoffice.ActionMeterExchange || en.Outcome != backoffice.OutcomeDone || en.ActorName != "sup" {
			t.Errorf("audit entry %+v, want sup's meter.exchange done", en)
		}

		// Under a threshold, a small credit runs at once too, with its token.
		_, err = e.svc.SetApprovalPolicy(ctx, e.bo.Admin, backoffice.ApprovalPolicy{Action: backoffice.ActionMeterExchange, Required: true, Threshold: 100_00})
		must(t, err)
		res, err = e.svc.ExchangeMeter(ctx, e.sup, backoffice.Exchange{ContractID: old.ContractID, NewMeterNumber: fresh[1], OldReading: 20, RemainingCredit: 10, Reason: "lightning"})
		must(t, err)
		if !res.Done() || res.Value.Token == nil || res.Value.Token.Digits == "" || res.Value.Exchange.CarriedCredit != 10 {
			t.Fatalf("an exchange carrying 1.0 unit under a 100.00 threshold: %+v, want done at once with its token", res)
		}
	})
}
