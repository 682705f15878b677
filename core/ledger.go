package core

import "fmt"

// LedgerEntry is one side of a balanced movement of money. Every movement (a float top-up, a
// vend, its commission, a reversal) is a set of entries that sums to zero, so every balance can be
// recomputed from the entries.
type LedgerEntry struct {
	Account string
	Amount  Money // positive: credited to the account; negative: debited
	Memo    string
}

// Ledger accounts.
func AgentAccount(id int64) string { return fmt.Sprintf("agent:%d", id) }

// CustomerDebtAccount is a customer's debt: the sum of its entries is minus what the customer
// owes (the ledger credits what is owed to an account's holder, so a debt is a debit). Opening
// debt, additions and adjustments up debit it, a vend's debt recovery, adjustments down,
// write-offs and settlements credit it; the meter arrears of the customer's open contracts and
// the arrears carried from closed ones always sum to minus its balance.
func CustomerDebtAccount(id int64) string { return fmt.Sprintf("customer:%d:debt", id) }

// CustomerWalletAccount is what a customer holds with the utility (a refund paid to their
// wallet): credited when money is owed to them.
func CustomerWalletAccount(id int64) string { return fmt.Sprintf("customer:%d:wallet", id) }

// ChargeAccount is one of a customer's charges (store's customer_charges): debited by the amount
// charged, credited by what is collected or deducted from purchases, so minus its sum is what
// remains to pay.
func ChargeAccount(id int64) string { return fmt.Sprintf("charge:%d", id) }

// UtilityAccount names one of a utility's accounts: energy, tax, debt (debt recovered by vends
// before customers' debts were kept in the ledger), fixed, commission, cash, adjustment (the other
// side of an operator's float adjustment), arrears (the other side of customers' debts as they
// are booked and adjusted), written_off and settled (debts written off, and settled at a
// contract's closing), refunds (money paid back to customers for credit not used), and charges
// (the customers' charges, booked when charged).
func UtilityAccount(id int64, name string) string { return fmt.Sprintf("utility:%d:%s", id, name) }

// vendEntries are a vend's balanced entries: the agent pays the whole amount, which the utility
// books as energy, tax and fixed charges, and whose debt recovery pays off the customer's debt
// account (the utility booked the debt when it arose, against utility:<u>:arrears, so recovering
// it is no new income) and whose fees pay off the customer's charges (ChargeAccount, booked as
// the utility's when charged); the utility pays the agent's commission. customerID is the
// customer the meter is installed at, takes what the vend took of each charge.
func vendEntries(v *Vend, customerID int64, takes []ChargeTake) []LedgerEntry {
	b := v.Breakdown
	u := v.UtilityID
	out := []LedgerEntry{{Account: AgentAccount(v.AgentID), Amount: -b.Paid, Memo: "vend " + v.Reference}}
	for _, e := range []LedgerEntry{
		{UtilityAccount(u, "energy"), b.EnergyCharge, "energy"},
		{UtilityAccount(u, "tax"), b.Tax, "VAT"},
		{CustomerDebtAccount(customerID), b.Debt, "debt recovered " + v.Reference},
		{UtilityAccount(u, "fixed"), b.FixedCharges, "fixed charges"},
	} {
		if e.Amount != 0 {
			out = append(out, e)
		}
	}
	for _, t := range takes {
		out = append(out, LedgerEntry{ChargeAccount(t.ChargeID), t.Amount, "charge paid " + v.Reference})
	}
	if b.Commission != 0 {
		out = append(out,
			LedgerEntry{AgentAccount(v.AgentID), b.Commission, "commission " + v.Reference},
			LedgerEntry{UtilityAccount(u, "commission"), -b.Commission, "commission " + v.Reference},
		)
	}
	return out
}

// Reversed returns the entries that undo a set of entries.
func Reversed(entries []LedgerEntry, memo string) []LedgerEntry {
	out := make([]LedgerEntry, len(entries))
	for i, e := range entries {
		out[i] = LedgerEntry{Account: e.Account, Amount: -e.Amount, Memo: memo}
	}
	return out
}

// DebtEntries are the balanced entries that move a customer's debt by amount (positive: more is
// owed; negative: less) against one of the utility's accounts (UtilityAccount's arrears,
// written_off, settled), memo on both.
func DebtEntries(utilityID, customerID int64, amount Money, against, memo string) []LedgerEntry {
	return []LedgerEntry{
		{Account: CustomerDebtAccount(customerID), Amount: -amount, Memo: memo},
		{Account: UtilityAccount(utilityID, against), Amount: amount, Memo: memo},
	}
}
