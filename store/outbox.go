package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ core.ReplyStore = (*DB)(nil)

// Rows of the replies and reply_external_ids tables.
type (
	replyRow struct {
		bun.BaseModel `bun:"table:replies,alias:r"`

		ID            int64     `bun:"id,pk,autoincrement"`
		VendID        *int64    `bun:"vend_id"`
		Channel       string    `bun:"channel"`
		Route         string    `bun:"route"`
		Recipient     string    `bun:"recipient"`
		Sender        string    `bun:"sender"`
		Body          string    `bun:"body"`
		Status        string    `bun:"status"`
		Attempts      int32     `bun:"attempts"`
		Claim         int64     `bun:"claim"`
		NextAttemptAt time.Time `bun:"next_attempt_at"`
		LastError     string    `bun:"last_error"`
		ExternalID    string    `bun:"external_id"`
		ReceiptStatus string    `bun:"receipt_status"`
		ReceiptAt     time.Time `bun:"receipt_at,nullzero"`
		CreatedAt     time.Time `bun:"created_at"`
		DeliveredAt   time.Time `bun:"delivered_at,nullzero"`
		FailedAt      time.Time `bun:"failed_at,nullzero"`
	}
)

func toCoreReply(r replyRow) core.Reply {
	out := core.Reply{
		ID: r.ID, Channel: r.Channel, Route: r.Route, Recipient: r.Recipient, Sender: r.Sender, Body: r.Body,
		Status: core.ReplyStatus(r.Status), Attempts: int(r.Attempts), Claim: r.Claim,
		NextAttemptAt: r.NextAttemptAt.UTC(), LastError: r.LastError, ExternalID: r.ExternalID,
		ReceiptStatus: r.ReceiptStatus, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.VendID != nil {
		out.VendID = *r.VendID
	}
	for _, t := range []struct {
		from time.Time
		to   *time.Time
	}{{r.ReceiptAt, &out.ReceiptAt}, {r.DeliveredAt, &out.DeliveredAt}, {r.FailedAt, &out.FailedAt}} {
		if !t.from.IsZero() {
			*t.to = t.from.UTC()
		}
	}
	return out
}

const (
	replyColumns = "vend_id, channel, route, recipient, sender, body, status, attempts, claim, next_attempt_at, " +
		"last_error, external_id, receipt_status, created_at"
	addReplySQL = "INSERT INTO replies (" + replyColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, '', '', '', ?) RETURNING id"

	// dueReplies is the condition of a reply a relay may claim: waiting, or claimed by a relay
	// whose lease has run out.
	dueReplies = "status IN ('" + string(core.ReplyPending) + "', '" + string(core.ReplySending) + "') AND next_attempt_at <= ?"
	// claimSet is what a claim writes: sending, leased until ?, one more attempt, a new claim.
	claimSet = "status = '" + string(core.ReplySending) + "', attempts = attempts + 1, claim = claim + 1, next_attempt_at = ?"
	// ofClaim is the condition of an outcome: the reply is still under the claim that reports.
	ofClaim = "id = ? AND claim = ? AND status = '" + string(core.ReplySending) + "'"
)

// addReply inserts a reply (in tx when not nil) and sets its ID, status and times.
func (db *DB) addReply(ctx context.Context, tx *sql.Tx, r *core.Reply) error {
	if err := validReply(r); err != nil {
		return err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = db.utc()
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	if r.NextAttemptAt.IsZero() {
		r.NextAttemptAt = r.CreatedAt
	}
	r.NextAttemptAt = r.NextAttemptAt.UTC().Truncate(time.Microsecond)
	r.Status = core.ReplyPending
	var vend any // NULL for a reply to no vend
	if r.VendID != 0 {
		vend = r.VendID
	}
	var id int64
	err := db.scanP(ctx, tx, &id, addReplySQL, vend, r.Channel, r.Route, r.Recipient, r.Sender, r.Body,
		string(core.ReplyPending), r.NextAttemptAt, r.CreatedAt)
	if err != nil {
		return dbError(err)
	}
	r.ID, r.Attempts, r.Claim = id, 0, 0
	return nil
}

// validReply checks what a reply cannot go without. Messages name the field, never the body.
func validReply(r *core.Reply) error {
	for _, f := range []struct{ name, value string }{
		{"channel", r.Channel}, {"route", r.Route}, {"recipient", r.Recipient}, {"body", r.Body},
	} {
		if strings.TrimSpace(f.value) == "" {
			return core.Errorf(core.CodeInvalid, core.ReasonInvalidReply, "a reply needs a %s", f.name)
		}
	}
	return nil
}

// AddReply writes a reply in the vend's transaction, so that it commits (or not) with the vend,
// and sets r.ID (see core.ReplyAdder for the fields it fills in).
func (t *vendTx) AddReply(ctx context.Context, r *core.Reply) error {
	return t.db.addReply(ctx, t.tx, r)
}

// AddReply writes a reply on its own (a help text, an error message) and sets r.ID.
func (db *DB) AddReply(ctx context.Context, r *core.Reply) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return db.addReply(ctx, tx.Tx, r) })
}

