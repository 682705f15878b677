package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var (
	_ core.VendStore    = (*DB)(nil)
	_ core.VendReader   = (*DB)(nil)
	_ core.VendReverser = (*DB)(nil)
	_ core.VendTx       = (*vendTx)(nil)
)

// Rows of the vends and vend_tokens tables.
type (
	vendRow struct {
		bun.BaseModel `bun:"table:vends,alias:v"`

		ID             int64  `bun:"id,pk,autoincrement"`
		Reference      string `bun:"reference"`
		Channel        string `bun:"channel"`
		IdempotencyKey string `bun:"idempotency_key"`
		RequestHash    string `bun:"request_hash"`
		AgentID        int64  `bun:"agent_id"`
		UtilityID      int64  `bun:"utility_id"`
		MeterID        int64  `bun:"meter_id"`
		MeterNumber    string `bun:"meter_number"`
		Kind           string `bun:"kind"`
		CustomerName   string `bun:"customer_name"`
		Currency       string `bun:"currency"`

		Paid         int64 `bun:"paid"`
		Debt         int64 `bun:"debt"`
		FixedCharges int64 `bun:"fixed_charges"`
		Tax          int64 `bun:"tax"`
		EnergyCharge int64 `bun:"energy_charge"`
		Energy       int64 `bun:"energy"`
		FreeEnergy   int64 `bun:"free_energy"`
		Commission   int64 `bun:"commission"`

		Payer          string    `bun:"payer"`
		TerminalID     int64     `bun:"terminal_id"`
		Status         string    `bun:"status"`
		CreatedAt      time.Time `bun:"created_at"`
		ReversedAt     time.Time `bun:"reversed_at,nullzero"`
		ReversalReason string    `bun:"reversal_reason"`
		ReversedBy     string    `bun:"reversed_by"`
		TimeZone       string    `bun:"time_zone"`

		Tokens []vendTokenRow `bun:"rel:has-many,join:id=vend_id"`
	}
	vendTokenRow struct {
		bun.BaseModel `bun:"table:vend_tokens,alias:vt"`

		VendID   int64  `bun:"vend_id,pk"`
		Seq      int16  `bun:"seq,pk"`
		Purpose  string `bun:"purpose"`
		Class    int16  `bun:"class"`
		Subclass int16  `bun:"subclass"`
		Token    string `bun:"token"`
		TID      int64  `bun:"tid"`
		Energy   int64  `bun:"energy"`
	}
)

func fromCoreVend(v *core.Vend) vendRow {
	b := v.Breakdown
	r := vendRow{
		ID: v.ID, Reference: v.Reference, Channel: v.Channel, IdempotencyKey: v.IdempotencyKey,
		RequestHash: v.RequestHash, AgentID: v.AgentID, UtilityID: v.UtilityID, MeterID: v.MeterID,
		MeterNumber: v.MeterNumber, Kind: string(v.Kind), CustomerName: v.CustomerName, Currency: v.Currency.Code,
		Paid: int64(b.Paid), Debt: int64(b.Debt), FixedCharges: int64(b.FixedCharges), Tax: int64(b.Tax),
		EnergyCharge: int64(b.EnergyCharge), Energy: int64(b.Energy), FreeEnergy: int64(b.FreeEnergy),
		Commission: int64(b.Commission), Payer: v.Payer, TerminalID: v.TerminalID, Status: string(v.Status),
		CreatedAt: v.CreatedAt.UTC(), ReversedAt: v.ReversedAt.UTC(), // a zero time stays zero: NULL
		ReversalReason: v.ReversalReason, ReversedBy: v.ReversedBy,
	}
	if v.Location != nil {
		r.TimeZone = v.Location.String()
	}
	r.Tokens = fromCoreVendTokens(v.ID, v.Tokens)
	return r
}

