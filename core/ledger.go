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

// UtilityAccount names one of a utility's accounts: energy, tax, debt, fixed, commission, cash, or
// adjustment (the other side of an operator's float adjustment).
func UtilityAccount(id int64, name string) string { return fmt.Sprintf("utility:%d:%s", id, name) }

// vendEntries are a vend's balanced entries: the agent pays the whole amount, which the utility
// books as energy, tax, debt recovered and fixed charges; the utility pays the agent's commission.
func vendEntries(v *Vend) []LedgerEntry {
	b := v.Breakdown
	u := v.UtilityID
	out := []LedgerEntry{{Account: AgentAccount(v.AgentID), Amount: -b.Paid, Memo: "vend " + v.Reference}}
	for _, e := range []LedgerEntry{
		{UtilityAccount(u, "energy"), b.EnergyCharge, "energy"},
		{UtilityAccount(u, "tax"), b.Tax, "VAT"},
		{UtilityAccount(u, "debt"), b.Debt, "debt recovered"},
		{UtilityAccount(u, "fixed"), b.FixedCharges, "fixed charges"},
	} {
		if e.Amount != 0 {
			out = append(out, e)
		}
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
