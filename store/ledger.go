package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// ledgerEntryRow is a row of ledger_entries: one side of a balanced movement.
type ledgerEntryRow struct {
	bun.BaseModel `bun:"table:ledger_entries,alias:le"`

	ID        int64     `bun:"id,pk,autoincrement"`
	VendID    *int64    `bun:"vend_id"`
	Account   string    `bun:"account"`
	Amount    int64     `bun:"amount"`
	Memo      string    `bun:"memo"`
	CreatedAt time.Time `bun:"created_at"`
}

func fromCoreLedgerEntry(e core.LedgerEntry, vendID *int64, at time.Time) ledgerEntryRow {
	return ledgerEntryRow{VendID: vendID, Account: e.Account, Amount: int64(e.Amount), Memo: e.Memo, CreatedAt: at.UTC()}
}

func toCoreLedgerEntry(r ledgerEntryRow) core.LedgerEntry {
	return core.LedgerEntry{Account: r.Account, Amount: core.Money(r.Amount), Memo: r.Memo}
}

const entryColumns = "vend_id, account, amount, memo, created_at"

// entrySet is a balanced set of ledger entries: one movement, of a vend (vendID) or not (nil).
type entrySet struct {
	vendID  *int64
	entries []core.LedgerEntry
	at      time.Time
}

// insertEntries appends a balanced set of entries; an unbalanced set is a bug and refused.
func (db *DB) insertEntries(ctx context.Context, tx *sql.Tx, vendID *int64, entries []core.LedgerEntry, at time.Time) error {
	return db.insertEntrySets(ctx, tx, []entrySet{{vendID, entries, at}})
}

// insertEntrySets appends balanced sets of entries with one insert; a set that does not balance
// is a bug and refused.
func (db *DB) insertEntrySets(ctx context.Context, tx *sql.Tx, sets []entrySet) error {
	var args []any
	n := 0
	for _, set := range sets {
		var sum core.Money
		for _, e := range set.entries {
			sum += e.Amount
			r := fromCoreLedgerEntry(e, set.vendID, set.at)
			var vend any // a nil *int64 is NULL
			if r.VendID != nil {
				vend = *r.VendID
			}
			args = append(args, vend, r.Account, r.Amount, r.Memo, r.CreatedAt)
			n++
		}
		if sum != 0 {
			return core.Errorf(core.CodeInternal, core.ReasonInternal, "ledger entries do not balance: they sum to %s", sum)
		}
	}
	if n == 0 {
		return nil
	}
	_, err := db.execN(ctx, tx, len(sets), "INSERT INTO ledger_entries ("+entryColumns+") VALUES "+placeholderRows(n, 5), args...)
	return dbError(err)
}

// TopUp adds amount to an agent's float in one transaction: the entries agent:+amount and
// utility:<id>:cash -amount, and the balance. It returns the new balance; an unknown agent is
// core.ErrNotFound.
func (db *DB) TopUp(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Money, error) {
	if amount <= 0 {
		return 0, core.Errorf(core.CodeInvalid, core.ReasonInvalidAmount, "a top-up must be positive")
	}
	if memo == "" {
		memo = "top-up"
	}
	var balance core.Money
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var a struct {
			Balance   int64 `bun:"balance"`
			UtilityID int64 `bun:"utility_id"`
		}
		if err := tx.NewRaw("UPDATE agents SET balance = balance + ? WHERE id = ? RETURNING balance, utility_id",
			int64(amount), agentID).Scan(ctx, &a); err != nil {
			return err
		}
		balance = core.Money(a.Balance)
		return db.insertEntries(ctx, tx.Tx, nil, []core.LedgerEntry{
			{Account: core.AgentAccount(agentID), Amount: amount, Memo: memo},
			{Account: core.UtilityAccount(a.UtilityID, "cash"), Amount: -amount, Memo: memo},
		}, db.utc())
	})
	if err != nil {
		return 0, dbError(err)
	}
	return balance, nil
}