func fromCoreVendTokens(vendID int64, ts []core.VendToken) []vendTokenRow {
	out := make([]vendTokenRow, len(ts))
	for i, t := range ts {
		out[i] = vendTokenRow{
			VendID: vendID, Seq: int16(i + 1), Purpose: string(t.Purpose), Class: int16(t.Kind.Class),
			Subclass: int16(t.Kind.Subclass), Token: t.Token.String(), TID: int64(t.TID), Energy: int64(t.Energy),
		}
	}
	return out
}

func (db *DB) toCoreVend(r vendRow) (*core.Vend, error) {
	cur, err := core.ParseCurrency(r.Currency)
	if err != nil {
		return nil, corrupt("vend", r.ID, err)
	}
	kind, err := core.ParseMeterKind(r.Kind)
	if err != nil {
		return nil, corrupt("vend", r.ID, err)
	}
	loc := time.UTC
	if r.TimeZone != "" {
		if loc, err = db.location(r.TimeZone); err != nil {
			return nil, corrupt("vend", r.ID, err)
		}
	}
	v := &core.Vend{
		ID: r.ID, Reference: r.Reference, Channel: r.Channel, IdempotencyKey: r.IdempotencyKey,
		RequestHash: r.RequestHash, AgentID: r.AgentID, UtilityID: r.UtilityID, MeterID: r.MeterID,
		MeterNumber: r.MeterNumber, Kind: kind, CustomerName: r.CustomerName, Currency: cur,
		Breakdown: core.Breakdown{
			Paid: core.Money(r.Paid), Debt: core.Money(r.Debt), FixedCharges: core.Money(r.FixedCharges),
			Tax: core.Money(r.Tax), EnergyCharge: core.Money(r.EnergyCharge), Energy: core.Energy(r.Energy),
			FreeEnergy: core.Energy(r.FreeEnergy), Commission: core.Money(r.Commission),
		},
		Payer: r.Payer, TerminalID: r.TerminalID, Status: core.VendStatus(r.Status), CreatedAt: r.CreatedAt.UTC(),
		ReversalReason: r.ReversalReason, ReversedBy: r.ReversedBy, Location: loc,
		Tokens: make([]core.VendToken, len(r.Tokens)),
	}
	if !r.ReversedAt.IsZero() {
		v.ReversedAt = r.ReversedAt.UTC()
	}
	for i, t := range r.Tokens {
		tok, err := sts.ParseToken(t.Token)
		if err != nil {
			return nil, corrupt("vend token of vend", r.ID, err)
		}
		v.Tokens[i] = core.VendToken{
			Purpose: core.TokenPurpose(t.Purpose), Kind: sts.Kind{Class: sts.Class(t.Class), Subclass: uint8(t.Subclass)},
			Token: tok, TID: sts.TID(t.TID), Energy: core.Energy(t.Energy),
		}
	}
	return v, nil
}

// vendTx is core.VendTx on one database transaction. Its statements are prepared (prepared.go).
type vendTx struct {
	db *DB
	tx *sql.Tx
}

// InVendTx runs fn in one database transaction: committed if fn returns nil, rolled back
// otherwise (and on panic).
func (db *DB) InVendTx(ctx context.Context, fn func(core.VendTx) error) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return fn(&vendTx{db: db, tx: tx.Tx}) })
}

// vendColumns are the columns ClaimVends writes.
const (
	vendColumns = "reference, channel, idempotency_key, request_hash, agent_id, utility_id, meter_id, meter_number, kind, " +
		"customer_name, currency, paid, debt, fixed_charges, tax, energy_charge, energy, free_energy, commission, status, " +
		"created_at, reversed_at, payer, reversal_reason, reversed_by, time_zone, terminal_id"
	vendColumnsLen = 27
)

