package backoffice

import (
	"context"
)

// LedgerStore recomputes balances from the ledger.
type LedgerStore interface {
	// CheckLedger recomputes every agent's balance, every customer's debt and what remains of
	// every charge of a utility (0: of every utility) from the ledger, and returns where the
	// records disagree.
	CheckLedger(ctx context.Context, utilityID int64) (LedgerReport, error)
}

// Ledger actions.
const ActionLedgerCheck Action = "ledger.check"

// LedgerReport is what a ledger check found: how many agents and customers it checked, and each
// whose records disagree with the ledger.
type LedgerReport struct {
	Agents              int                  `json:"agents"`
	Customers           int                  `json:"customers"`
	Differences         []AgentDifference    `json:"differences"`
	CustomerDifferences []CustomerDifference `json:"customer_differences"`
	Charges             int                  `json:"charges"`
	ChargeDifferences   []ChargeDifference   `json:"charge_differences"`
}

// ChargeDifference is a customer's charge whose remainder is not minus the sum of its account.
type ChargeDifference struct {
	ChargeID  int64 `json:"charge_id"`
	Remaining int64 `json:"remaining"`
	Ledger    int64 `json:"ledger"`
}

// AgentDifference is an agent whose balance is not the sum of its ledger entries.
type AgentDifference struct {
	AgentID int64 `json:"agent_id"`
	Balance int64 `json:"balance"`
	Ledger  int64 `json:"ledger"`
}

// CustomerDifference is a customer whose debt (the meter arrears of their open contracts and the
// arrears carried from closed ones) is not what their debt account says they owe (minus its sum).
type CustomerDifference struct {
	CustomerID int64 `json:"customer_id"`
	Debt       int64 `json:"debt"`
	Ledger     int64 `json:"ledger"`
}

// OK reports whether the check found no difference.
func (r LedgerReport) OK() bool {
	return len(r.Differences) == 0 && len(r.CustomerDifferences) == 0 && len(r.ChargeDifferences) == 0
}

// CheckLedger recomputes every agent's balance, every customer's debt and every charge's
// remainder from the ledger; an actor limited to a utility gets its utility's. The check is
// recorded in the audit trail with what it found.
func (s *Service) CheckLedger(ctx context.Context, a Actor) (LedgerReport, error) {
	r, err := read(ctx, s, a, PermLedgerCheck, ActionLedgerCheck, func(ctx context.Context) (LedgerReport, error) {
		return s.store.CheckLedger(ctx, a.UtilityID())
	})
	if err != nil {
		return r, err
	}
	detail := "every balance matches its ledger: " + itoa(int64(r.Agents)) + " agents, " + itoa(int64(r.Customers)) +
		" customers, " + itoa(int64(r.Charges)) + " charges"
	if !r.OK() {
		detail = "differences: " + itoa(int64(len(r.Differences))) + " agents, " + itoa(int64(len(r.CustomerDifferences))) +
			" customers, " + itoa(int64(len(r.ChargeDifferences))) + " charges"
	}
	return r, s.record(ctx, a, PermLedgerCheck, ActionLedgerCheck, Change{Detail: detail})
}
