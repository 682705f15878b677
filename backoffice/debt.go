package backoffice

import (
	"context"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// Customers' debts in the ledger. A customer's debt is what their contracts hold (an open
// contract's meter arrears, a closed one's carried arrears) and, always equal, minus the sum of
// their debt account (core.CustomerDebtAccount): every change of a contract's debt posts its
// balanced entries in the same transaction, against one of the utility's accounts. Opening a
// contract books its opening arrears, a vend's debt recovery pays them off (core's vendEntries),
// and the operator actions here add, adjust and write them off.

// DebtMove is one change of a contract's debt: Amount more owed (negative: less), booked against
// the utility account Against (core.UtilityAccount's arrears or written_off), Memo on both
// entries.
type DebtMove struct {
	ContractID int64
	Amount     core.Money
	Against    string
	Memo       string
}

// ContractDebt is a contract's debt before and after a change.
type ContractDebt struct {
	ContractID int64      `json:"contract_id"`
	CustomerID int64      `json:"customer_id"`
	Before     core.Money `json:"before"`
	After      core.Money `json:"after"`
}

// DebtStore keeps customers' debts with their ledger entries.
type DebtStore interface {
	// ChangeDebt moves a contract's debt by m.Amount and posts core.DebtEntries for the
	// contract's customer and its meter's utility, in one transaction (the caller's when there is
	// one). An open contract's debt is its meter's arrears, changed under the meter's lock; a
	// contract closed with its arrears carried holds them as its carried arrears; a contract
	// closed with them settled holds none (conflict, ReasonNoDebt). A change that would take the
	// debt below zero changes nothing (conflict, ReasonDebtShort).
	ChangeDebt(ctx context.Context, m DebtMove) (ContractDebt, error)
	// ContractDebt returns what a contract holds of its customer's debt.
	ContractDebt(ctx context.Context, contractID int64) (core.Money, error)
}

// Debt actions.
const (
	ActionDebtAdd      Action = "customer.debt_add"
	ActionDebtAdjust   Action = "customer.debt_adjust"
	ActionDebtWriteOff Action = "customer.debt_write_off"
)

// The reasons of debts.
const (
	ReasonInvalidDebt core.Reason = "invalid_debt_change"
	ReasonDebtShort   core.Reason = "debt_short" // the change would take the debt below zero
	ReasonNoDebt      core.Reason = "no_debt"    // the contract was closed with its arrears settled
)

var debtReasons = map[core.Reason]core.Code{
	ReasonInvalidDebt: core.CodeInvalid,
	ReasonDebtShort:   core.CodeConflict,
	ReasonNoDebt:      core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, debtReasons) }

// maxDebtChange bounds one change of a debt (minor units), as maxAdjustment bounds a float's.
const maxDebtChange = maxAdjustment

// debtWriteOff is a write-off's payload: the contract, the amount written off and why.
type debtWriteOff struct {
	ContractID int64      `json:"contract_id"`
	Amount     core.Money `json:"amount"`
	Reason     string     `json:"reason"`
}

// writeOffGate: by default every write-off waits for a second operator; a utility may let small
// ones through with a threshold.
var writeOffGate = newGate(ActionDebtWriteOff, PermCustomersDebt, ApprovalPolicy{Required: true}, (*Service).writeOffDebt)

// AddDebt adds to a contract's debt (a charge the customer owes that is recovered from purchases
// like arrears), with a reason: the utility books it against its arrears account.
func (s *Service) AddDebt(ctx context.Context, a Actor, contractID int64, amount core.Money, reason string) (ContractDebt, error) {
	return act(ctx, s, a, PermCustomersDebt, ActionDebtAdd, func(ctx context.Context) (ContractDebt, Change, error) {
		if amount <= 0 || amount > maxDebtChange {
			return ContractDebt{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidDebt, "an addition is a positive amount of at most %d minor units", maxDebtChange).OnField("amount")
		}
		return s.moveDebt(ctx, a, contractID, amount, "arrears", "debt added", reason)
	})
}

// AdjustDebt corrects a contract's debt either way (amount positive: more owed), with a reason:
// the utility books it against its arrears account. A correction down to below zero is refused.
func (s *Service) AdjustDebt(ctx context.Context, a Actor, contractID int64, amount core.Money, reason string) (ContractDebt, error) {
	return act(ctx, s, a, PermCustomersDebt, ActionDebtAdjust, func(ctx context.Context) (ContractDebt, Change, error) {
		if amount == 0 || amount > maxDebtChange || -amount > maxDebtChange {
			return ContractDebt{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidDebt, "an adjustment is a non-zero amount of at most %d minor units either way", maxDebtChange).OnField("amount")
		}
		return s.moveDebt(ctx, a, contractID, amount, "arrears", "debt adjusted", reason)
	})
}