// ClaimVends inserts the whole vends, each under its unique (channel, idempotency key), with one
// INSERT ... ON CONFLICT DO NOTHING RETURNING, and sets the IDs of the rows it inserted; a key that
// is taken inserts nothing. PostgreSQL waits for a concurrent transaction holding a key to end
// first.
func (t *vendTx) ClaimVends(ctx context.Context, vs []*core.Vend) (int, error) {
	args := make([]any, 0, len(vs)*vendColumnsLen)
	byKey := make(map[[2]string]*core.Vend, len(vs))
	for _, v := range vs {
		r := fromCoreVend(v)
		args = append(args, r.Reference, r.Channel, r.IdempotencyKey, r.RequestHash, r.AgentID, r.UtilityID, r.MeterID,
			r.MeterNumber, r.Kind, r.CustomerName, r.Currency, r.Paid, r.Debt, r.FixedCharges, r.Tax, r.EnergyCharge, r.Energy,
			r.FreeEnergy, r.Commission, r.Status, r.CreatedAt, r.ReversedAt, r.Payer, r.ReversalReason, r.ReversedBy,
			r.TimeZone, r.TerminalID)
		byKey[[2]string{v.Channel, v.IdempotencyKey}] = v
	}
	q := "INSERT INTO vends (" + vendColumns + ") VALUES " + placeholderRows(len(vs), vendColumnsLen) +
		" ON CONFLICT (channel, idempotency_key) DO NOTHING RETURNING id, channel, idempotency_key"
	rows, err := t.db.queryN(ctx, t.tx, len(vs), q, args...)
	if err != nil {
		return 0, dbError(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id           int64
			channel, key string
		)
		if err := rows.Scan(&id, &channel, &key); err != nil {
			return 0, dbError(err)
		}
		if v := byKey[[2]string{channel, key}]; v != nil {
			v.ID = id
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, dbError(err)
	}
	return n, nil
}

// LockMeters locks the meters' rows for the rest of the transaction (SELECT ... FOR NO KEY
// UPDATE on PostgreSQL, in the order of ids; SQLite's transaction holds the write lock already)
// and returns them with their counters.
func (t *vendTx) LockMeters(ctx context.Context, ids []int64) (map[int64]core.MeterState, error) {
	q := "SELECT " + countersColumns + ", " + keyColumns + " FROM meters WHERE id IN " + placeholderRows(1, len(ids)) +
		" ORDER BY id" + t.db.dialect.forUpdate()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.db.queryN(ctx, t.tx, len(ids), q, args...)
	if err != nil {
		return nil, dbError(err)
	}
	var rs []meterRow
	if err := t.db.bun.ScanRows(ctx, rows, &rs); err != nil {
		return nil, dbError(err)
	}
	out := make(map[int64]core.MeterState, len(rs))
	for _, r := range rs {
		m, err := toCoreMeter(r)
		if err != nil {
			return nil, err
		}
		out[r.ID] = core.MeterState{Meter: m, Counters: toCoreCounters(r.countersRow)}
	}
	if len(out) != len(ids) {
		return nil, core.ErrNotFound
	}
	return out, nil
}

const (
	tokenColumns    = "vend_id, seq, purpose, class, subclass, token, tid, energy"
	updateMeterSQL  = "UPDATE meters SET last_tid = ?, tid_key = ?, arrears = ?, month = ?, month_energy = ?, month_fixed_paid = ? WHERE id = ?"
	debitAgentSQL   = "UPDATE agents SET balance = balance - ? WHERE id = ? AND balance - ? >= -credit_limit RETURNING balance"
	tokenColumnsLen = 8
)

// CompleteVends writes the claimed vends' tokens and ledger entries, one insert each for the
// whole batch, and the counters of the meters they changed.
func (t *vendTx) CompleteVends(ctx context.Context, vs []*core.Vend, entries [][]core.LedgerEntry, counters map[int64]core.MeterCounters) error {
	var (
		tokens []any
		n      int
		ledger []entrySet
	)
	for i, v := range vs {
		if v.ID == 0 {
			return core.Internal(errors.New("vend has no ID"), "completing a vend that was not claimed")
		}
		for _, tk := range fromCoreVendTokens(v.ID, v.Tokens) {
			tokens = append(tokens, tk.VendID, tk.Seq, tk.Purpose, tk.Class, tk.Subclass, tk.Token, tk.TID, tk.Energy)
			n++
		}
		ledger = append(ledger, entrySet{vendID: &v.ID, entries: entries[i], at: v.CreatedAt})
	}
	if n > 0 {
		q := "INSERT INTO vend_tokens (" + tokenColumns + ") VALUES " + placeholderRows(n, tokenColumnsLen)
		if _, err := t.db.execN(ctx, t.tx, len(vs), q, tokens...); err != nil {
			return dbError(err)
		}
	}
	if err := t.db.insertEntrySets(ctx, t.tx, ledger); err != nil {
		return err
	}
	return t.updateCounters(ctx, counters)
}

// updateCounters writes meters' counters: one prepared UPDATE for one meter, one UPDATE ... FROM
// a derived table for several (both databases read it).
func (t *vendTx) updateCounters(ctx context.Context, counters map[int64]core.MeterCounters) error {
	ids := slices.Sorted(maps.Keys(counters))
	if len(ids) == 1 {
		m := fromCoreCounters(counters[ids[0]])
		res, err := t.db.execP(ctx, t.tx, updateMeterSQL,
			m.LastTID, m.TIDKey, m.Arrears, m.Month, m.MonthEnergy, m.MonthFixedPaid, ids[0])
		if err != nil {
			return dbError(err)
		}
		return oneRow(res, "meter")
	}
	rows := make([]string, len(ids))
	args := make([]any, 0, 7*len(ids))
	for i, id := range ids {
		m := fromCoreCounters(counters[id])
		rows[i] = "SELECT ?, ?, ?, ?, ?, ?, ?"
		if i == 0 {
			rows[i] = "SELECT ? AS id, ? AS last_tid, ? AS tid_key, ? AS arrears, ? AS month, ? AS month_energy, " +
				"? AS month_fixed_paid"
		}
		args = append(args, id, m.LastTID, m.TIDKey, m.Arrears, m.Month, m.MonthEnergy, m.MonthFixedPaid)
	}
	q := "UPDATE meters SET last_tid = v.last_tid, tid_key = v.tid_key, arrears = v.arrears, month = v.month, " +
		"month_energy = v.month_energy, month_fixed_paid = v.month_fixed_paid " +
		"FROM (" + strings.Join(rows, " UNION ALL ") + ") AS v WHERE meters.id = v.id"
	res, err := t.db.execN(ctx, t.tx, len(ids), q, args...)
	if err != nil {
		return dbError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(err)
	}
	if n != int64(len(ids)) {
		return core.Internal(fmt.Errorf("%d of %d meters updated", n, len(ids)), "writing meter counters")
	}
	return nil
}

// DebitAgent takes amount from the agent's float with a guarded update, so the balance never
// passes -credit_limit; otherwise core.ErrInsufficientFunds.
func (t *vendTx) DebitAgent(ctx context.Context, agentID int64, amount core.Money) (core.Money, error) {
	var balance int64
	err := t.db.scanP(ctx, t.tx, &balance, debitAgentSQL, int64(amount), agentID, int64(amount))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, core.ErrInsufficientFunds
	}
	if err != nil {
		return 0, dbError(err)
	}
	return core.Money(balance), nil
}

