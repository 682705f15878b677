package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// approved checks that a four-eyes action is pending and has the supervisor approve it.
func (e *fourEyes) approved(t *testing.T, pending *backoffice.ApprovalRequest, err error) {
	t.Helper()
	must(t, err)
	if pending == nil {
		t.Fatal("the action ran at once; want it pending for a second operator")
	}
	_, err = e.bo.Svc.Approve(context.Background(), e.sup, pending.ID)
	must(t, err)
}

// A signed contract sets the agent's terms; once it is cancelled the agent's vends are refused,
// while an agent that never had a contract sells as before.
func TestAgentContractSignedAndCancelled(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		e := newFourEyes(t, db)
		m := e.newMeter(t, 0)
		never := e.newAgent(t, 0, 10_000_00)

		res, err := e.bo.Svc.SignAgentContract(ctx, e.bo.Admin, backoffice.NewAgentContract{AgentID: e.agent.ID, StartDate: "2026-12-01",
			CommissionRate: decimal.RequireFromString("0.03"), CreditLimit: 200_00, Area: "Soweto", DocumentRef: "AC-2026-0042"})
		e.approved(t, res.Pending, err)
		ag, err := db.Agent(ctx, e.agent.ID)
		must(t, err)
		if ag.CreditLimit != 200_00 || !ag.CommissionRate.Equal(decimal.RequireFromString("0.03")) {
			t.Errorf("after signing: credit limit %d, commission rate %s; want 20000 and 0.03", ag.CreditLimit, ag.CommissionRate)
		}
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "contract-1", 100_00))
		must(t, err)
		if v.Breakdown.Commission != 3_00 {
			t.Errorf("commission under the contract %d, want 300", v.Breakdown.Commission)
		}

		var cancelled backoffice.AgentContract
		e.step(t, backoffice.OutcomeDone, func() {
			cancelled, err = e.bo.Svc.CancelAgentContract(ctx, e.bo.Admin, e.agent.ID, "the shop closed")
			must(t, err)
		})
		if cancelled.Status != backoffice.AgentContractCancelled || cancelled.EndReason != "the shop closed" || cancelled.DocumentRef != "AC-2026-0042" {
			t.Errorf("cancelled contract: %+v", cancelled)
		}
		_, err = e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "contract-2", 100_00))
		wantCode(t, err, core.CodeUnauthorized, core.ReasonAgentNoContract)
		if _, err := e.vendor.Vend(ctx, vendReq(never.ID, m, "never-1", 100_00)); err != nil {
			t.Errorf("an agent that never had a contract: %v, want it to sell", err)
		}

		// A new contract lets it sell again; the contracts are the history of its terms.
		res, err = e.bo.Svc.SignAgentContract(ctx, e.bo.Admin, backoffice.NewAgentContract{AgentID: e.agent.ID, StartDate: "2026-12-05",
			CommissionRate: decimal.RequireFromString("0.025"), CreditLimit: 200_00, Area: "Soweto", DocumentRef: "AC-2026-0050"})
		e.approved(t, res.Pending, err)
		if _, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "contract-3", 100_00)); err != nil {
			t.Errorf("after a new contract: %v", err)
		}
		all, err := e.bo.Svc.AgentContracts(ctx, e.bo.Admin, e.agent.ID)
		must(t, err)
		if len(all) != 2 || all[0].Status != backoffice.AgentContractCancelled || all[1].Status != backoffice.AgentContractActive || !all[1].CommissionRate.Equal(decimal.RequireFromString("0.025")) {
			t.Errorf("contract history: %+v", all)
		}

		// Bad input names its field; a cashier may not cancel (one denied entry, nothing changed).
		_, err = e.bo.Svc.SignAgentContract(ctx, e.bo.Admin, backoffice.NewAgentContract{AgentID: e.agent.ID, StartDate: "2026-12-05",
			CommissionRate: decimal.RequireFromString("0.02"), Area: "Soweto"})
		wantField(t, err, "document_ref")
		cashier := e.bo.Operator(t, "cash", backoffice.RoleCashier)
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.CancelAgentContract(ctx, cashier, e.agent.ID, "no reason")
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		})
		if _, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "contract-4", 100_00)); err != nil {
			t.Errorf("after a refused cancellation: %v", err)
		}
		checkLedger(t, db)
	})
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Field != field {
		t.Fatalf("got %v, want an error on the field %s", err, field)
	}
}
