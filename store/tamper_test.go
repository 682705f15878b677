package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

// TestTamperCase: a reported case blocks vending with its reason (a vend refused naming it),
// records the status change with its reason and actor, issues a disconnection order and charges
// the penalty from the catalogue of charges (in the ledger); a cashier may not resolve it (one denied entry); the supervisor's resolution gives
// a clear tamper token the meter accepts, a reconnection order, and vending works again.
func TestTamperCase(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		m := e.newMeter(t, 0)
		state := virtualMeter(t, m.Key, vendingKey).State()
		state.Tamper = true
		vm, err := meter.Restore(state)
		must(t, err)

		penalty, err := e.svc.CreateChargeType(ctx, e.bo.Admin, backoffice.ChargeType{UtilityID: e.utility.ID, Code: "TAMPER",
			Name: "Tamper penalty", Kind: "tamper_penalty", Amount: 500_00})
		must(t, err)
		rep, err := e.svc.ReportTamper(ctx, e.sup, backoffice.NewTamperCase{MeterNumber: m.Number, Source: backoffice.TamperByStaff,
			Reason: "seal broken, bypass cable", Penalty: &backoffice.TamperPenalty{ChargeTypeID: penalty.ID, Method: backoffice.ChargeAtCounter}})
		must(t, err)
		charges, err := e.svc.ContractCharges(ctx, e.sup, m.ContractID)
		must(t, err)
		if len(charges) != 1 || charges[0].ID != rep.Case.PenaltyChargeID || charges[0].Amount != 500_00 || charges[0].Code != "TAMPER" ||
			charges[0].Status != backoffice.ChargeOutstanding {
			t.Errorf("the contract's charges %+v, want the case's 500.00 tamper penalty, outstanding", charges)
		}
		checkLedger(t, db)
		if rep.Case.Status != backoffice.TamperOpen || rep.Case.Penalty != 500_00 || rep.Disconnection.Kind != backoffice.OrderDisconnect ||
			rep.Disconnection.Status != backoffice.OrderOpen || rep.StatusChange.To != core.MeterBlocked {
			t.Fatalf("report %+v, want an open case with its penalty, an open disconnection, the meter blocked", rep)
		}
		_, err = e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "t-1", 100_00))
		wantCode(t, err, core.CodeInvalid, core.ReasonMeterBlocked)
		if !strings.Contains(err.Error(), "seal broken") {
			t.Errorf("refusal %q does not give the case's reason", err)
		}
		_, err = e.svc.ReportTamper(ctx, e.sup, backoffice.NewTamperCase{MeterNumber: m.Number, Source: backoffice.TamperByStaff, Reason: "again"})
		wantCode(t, err, core.CodeConflict, backoffice.ReasonMeterNotActive)

		cashier := e.bo.Operator(t, "till", backoffice.RoleCashier)
		seq := auditSeq(t, db)
		_, err = e.svc.ResolveTamper(ctx, cashier, rep.Case.ID, "seal replaced")
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantDenied(t, db, seq, "till", backoffice.ActionTamperResolve)

		res, err := e.svc.ResolveTamper(ctx, e.sup, rep.Case.ID, "seal replaced, cable removed")
		must(t, err)
		r := accept(t, vm, "the clear tamper token", res.Token.Digits)
		if r.Kind.String() != "clear_tamper" || vm.Settings().Tamper {
			t.Errorf("the meter applied %s, tamper %v; want clear_tamper, cleared", r.Kind, vm.Settings().Tamper)
		}
		if res.Case.Status != backoffice.TamperResolved || res.Case.ClearTokenID != res.Token.RecordID || res.Reconnection.Kind != backoffice.OrderReconnect {
			t.Errorf("resolution %+v, want resolved with its token and a reconnection order", res)
		}
		if strings.Contains(lastAudit(t, db).Detail+string(lastAudit(t, db).After), strings.ReplaceAll(res.Token.Digits, "-", "")[:16]) {
			t.Error("the audit entry shows the token's digits")
		}
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "t-2", 100_00))
		must(t, err)
		accept(t, vm, "the vend after the resolution", v.Tokens[0].Token.Display())

		changes, err := e.svc.MeterStatusHistory(ctx, cashier, m.Number)
		must(t, err)
		if len(changes) != 2 || changes[0].To != core.MeterBlocked || changes[0].Actor != "sup" || !strings.Contains(changes[0].Reason, "seal broken") ||
			changes[1].To != core.MeterActive || !strings.Contains(changes[1].Reason, "resolved") {
			t.Errorf("status changes %+v, want blocked then active, each with its reason and actor", changes)
		}
		orders, err := e.svc.MeterOrders(ctx, cashier, backoffice.OrderQuery{MeterID: m.ID})
		must(t, err)
		if len(orders) != 2 || orders[0].Kind != backoffice.OrderDisconnect || orders[1].Kind != backoffice.OrderReconnect {
			t.Fatalf("orders %+v, want a disconnection and a reconnection", orders)
		}
		done, err := e.svc.CompleteOrder(ctx, e.sup, orders[0].ID, "disconnected at the pole")
		must(t, err)
		if done.Status != backoffice.OrderDone || done.DoneAt == nil {
			t.Errorf("order %+v, want done", done)
		}
		_, err = e.svc.CompleteOrder(ctx, e.sup, orders[0].ID, "again")
		wantCode(t, err, core.CodeConflict, backoffice.ReasonOrderDone)
		_, err = e.svc.ResolveTamper(ctx, e.sup, rep.Case.ID, "again")
		wantCode(t, err, core.CodeConflict, backoffice.ReasonTamperCaseResolved)

		seq = auditSeq(t, db)
		_, err = e.svc.ReportTamper(ctx, cashier, backoffice.NewTamperCase{MeterNumber: m.Number, Source: backoffice.TamperByStaff, Reason: "x"})
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantDenied(t, db, seq, "till", backoffice.ActionTamperReport)
		// A penalty the catalogue does not hold is refused, and nothing of the case is left.
		_, err = e.svc.ReportTamper(ctx, e.sup, backoffice.NewTamperCase{MeterNumber: m.Number, Source: backoffice.TamperByStaff,
			Reason: "again", Penalty: &backoffice.TamperPenalty{ChargeTypeID: 9999, Method: backoffice.ChargeAtCounter}})
		if err == nil {
			t.Fatal("a penalty of no catalogue entry was charged")
		}
		if st, err := e.svc.MeterStockOf(ctx, e.sup, m.Number); err != nil || st.Status != core.MeterActive {
			t.Errorf("after a refused report the meter is %+v (%v), want active", st, err)
		}
		cases, err := e.svc.TamperCases(ctx, cashier, backoffice.TamperQuery{MeterID: m.ID})
		must(t, err)
		if len(cases) != 1 {
			t.Errorf("cases %+v, want the one reported", cases)
		}
	})
}