// oneRow checks that an update touched exactly one row.
func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return core.Internal(fmt.Errorf("%d rows updated", n), "updating the "+what)
	}
	return nil
}

// selectVend returns a query for vends with their tokens in order, in the transaction ctx
// carries (InTx), so that a reversal made in the back office's transaction reads back its own
// change.
func (db *DB) selectVend(ctx context.Context, rows any) *bun.SelectQuery {
	return db.idb(ctx).NewSelect().Model(rows).Relation("Tokens", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("vt.seq")
	})
}

// VendByKey returns the vend of an idempotency key, or core.ErrNotFound.
func (db *DB) VendByKey(ctx context.Context, channel, key string) (*core.Vend, error) {
	var r vendRow
	if err := db.selectVend(ctx, &r).Where("v.channel = ? AND v.idempotency_key = ?", channel, key).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	return db.toCoreVend(r)
}

// VendByKeys returns the committed vend of the first key, by vend ID, of keys that has one (a
// channel whose key depends on a time window asks for two windows at once), or core.ErrNotFound.
func (db *DB) VendByKeys(ctx context.Context, channel string, keys ...string) (*core.Vend, error) {
	var r vendRow
	err := db.selectVend(ctx, &r).Where("v.channel = ? AND v.idempotency_key IN (?)", channel, bun.List(keys)).
		OrderExpr("v.id").Limit(1).Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	return db.toCoreVend(r)
}