// skipLocked is the suffix of the SELECT that picks rows to claim. PostgreSQL: lock them and pass
// over rows another transaction has locked, so that concurrent relays (on several nodes) claim
// different rows without waiting. SQLite's one writer needs none.
func (d dialect) skipLocked() string {
	if d == postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ClaimReplies claims up to limit due replies, oldest due first, in one statement: a CTE picks
// them (skipping rows locked by a concurrent claim on PostgreSQL) and the UPDATE leases them.
// The replies come back in ID order.
func (db *DB) ClaimReplies(ctx context.Context, now time.Time, lease time.Duration, limit int, skipRoutes ...string) ([]core.Reply, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(time.Microsecond)
	where, args := dueReplies, []any{now}
	if len(skipRoutes) > 0 {
		where, args = where+" AND route NOT IN (?)", append(args, bun.List(skipRoutes))
	}
	q := "WITH due AS (SELECT id FROM replies WHERE " + where + " ORDER BY next_attempt_at, id LIMIT ?" +
		db.dialect.skipLocked() + ") UPDATE replies SET " + claimSet + " WHERE id IN (SELECT id FROM due) RETURNING *"
	var rows []replyRow
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(q, append(args, limit, now.Add(lease))...).Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbError(err)
	}
	out := make([]core.Reply, len(rows))
	for i, r := range rows {
		out[i] = toCoreReply(r)
	}
	slices.SortFunc(out, func(a, b core.Reply) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ClaimReply claims one reply by ID when it is due; otherwise it returns the reply as it stands
// and claimed false (core.ErrNotFound when there is none).
func (db *DB) ClaimReply(ctx context.Context, id int64, now time.Time, lease time.Duration) (core.Reply, bool, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var rows []replyRow
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("UPDATE replies SET "+claimSet+" WHERE id = ? AND "+dueReplies+" RETURNING *",
			now.Add(lease), id, now).Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return core.Reply{}, false, dbError(err)
	}
	if len(rows) == 1 {
		return toCoreReply(rows[0]), true, nil
	}
	r, err := db.Reply(ctx, id)
	return r, false, err
}

// leaseLost is the outcome of a claim that is no longer the reply's latest.
func leaseLost(id, claim int64) error {
	return core.Errorf(core.CodeConflict, core.ReasonReplyLeaseLost,
		"reply %d is no longer under claim %d: its lease ran out and another relay claimed it", id, claim)
}

// outcome runs an update of one claimed reply and checks that the claim still held.
func (db *DB) outcome(ctx context.Context, tx bun.IDB, id, claim int64, set string, args ...any) error {
	args = append(args, id, claim)
	res, err := tx.NewRaw("UPDATE replies SET "+set+" WHERE "+ofClaim, args...).Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return leaseLost(id, claim)
	}
	return nil
}

// MarkReplyDelivered records that the link took the reply: delivered, with the id(s) it gave
// (space-separated), each of which a delivery receipt can name.
func (db *DB) MarkReplyDelivered(ctx context.Context, id, claim int64, externalID string, at time.Time) error {
	ids := strings.Fields(externalID)
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := db.outcome(ctx, tx, id, claim, "status = ?, external_id = ?, delivered_at = ?, last_error = ''",
			string(core.ReplyDelivered), strings.Join(ids, " "), at.UTC())
		if err != nil || len(ids) == 0 {
			return err
		}
		rows := make([]string, len(ids))
		args := make([]any, 0, 2*len(ids))
		for i, e := range ids {
			rows[i] = "SELECT ?, ?, route FROM replies WHERE id = ?"
			args = append(args, id, e, id)
		}
		_, err = tx.NewRaw("INSERT INTO reply_external_ids (reply_id, external_id, route) "+
			strings.Join(rows, " UNION ALL ")+" ON CONFLICT DO NOTHING", args...).Exec(ctx)
		return dbError(err)
	})
}