// Statement returns an agent's ledger entries with IDs below beforeID (0: from the newest),
// newest first, at most limit (default 50, at most 1000). Each line's Balance is the running
// balance after the entry, summed from the entries in the same statement (one snapshot).
func (db *DB) Statement(ctx context.Context, agentID int64, beforeID int64, limit int) ([]core.StatementLine, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	account := core.AgentAccount(agentID)
	page := db.bun.NewSelect().Model((*ledgerEntryRow)(nil)).
		Column("id", "created_at", "amount", "memo", "vend_id").
		Where("account = ?", account).
		Order("id DESC").Limit(int64(limit))
	if beforeID > 0 {
		page = page.Where("id < ?", beforeID)
	}
	var rows []struct {
		ID        int64          `bun:"id"`
		CreatedAt time.Time      `bun:"created_at"`
		Amount    int64          `bun:"amount"`
		Memo      string         `bun:"memo"`
		Reference sql.NullString `bun:"reference"`
		Top       int64          `bun:"top_balance"`
	}
	err := db.bun.NewSelect().With("page", page).
		TableExpr("page AS p").
		ColumnExpr("p.id, p.created_at, p.amount, p.memo, v.reference").
		ColumnExpr("(SELECT COALESCE(SUM(x.amount), 0) FROM ledger_entries AS x WHERE x.account = ? AND x.id <= (SELECT MAX(id) FROM page)) AS top_balance", account).
		Join("LEFT JOIN vends AS v ON v.id = p.vend_id").
		OrderExpr("p.id DESC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]core.StatementLine, len(rows))
	var balance core.Money
	for i, r := range rows {
		if i == 0 {
			balance = core.Money(r.Top)
		}
		out[i] = core.StatementLine{
			ID: r.ID, At: r.CreatedAt.UTC(), Amount: core.Money(r.Amount), Balance: balance, Memo: r.Memo, Reference: r.Reference.String,
		}
		balance -= core.Money(r.Amount)
	}
	return out, nil
}

// AccountBalance returns the sum of an account's ledger entries.
func (db *DB) AccountBalance(ctx context.Context, account string) (core.Money, error) {
	var sum int64
	err := db.idb(ctx).NewSelect().Model((*ledgerEntryRow)(nil)).ColumnExpr("COALESCE(SUM(amount), 0)").
		Where("account = ?", account).Scan(ctx, &sum)
	if err != nil {
		return 0, dbError(err)
	}
	return core.Money(sum), nil
}

// AgentBalances returns every agent's balance as the agents table holds it, to check against
// the ledger (AccountBalance of core.AgentAccount).
func (db *DB) AgentBalances(ctx context.Context) (map[int64]core.Money, error) {
	return db.AgentBalancesIn(ctx, 0)
}

// The ledger check's report is the back office's (backoffice.LedgerReport); these names keep the
// store's tests short.
type (
	LedgerReport       = backoffice.LedgerReport
	AgentDifference    = backoffice.AgentDifference
	CustomerDifference = backoffice.CustomerDifference
	ChargeDifference   = backoffice.ChargeDifference
)

// CheckLedger recomputes every agent's balance, every customer's debt and what remains of every
// customer's charge from the ledger and returns the differences with what the agents, meters,
// contracts and charges hold. utilityID limits the check to one utility's agents, customers and
// charges (0: every utility, and then a ledger account with no record behind it is a difference
// too). A customer whose debt account does not sum to zero but who owes nothing by the records is
// a difference.
func (db *DB) CheckLedger(ctx context.Context, utilityID int64) (LedgerReport, error) {
	r := LedgerReport{Differences: []AgentDifference{}, CustomerDifferences: []CustomerDifference{}, ChargeDifferences: []ChargeDifference{}}
	balances, err := db.AgentBalancesIn(ctx, utilityID)
	if err != nil {
		return r, err
	}
	agentSums, err := db.accountSums(ctx, "agent:%")
	if err != nil {
		return r, err
	}
	r.Agents = len(balances)
	for _, id := range slices.Sorted(maps.Keys(balances)) {
		sum := agentSums[core.AgentAccount(id)]
		if sum != balances[id] {
			r.Differences = append(r.Differences, AgentDifference{AgentID: id, Balance: int64(balances[id]), Ledger: int64(sum)})
		}
	}
	if err := db.checkCustomerDebts(ctx, utilityID, &r); err != nil {
		return r, err
	}
	return r, db.checkCharges(ctx, utilityID, &r)
}

// checkCustomerDebts counts the customers of a utility (0: every customer, and every debt account
// whether or not its customer exists) and adds to r each whose debt is not what their debt
// account says they owe.
func (db *DB) checkCustomerDebts(ctx context.Context, utilityID int64, r *LedgerReport) error {
	var customers []int64
	sel := db.idb(ctx).NewSelect().Model((*customerRow)(nil)).Column("id")
	if utilityID != 0 {
		sel = sel.Where("utility_id = ?", utilityID)
	}
	if err := sel.Scan(ctx, &customers); err != nil {
		return dbError(err)
	}
	checked := make(map[int64]bool, len(customers))
	for _, id := range customers {
		checked[id] = true
	}
	debts, err := db.CustomerDebts(ctx)
	if err != nil {
		return err
	}
	debtSums, err := db.accountSums(ctx, "customer:%:debt")
	if err != nil {
		return err
	}
	ledger := make(map[int64]core.Money, len(debtSums))
	for account, sum := range debtSums {
		var id int64
		if _, err := fmt.Sscanf(account, "customer:%d:debt", &id); err != nil {
			return corrupt("ledger account", 0, fmt.Errorf("%q: %w", account, err))
		}
		ledger[id] = -sum
		if utilityID == 0 {
			checked[id] = true
		}
	}
	r.Customers = len(checked)
	for _, id := range slices.Sorted(maps.Keys(checked)) {
		if debts[id] != ledger[id] {
			r.CustomerDifferences = append(r.CustomerDifferences, CustomerDifference{CustomerID: id, Debt: int64(debts[id]), Ledger: int64(ledger[id])})
		}
	}
	return nil
}

// checkCharges adds to r every charge of a utility (0: of every utility, and every charge account
// with no charge behind it) whose remainder is not minus the sum of its account.
func (db *DB) checkCharges(ctx context.Context, utilityID int64, r *LedgerReport) error {
	var rows []struct {
		ID        int64 `bun:"id"`
		Remaining int64 `bun:"remaining"`
	}
	sel := db.idb(ctx).NewSelect().Model((*customerChargeRow)(nil)).Column("id", "remaining").Order("id")
	if utilityID != 0 {
		sel = sel.Where("utility_id = ?", utilityID)
	}
	if err := sel.Scan(ctx, &rows); err != nil {
		return dbError(err)
	}
	sums, err := db.accountSums(ctx, "charge:%")
	if err != nil {
		return err
	}
	r.Charges = len(rows)
	for _, c := range rows {
		account := core.ChargeAccount(c.ID)
		if got := -sums[account]; int64(got) != c.Remaining {
			r.ChargeDifferences = append(r.ChargeDifferences, ChargeDifference{ChargeID: c.ID, Remaining: c.Remaining, Ledger: int64(got)})
		}
		delete(sums, account)
	}
	if utilityID != 0 {
		return nil
	}
	for _, account := range slices.Sorted(maps.Keys(sums)) { // an account with no charge behind it
		var id int64
		if _, err := fmt.Sscanf(account, "charge:%d", &id); err != nil || sums[account] != 0 {
			r.ChargeDifferences = append(r.ChargeDifferences, ChargeDifference{ChargeID: id, Ledger: int64(-sums[account])})
		}
	}
	return nil
}

// accountSums returns the sum of the entries of every account whose name is LIKE pattern.
func (db *DB) accountSums(ctx context.Context, pattern string) (map[string]core.Money, error) {
	var rows []struct {
		Account string `bun:"account"`
		Sum     int64  `bun:"sum"`
	}
	err := db.idb(ctx).NewSelect().Model((*ledgerEntryRow)(nil)).Column("account").ColumnExpr("SUM(amount) AS sum").
		Where("account LIKE ?", pattern).Group("account").Scan(ctx, &rows)
	if err != nil {
		return nil, dbError(err)
	}
	out := make(map[string]core.Money, len(rows))
	for _, r := range rows {
		out[r.Account] = core.Money(r.Sum)
	}
	return out, nil
}