// Vend returns a vend with its tokens, or core.ErrNotFound.
func (db *DB) Vend(ctx context.Context, id int64) (*core.Vend, error) {
	var r vendRow
	if err := db.selectVend(ctx, &r).Where("v.id = ?", id).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	return db.toCoreVend(r)
}

// VendsByMeter returns a meter's vends sold by an agent (every agent's for agentID 0), newest
// first, at most limit (at most 1000).
func (db *DB) VendsByMeter(ctx context.Context, meterNumber string, agentID int64, limit int) ([]*core.Vend, error) {
	return db.FindVends(ctx, core.VendQuery{MeterNumber: meterNumber, AgentID: agentID, Limit: limit})
}

// FindVends returns the vends a query selects, newest first; voided keys are left out.
func (db *DB) FindVends(ctx context.Context, query core.VendQuery) ([]*core.Vend, error) {
	query, err := core.CheckVendQuery(query)
	if err != nil {
		return nil, err
	}
	var rows []vendRow
	q := db.selectVend(ctx, &rows).Where("v.status <> ?", string(core.VendVoided))
	for _, c := range []struct {
		set  bool
		expr string
		arg  any
	}{
		{query.AgentID != 0, "v.agent_id = ?", query.AgentID},
		{query.UtilityID != 0, "v.utility_id = ?", query.UtilityID},
		{query.MeterNumber != "", "v.meter_number = ?", query.MeterNumber},
		{query.Payer != "", "v.payer = ?", query.Payer},
		{query.Channel != "", "v.channel = ?", query.Channel},
		{query.Status != "", "v.status = ?", string(query.Status)},
		{!query.From.IsZero(), "v.created_at >= ?", query.From.UTC()},
		{!query.To.IsZero(), "v.created_at < ?", query.To.UTC()},
		{query.BeforeID != 0, "v.id < ?", query.BeforeID},
	} {
		if c.set {
			q = q.Where(c.expr, c.arg)
		}
	}
	if err := q.Order("v.id DESC").Limit(int64(query.Limit)).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]*core.Vend, len(rows))
	for i, r := range rows {
		v, err := db.toCoreVend(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// ReverseVend reverses a completed vend in one transaction: it marks it reversed with the
// reversal's reason and actor (core.ErrNotFound when no completed vend has the ID), cancels its
// replies still pending, books the reverse of its ledger entries, gives the agent back what the
// entries took from its float, restores the meter's arrears and, when the vend is of the meter's
// current month, its monthly totals, and gives back the free basic allowance the vend gave. TIDs
// are never given back. With r.RefuseDelivered, a vend whose token has reached the customer (a
// reply sending or delivered, or a USSD vend: its final screen showed the token) is left alone:
// core.ErrTokenDelivered. Rows are locked in the vend transaction's order: vend, meter, agent;
// the replies after them (a relay's claim of a pending reply waits for the cancellation, then
// finds it cancelled).
func (db *DB) ReverseVend(ctx context.Context, id int64, rev core.VendReversal) (*core.Vend, error) {
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r vendRow
		err := tx.NewRaw("UPDATE vends SET status = ?, reversed_at = ?, reversal_reason = ?, reversed_by = ? "+
			"WHERE id = ? AND status = ? RETURNING *",
			string(core.VendReversed), rev.At.UTC(), rev.Reason, rev.By, id, string(core.VendCompleted)).Scan(ctx, &r)
		if err != nil {
			return err
		}
		if err := db.cancelReplies(ctx, tx, r, rev); err != nil {
			return err
		}
		var entries []ledgerEntryRow
		if err := tx.NewSelect().Model(&entries).Where("vend_id = ?", id).Order("id").Scan(ctx); err != nil {
			return err
		}
		agentAccount := core.AgentAccount(r.AgentID)
		var agentTook core.Money
		booked := make([]core.LedgerEntry, len(entries))
		for i, e := range entries {
			booked[i] = toCoreLedgerEntry(e)
			if e.Account == agentAccount {
				agentTook -= core.Money(e.Amount)
			}
		}
		if err := db.reverseMeter(ctx, tx, r); err != nil {
			return err
		}
		if err := db.insertEntries(ctx, tx.Tx, &id, core.Reversed(booked, "reversal "+r.Reference), rev.At); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*agentRow)(nil)).Set("balance = balance + ?", int64(agentTook)).
			Where("id = ?", r.AgentID).Exec(ctx)
		if err != nil {
			return err
		}
		return oneRow(res, "agent")
	})
	if errors.Is(err, core.ErrTokenDelivered) {
		return nil, err
	}
	if err != nil {
		return nil, dbError(err)
	}
	return db.Vend(ctx, id)
}