// moveDebt checks the reason and the contract's scope and changes its debt.
func (s *Service) moveDebt(ctx context.Context, a Actor, contractID int64, amount core.Money, against, what, reason string) (ContractDebt, Change, error) {
	reason, err := checkDebtReason(reason)
	if err != nil {
		return ContractDebt{}, Change{}, err
	}
	if _, err := s.contract(ctx, a, contractID); err != nil {
		return ContractDebt{}, Change{}, err
	}
	d, err := s.store.ChangeDebt(ctx, DebtMove{ContractID: contractID, Amount: amount, Against: against, Memo: what + ": " + reason})
	if err != nil {
		return ContractDebt{}, Change{}, err
	}
	return d, Change{Target: contractTarget(contractID), Before: d.Before, After: d, Detail: reason}, nil
}

// WriteOffDebt writes off part or all of a contract's debt, with a reason, under the approval
// policy (ActionDebtWriteOff, weighing the amount): the utility books it against its
// written_off account. The amount must not exceed the debt when the request is made, nor when
// it is approved (the debt may have been recovered meanwhile).
func (s *Service) WriteOffDebt(ctx context.Context, a Actor, contractID int64, amount core.Money, reason string) (Result[ContractDebt], error) {
	target := contractTarget(contractID)
	if err := s.allow(ctx, a, PermCustomersDebt, ActionDebtWriteOff, target); err != nil {
		return Result[ContractDebt]{}, err
	}
	if amount <= 0 || amount > maxDebtChange {
		return Result[ContractDebt]{}, core.Errorf(core.CodeInvalid, ReasonInvalidDebt, "a write-off is a positive amount of at most %d minor units", maxDebtChange).OnField("amount")
	}
	reason, err := checkDebtReason(reason)
	if err != nil {
		return Result[ContractDebt]{}, err
	}
	c, m, err := s.contractInScope(ctx, a, PermCustomersDebt, ActionDebtWriteOff, contractID)
	if err != nil {
		return Result[ContractDebt]{}, err
	}
	debt, err := s.store.ContractDebt(ctx, contractID)
	if err != nil {
		return Result[ContractDebt]{}, storeError(err)
	}
	if amount > debt {
		return Result[ContractDebt]{}, core.Errorf(core.CodeConflict, ReasonDebtShort, "contract %d's debt is %d, less than the %d to write off", contractID, debt, amount).OnField("amount")
	}
	return writeOffGate.submit(ctx, s, a, submission{target: target, utilityID: m.UtilityID, amount: amount,
		summary: "write off " + itoa(int64(amount)) + " of the debt of contract " + itoa(contractID) + " (" + c.Customer + "): " + reason},
		debtWriteOff{ContractID: contractID, Amount: amount, Reason: reason})
}

func (s *Service) writeOffDebt(ctx context.Context, p debtWriteOff) (ContractDebt, Change, error) {
	d, err := s.store.ChangeDebt(ctx, DebtMove{ContractID: p.ContractID, Amount: -p.Amount, Against: "written_off", Memo: "debt written off: " + p.Reason})
	if err != nil {
		return ContractDebt{}, Change{}, err
	}
	return d, Change{Target: contractTarget(p.ContractID), Before: d.Before, After: d, Detail: p.Reason}, nil
}

// contractInScope reads a contract and its meter for an action outside act: a contract of
// another utility is refused and the refusal audited.
func (s *Service) contractInScope(ctx context.Context, a Actor, perm Permission, action Action, contractID int64) (Contract, MeterStock, error) {
	if contractID <= 0 {
		return Contract{}, MeterStock{}, core.Errorf(core.CodeInvalid, ReasonInvalidContract, "contract %d is not a contract's id", contractID).OnField("contract_id")
	}
	c, err := s.store.Contract(ctx, contractID)
	if isNotFound(err) {
		return Contract{}, MeterStock{}, core.Errorf(core.CodeNotFound, ReasonContractNotFound, "contract %d does not exist", contractID).OnField("contract_id")
	}
	if err != nil {
		return Contract{}, MeterStock{}, storeError(err)
	}
	m, err := s.store.MeterStock(ctx, c.MeterNumber)
	if err != nil {
		return Contract{}, MeterStock{}, storeError(err)
	}
	return c, m, s.inScope(ctx, a, perm, action, contractTarget(contractID), m.UtilityID)
}

// checkDebtReason trims the reason a change of money gives and refuses an empty or overlong one.
func checkDebtReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	if r == "" || len([]rune(r)) > 200 {
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidDebt, "the change needs a reason of 1 to 200 characters").OnField("reason")
	}
	return r, nil
}
