package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
)

var _ backoffice.AuditStore = (*DB)(nil)

// auditEntryRow is a row of audit_entries.
type auditEntryRow struct {
	bun.BaseModel `bun:"table:audit_entries,alias:ae"`

	Seq        int64     `bun:"seq,pk"`
	At         time.Time `bun:"at"`
	ActorKind  string    `bun:"actor_kind"`
	ActorID    int64     `bun:"actor_id"`
	ActorName  string    `bun:"actor_name"`
	Via        string    `bun:"via"`
	From       string    `bun:"from_addr"`
	Action     string    `bun:"action"`
	Permission string    `bun:"permission"`
	Target     string    `bun:"target"`
	Outcome    string    `bun:"outcome"`
	Detail     string    `bun:"detail"`
	Before     []byte    `bun:"before_json"`
	After      []byte    `bun:"after_json"`
	ApprovalID int64     `bun:"approval_id"`
	PrevHash   string    `bun:"prev_hash"`
	Hash       string    `bun:"hash"`
}

// auditHeadRow is the one row of audit_head.
type auditHeadRow struct {
	bun.BaseModel `bun:"table:audit_head,alias:ah"`

	ID   int64  `bun:"id,pk"`
	Seq  int64  `bun:"seq"`
	Hash string `bun:"hash"`
}

func fromAuditEntry(e *backoffice.AuditEntry) auditEntryRow {
	return auditEntryRow{
		Seq: e.Seq, At: e.At.UTC(), ActorKind: string(e.ActorKind), ActorID: e.ActorID, ActorName: e.ActorName,
		Via: e.Via, From: e.From, Action: string(e.Action), Permission: string(e.Permission), Target: e.Target,
		Outcome: string(e.Outcome), Detail: e.Detail, Before: e.Before, After: e.After, ApprovalID: e.ApprovalID,
		PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

func toAuditEntry(r auditEntryRow) backoffice.AuditEntry {
	return backoffice.AuditEntry{
		Seq: r.Seq, At: r.At.UTC(), ActorKind: backoffice.ActorKind(r.ActorKind), ActorID: r.ActorID, ActorName: r.ActorName,
		Via: r.Via, From: r.From, Action: backoffice.Action(r.Action), Permission: backoffice.Permission(r.Permission),
		Target: r.Target, Outcome: backoffice.Outcome(r.Outcome), Detail: r.Detail, Before: nilIfEmpty(r.Before),
		After: nilIfEmpty(r.After), ApprovalID: r.ApprovalID, PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// nilIfEmpty gives back the nil a NULL column was written from (drivers differ on NULL bytes).
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// AppendAudit appends e to the chain inside the caller's transaction (or one of its own): the
// head row is locked, so concurrent appends queue and each follows the one before.
func (db *DB) AppendAudit(ctx context.Context, e *backoffice.AuditEntry) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var head auditHeadRow
		if err := tx.NewRaw("SELECT id, seq, hash FROM audit_head WHERE id = 1"+db.dialect.forUpdate()).Scan(ctx, &head); err != nil {
			return err
		}
		e.At = e.At.UTC().Truncate(time.Microsecond)
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		e.Hash = e.ComputeHash()
		r := fromAuditEntry(e)
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*auditHeadRow)(nil)).Set("seq = ?", e.Seq).Set("hash = ?", e.Hash).Where("id = 1").Exec(ctx)
		return err
	}))
}

// AuditEntries returns the entries q selects, oldest first.
func (db *DB) AuditEntries(ctx context.Context, q backoffice.AuditQuery) ([]backoffice.AuditEntry, error) {
	var rows []auditEntryRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("seq > ?", q.AfterSeq).Order("seq").Limit(int64(q.Limit))
	if q.ActorName != "" {
		sel = sel.Where("actor_name = ?", q.ActorName)
	}
	if q.Action != "" {
		sel = sel.Where("action = ?", string(q.Action))
	}
	if q.Target != "" {
		sel = sel.Where("target = ?", q.Target)
	}
	if !q.From.IsZero() {
		sel = sel.Where("at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		sel = sel.Where("at < ?", q.To.UTC())
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = toAuditEntry(r)
	}
	return out, nil
}

// AuditHead returns the newest entry's sequence number and hash.
func (db *DB) AuditHead(ctx context.Context) (backoffice.AuditHead, error) {
	var head auditHeadRow
	if err := db.idb(ctx).NewSelect().Model(&head).Where("id = 1").Scan(ctx); err != nil {
		return backoffice.AuditHead{}, dbError(err)
	}
	return backoffice.AuditHead{Seq: head.Seq, Hash: head.Hash}, nil
}