// cancelReplies cancels a reversed vend's replies not sent (pending, or failed and waiting for an
// operator's resend), so that its token never goes out after the reversal; with RefuseDelivered, a token that has gone out (or may have: a reply being sent)
// refuses the reversal.
func (db *DB) cancelReplies(ctx context.Context, tx bun.Tx, v vendRow, rev core.VendReversal) error {
	if rev.RefuseDelivered && v.Channel == core.ChannelUSSD {
		return core.ErrTokenDelivered
	}
	if _, err := tx.NewUpdate().Model((*replyRow)(nil)).Set("status = ?", string(core.ReplyCancelled)).
		Set("last_error = ?", "the vend was reversed").
		Where("vend_id = ? AND status IN (?)", v.ID, bun.List([]string{string(core.ReplyPending), string(core.ReplyFailed)})).
		Exec(ctx); err != nil {
		return err
	}
	if !rev.RefuseDelivered {
		return nil
	}
	n, err := tx.NewSelect().Model((*replyRow)(nil)).
		Where("vend_id = ? AND status IN (?)", v.ID, bun.List([]string{string(core.ReplySending), string(core.ReplyDelivered)})).
		Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return core.ErrTokenDelivered
	}
	return nil
}

// reverseMeter gives a reversed vend's debt back to the meter's arrears and takes its units and
// fixed charges out of the monthly totals when the vend is of the current month; the free basic
// allowance the vend gave is the customer's again.
func (db *DB) reverseMeter(ctx context.Context, tx bun.Tx, v vendRow) error {
	var tz string
	if err := tx.NewSelect().Model((*utilityRow)(nil)).Column("time_zone").Where("id = ?", v.UtilityID).Scan(ctx, &tz); err != nil {
		return err
	}
	loc, err := db.location(tz)
	if err != nil {
		return corrupt("utility", v.UtilityID, err)
	}
	month := v.CreatedAt.In(loc).Format("2006-01")
	q := tx.NewUpdate().Model((*meterRow)(nil)).
		Set("arrears = arrears + ?", v.Debt).
		Set("version = version + 1").
		Where("id = ?", v.MeterID)
	q = q.Set("month_energy = CASE WHEN month = ? AND month_energy >= ? THEN month_energy - ? ELSE month_energy END", month, v.Energy, v.Energy).
		Set("month_fixed_paid = CASE WHEN month = ? AND month_fixed_paid >= ? THEN month_fixed_paid - ? ELSE month_fixed_paid END", month, v.FixedCharges, v.FixedCharges)
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	if err := oneRow(res, "meter"); err != nil {
		return err
	}
	if v.FreeEnergy > 0 {
		_, err = tx.NewDelete().Model((*freeBasicGrantRow)(nil)).Where("vend_reference = ?", v.Reference).Exec(ctx)
	}
	return err
}