// RetryReply records a failed attempt: pending again, due at at, with the reason.
func (db *DB) RetryReply(ctx context.Context, id, claim int64, at time.Time, lastError string) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return db.outcome(ctx, tx, id, claim, "status = ?, next_attempt_at = ?, last_error = ?",
			string(core.ReplyPending), at.UTC().Truncate(time.Microsecond), lastError)
	})
}

// PostponeReply makes a claimed reply pending again, due at at, and gives back its claim's
// attempt: nothing was tried.
func (db *DB) PostponeReply(ctx context.Context, id, claim int64, at time.Time) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return db.outcome(ctx, tx, id, claim, "status = ?, next_attempt_at = ?, attempts = attempts - 1",
			string(core.ReplyPending), at.UTC().Truncate(time.Microsecond))
	})
}

// FailReply marks a claimed reply failed, with the reason; it stays for operators to see.
func (db *DB) FailReply(ctx context.Context, id, claim int64, lastError string, at time.Time) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return db.outcome(ctx, tx, id, claim, "status = ?, last_error = ?, failed_at = ?",
			string(core.ReplyFailed), lastError, at.UTC())
	})
}

// Reply returns a reply by ID, or core.ErrNotFound.
func (db *DB) Reply(ctx context.Context, id int64) (core.Reply, error) {
	var r replyRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("r.id = ?", id).Scan(ctx); err != nil {
		return core.Reply{}, dbError(err)
	}
	return toCoreReply(r), nil
}

// RepliesByStatus returns the replies in a status, oldest first, at most limit (at most 1000).
func (db *DB) RepliesByStatus(ctx context.Context, status core.ReplyStatus, limit int) ([]core.Reply, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return db.ReplyList(ctx, backoffice.ReplyQuery{Status: status, Limit: limit})
}

// ReplyList returns the replies q selects, oldest first: those to a utility's vends when q names
// one.
func (db *DB) ReplyList(ctx context.Context, q backoffice.ReplyQuery) ([]core.Reply, error) {
	var rows []replyRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("r.status = ?", string(q.Status)).Order("r.id").Limit(int64(max(q.Limit, 1)))
	if q.UtilityID != 0 {
		sel = sel.Where("r.vend_id IN (SELECT v.id FROM vends AS v WHERE v.utility_id = ?)", q.UtilityID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]core.Reply, len(rows))
	for i, r := range rows {
		out[i] = toCoreReply(r)
	}
	return out, nil
}

// OverdueReplies returns the IDs of replies pending or sending that were due at or before
// before, oldest due first, at most limit.
func (db *DB) OverdueReplies(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	if limit <= 0 {
		return nil, nil
	}
	var ids []int64
	err := db.bun.NewRaw("SELECT id FROM replies WHERE "+dueReplies+" ORDER BY next_attempt_at, id LIMIT ?",
		before.UTC().Truncate(time.Microsecond), limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbError(err)
	}
	return ids, nil
}

// ResendReply makes a failed reply pending again, due now, with its attempts reset; a reply
// that is not failed is core.ErrNotFound.
func (db *DB) ResendReply(ctx context.Context, id int64, now time.Time) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw("UPDATE replies SET status = ?, attempts = 0, next_attempt_at = ?, failed_at = NULL WHERE id = ? AND status = ?",
			string(core.ReplyPending), now.UTC().Truncate(time.Microsecond), id, string(core.ReplyFailed)).Exec(ctx)
		if err != nil {
			return dbError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, fmt.Errorf("%w: no failed reply %d", core.ErrNotFound, id))
		}
		return nil
	})
}

// RecordReceipt records a delivery receipt on the reply the route knows by externalID. For a
// reply sent in parts the latest part's receipt is the one kept.
func (db *DB) RecordReceipt(ctx context.Context, route, externalID, status string, at time.Time) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw("UPDATE replies SET receipt_status = ?, receipt_at = ? WHERE id IN "+
			"(SELECT reply_id FROM reply_external_ids WHERE route = ? AND external_id = ?)",
			status, at.UTC(), route, externalID).Exec(ctx)
		if err != nil {
			return dbError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, core.ErrNotFound)
		}
		return nil
	})
}
