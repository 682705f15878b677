package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// owedOn returns what the ledger says remains of a charge: minus the sum of its account.
func owedOn(t *testing.T, db *store.DB, chargeID int64) core.Money {
	t.Helper()
	sum, err := db.AccountBalance(context.Background(), core.ChargeAccount(chargeID))
	must(t, err)
	return -sum
}

// TestCharges: a supervisor keeps the catalogue; a cashier charges a customer's contract, collects
// one charge at the counter (a receipt, the cash booked) and has another deducted at 50 % from the
// next two purchases (the vend receipt's line, the charge paid off, a reversal giving it back);
// the ledger check passes throughout and what remains of each charge is its account's.
func TestCharges(t *testing.T) {
	ctx := context.Background()
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		m := core.Meter{Number: number}
		cashier := iv.bo.Operator(t, "cashier", backoffice.RoleCashier)
		sup := iv.bo.Operator(t, "sup", backoffice.RoleSupervisor)
		c, err := iv.bo.Svc.OpenContract(ctx, cashier, backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: iv.tariff.ID})
		must(t, err)

		recon, err := iv.bo.Svc.CreateChargeType(ctx, sup, backoffice.ChargeType{UtilityID: iv.utility.ID, Code: "recon", Name: "Reconnection fee", Kind: "reconnection_fee", Amount: 45_00})
		must(t, err)
		if recon.Code != "RECON" || !recon.Active || recon.Version != 1 {
			t.Errorf("charge type %+v, want RECON, active, version 1", recon)
		}
		tamper, err := iv.bo.Svc.CreateChargeType(ctx, sup, backoffice.ChargeType{UtilityID: iv.utility.ID, Code: "TAMPER", Name: "Tamper penalty", Kind: "tamper_penalty", Amount: 60_00})
		must(t, err)
		_, err = iv.bo.Svc.CreateChargeType(ctx, sup, backoffice.ChargeType{UtilityID: iv.utility.ID, Code: "RECON", Name: "Again", Kind: "reconnection_fee", Amount: 1_00})
		wantCode(t, err, core.CodeConflict, backoffice.ReasonChargeTypeTaken)
		recon.Amount = 50_00
		recon, err = iv.bo.Svc.UpdateChargeType(ctx, sup, recon)
		must(t, err)
		stale := recon
		stale.Version = 1
		_, err = iv.bo.Svc.UpdateChargeType(ctx, sup, stale)
		wantCode(t, err, core.CodeConflict, backoffice.ReasonStaleVersion)
		freeze, err := iv.bo.Svc.CreateChargeType(ctx, sup, backoffice.ChargeType{UtilityID: iv.utility.ID, Code: "FREEZE", Name: "Meter freezing", Kind: "meter_freezing", Amount: 10_00})
		must(t, err)
		_, err = iv.bo.Svc.DeactivateChargeType(ctx, sup, freeze.ID, freeze.Version)
		must(t, err)
		list, err := iv.bo.Svc.ChargeTypes(ctx, cashier, iv.utility.ID, false)
		must(t, err)
		if len(list) != 2 || list[0].Code != "RECON" || list[0].Amount != 50_00 || list[1].Code != "TAMPER" {
			t.Errorf("the active catalogue: %+v, want RECON at 50.00 and TAMPER", list)
		}
		_, err = iv.bo.Svc.ChargeCustomer(ctx, cashier, backoffice.NewCharge{ContractID: c.ID, ChargeTypeID: freeze.ID, Method: backoffice.ChargeAtCounter, Reason: "x"})
		wantCode(t, err, core.CodeConflict, backoffice.ReasonChargeTypeInactive)

		t.Run("CollectedAtCounter", func(t *testing.T) {
			ch, err := iv.bo.Svc.ChargeCustomer(ctx, cashier, backoffice.NewCharge{ContractID: c.ID, ChargeTypeID: recon.ID, Method: backoffice.ChargeAtCounter, Reason: "reconnected after non-payment"})
			must(t, err)
			if ch.Remaining != 50_00 || ch.Status != backoffice.ChargeOutstanding || owedOn(t, db, ch.ID) != 50_00 {
				t.Errorf("charge %+v (ledger %d), want 50.00 outstanding", ch, owedOn(t, db, ch.ID))
			}
			checkLedger(t, db)
			cashBefore, err := db.AccountBalance(ctx, core.UtilityAccount(iv.utility.ID, "cash"))
			must(t, err)
			rc, err := iv.bo.Svc.CollectCharge(ctx, cashier, ch.ID)
			must(t, err)
			if rc.Charge.Status != backoffice.ChargePaid || rc.Charge.Remaining != 0 || rc.Charge.Collected != 50_00 || rc.Charge.ReceiptNumber == "" ||
				rc.Charge.CollectedBy != "cashier" || !slices.Contains(rc.Lines, "Receipt:    "+rc.Charge.ReceiptNumber) || !slices.Contains(rc.Lines, "Paid:       "+zar.Format(50_00)) {
				t.Errorf("collected %+v, receipt %q: want paid, 50.00 collected, with its receipt number", rc.Charge, rc.Lines)
			}
			if got := owedOn(t, db, ch.ID); got != 0 {
				t.Errorf("the ledger says %d remains of the collected charge, want 0", got)
			}
			if cash, err := db.AccountBalance(ctx, core.UtilityAccount(iv.utility.ID, "cash")); err != nil || cash != cashBefore-50_00 {
				t.Errorf("cash account %d (%v), want 50.00 more received than %d", cash, err, cashBefore)
			}
			_, err = iv.bo.Svc.CollectCharge(ctx, cashier, ch.ID)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonChargePaid)
			checkLedger(t, db)
		})

		t.Run("DeductedAtHalf", func(t *testing.T) {
			ch, err := iv.bo.Svc.ChargeCustomer(ctx, cashier, backoffice.NewCharge{ContractID: c.ID, ChargeTypeID: tamper.ID, Method: backoffice.ChargeDeducted,
				Share: decimal.RequireFromString("0.5"), Reason: "seal broken"})
			must(t, err)
			v1, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "fee-1", 100_00))
			must(t, err)
			b := v1.Breakdown
			if b.Fees != 50_00 || b.Debt+b.Fees+b.FixedCharges+b.Tax+b.EnergyCharge != b.Paid {
				t.Errorf("first purchase %+v, want 50.00 of it to the charge and parts that sum to the payment", b)
			}
			if !slices.Contains(v1.Receipt(), "Fees paid:  "+zar.Format(50_00)) {
				t.Errorf("receipt %q has no line for the fees", v1.Receipt())
			}
			if got := owedOn(t, db, ch.ID); got != 10_00 {
				t.Errorf("after the first purchase the ledger says %d remains, want 10.00", got)
			}
			checkLedger(t, db)
			v2, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "fee-2", 100_00))
			must(t, err)
			if v2.Breakdown.Fees != 10_00 {
				t.Errorf("second purchase %+v, want the last 10.00 of the charge", v2.Breakdown)
			}
			got, err := db.CustomerCharge(ctx, ch.ID)
			must(t, err)
			if got.Remaining != 0 || got.Status != backoffice.ChargePaid || owedOn(t, db, ch.ID) != 0 {
				t.Errorf("charge after two purchases %+v (ledger %d), want paid", got, owedOn(t, db, ch.ID))
			}
			v3, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "fee-3", 100_00))
			must(t, err)
			if v3.Breakdown.Fees != 0 {
				t.Errorf("third purchase took %d of a paid charge", v3.Breakdown.Fees)
			}
			if replay, err := db.Vend(ctx, v2.ID); err != nil || replay.Breakdown.Fees != 10_00 {
				t.Errorf("stored vend %+v (%v), want its fees kept", replay, err)
			}
			_, err = iv.vendor.Reverse(ctx, reversal(v2.ID, iv.agent.ID))
			must(t, err)
			got, err = db.CustomerCharge(ctx, ch.ID)
			must(t, err)
			if got.Remaining != 10_00 || got.Status != backoffice.ChargeOutstanding || owedOn(t, db, ch.ID) != 10_00 {
				t.Errorf("charge after reversing the second purchase %+v (ledger %d), want 10.00 outstanding again", got, owedOn(t, db, ch.ID))
			}
			checkLedger(t, db)

			// The check bites: a remainder changed behind the ledger's back is a difference.
			must(t, db.Exec(ctx, "UPDATE customer_charges SET remaining = remaining - 1 WHERE id = ?", ch.ID))
			r, err := db.CheckLedger(ctx, 0)
			must(t, err)
			if r.OK() || len(r.ChargeDifferences) != 1 || r.ChargeDifferences[0] != (store.ChargeDifference{ChargeID: ch.ID, Remaining: 10_00 - 1, Ledger: 10_00}) {
				t.Errorf("after changing a charge behind the ledger's back: %+v, want charge %d's difference", r, ch.ID)
			}
			must(t, db.Exec(ctx, "UPDATE customer_charges SET remaining = remaining + 1 WHERE id = ?", ch.ID))
		})

		t.Run("Refusals", func(t *testing.T) {
			reader := iv.bo.Operator(t, "reader", backoffice.RoleReadOnly)
			for _, try := range []struct {
				who  backoffice.Actor
				perm backoffice.Permission
				run  func(a backoffice.Actor) error
			}{
				{reader, backoffice.PermChargesCollect, func(a backoffice.Actor) error {
					_, err := iv.bo.Svc.ChargeCustomer(ctx, a, backoffice.NewCharge{ContractID: c.ID, ChargeTypeID: recon.ID, Method: backoffice.ChargeAtCounter, Reason: "x"})
					return err
				}},
				{cashier, backoffice.PermChargesManage, func(a backoffice.Actor) error {
					_, err := iv.bo.Svc.CreateChargeType(ctx, a, backoffice.ChargeType{UtilityID: iv.utility.ID, Code: "X", Name: "X", Kind: "handling_charge", Amount: 1})
					return err
				}},
			} {
				seq := auditSeq(t, db)
				wantCode(t, try.run(try.who), core.CodeForbidden, backoffice.ReasonPermissionDenied)
				if got := auditSeq(t, db); got != seq+1 {
					t.Errorf("%s: %d audit entries for the refusal, want 1", try.perm, got-seq)
				}
				if e := lastAudit(t, db); e.Outcome != backoffice.OutcomeDenied || e.Permission != try.perm {
					t.Errorf("audit entry %+v, want the refusal for lack of %s", e, try.perm)
				}
			}
			_, err := iv.bo.Svc.ChargeCustomer(ctx, cashier, backoffice.NewCharge{ContractID: c.ID, ChargeTypeID: recon.ID, Method: backoffice.ChargeDeducted, Reason: "x"})
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidCharge)
			if !strings.Contains(err.Error(), "share") {
				t.Errorf("error %v does not name the share", err)
			}
		})
	})
}
