package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var _ backoffice.MeterTokenStore = (*DB)(nil)

// tokenHistoryRow is one token of a meter's history: a vend's (vend_tokens with its vend) or an
// engineering token, with its reprint count.
type tokenHistoryRow struct {
	Source      string    `bun:"source"`
	RecordID    int64     `bun:"record_id"`
	Seq         int64     `bun:"seq"`
	MeterID     int64     `bun:"meter_id"`
	MeterNumber string    `bun:"meter_number"`
	UtilityID   int64     `bun:"utility_id"`
	Purpose     string    `bun:"purpose"`
	Class       int16     `bun:"class"`
	Subclass    int16     `bun:"subclass"`
	Token       string    `bun:"token"`
	TID         int64     `bun:"tid"`
	Energy      int64     `bun:"energy"`
	Value       int64     `bun:"value"`
	Paid        int64     `bun:"paid"`
	Currency    string    `bun:"currency"`
	Channel     string    `bun:"channel"`
	AgentID     int64     `bun:"agent_id"`
	Reference   string    `bun:"reference"`
	Status      string    `bun:"status"`
	RequestedBy string    `bun:"requested_by"`
	Reason      string    `bun:"reason"`
	At          time.Time `bun:"at"`
	Reprints    int64     `bun:"reprints"`
}

// The two halves of a meter's token history, each completed by a WHERE clause. A vend's payment
// is shown on its credit token only; voided keys have no tokens, and are left out all the same.
const (
	vendTokensSelect = `SELECT 'vend' AS source, v.id AS record_id, vt.seq AS seq, v.meter_id AS meter_id,
		v.meter_number AS meter_number, v.utility_id AS utility_id, vt.purpose AS purpose, vt.class AS class,
		vt.subclass AS subclass, vt.token AS token, vt.tid AS tid, vt.energy AS energy, 0 AS value,
		CASE WHEN vt.purpose = 'credit' THEN v.paid ELSE 0 END AS paid, v.currency AS currency, v.channel AS channel,
		v.agent_id AS agent_id, v.reference AS reference, v.status AS status, '' AS requested_by, '' AS reason,
		v.created_at AS at, COALESCE(r.count, 0) AS reprints
		FROM vend_tokens AS vt JOIN vends AS v ON v.id = vt.vend_id
		LEFT JOIN token_reprints AS r ON r.source = 'vend' AND r.record_id = v.id AND r.seq = vt.seq
		WHERE v.status <> 'voided' AND `
	engineeringTokensSelect = `SELECT 'engineering' AS source, e.id AS record_id, 1 AS seq, e.meter_id AS meter_id,
		e.meter_number AS meter_number, e.utility_id AS utility_id, 'engineering' AS purpose, e.class AS class,
		e.subclass AS subclass, e.token AS token, e.tid AS tid, 0 AS energy, e.value AS value, 0 AS paid,
		'' AS currency, '' AS channel, 0 AS agent_id, '' AS reference, '' AS status, e.requested_by AS requested_by,
		e.reason AS reason, e.created_at AS at, COALESCE(r.count, 0) AS reprints
		FROM engineering_tokens AS e
		LEFT JOIN token_reprints AS r ON r.source = 'engineering' AND r.record_id = e.id AND r.seq = 1
		WHERE `
)

// TokenHistory returns a meter's tokens, vends' and engineering tokens together, newest first.
func (db *DB) TokenHistory(ctx context.Context, meterID int64, offset, limit int) ([]backoffice.MeterTokenRecord, error) {
	q := vendTokensSelect + "v.meter_id = ? UNION ALL " + engineeringTokensSelect + "e.meter_id = ? " +
		"ORDER BY at DESC, source DESC, record_id DESC, seq DESC LIMIT ? OFFSET ?"
	var rows []tokenHistoryRow
	if err := db.idb(ctx).NewRaw(q, meterID, meterID, limit, offset).Scan(ctx, &rows); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterTokenRecord, len(rows))
	for i, r := range rows {
		rec, err := toTokenRecord(r)
		if err != nil {
			return nil, err
		}
		out[i] = rec
	}
	return out, nil
}

// MeterTokenRecord returns one token of a vend or one engineering token, or core.ErrNotFound.
func (db *DB) MeterTokenRecord(ctx context.Context, ref backoffice.MeterTokenRef) (backoffice.MeterTokenRecord, error) {
	var (
		rows []tokenHistoryRow
		err  error
	)
	switch ref.Source {
	case backoffice.SourceVend:
		err = db.idb(ctx).NewRaw(vendTokensSelect+"v.id = ? AND vt.seq = ?", ref.ID, ref.Seq).Scan(ctx, &rows)
	case backoffice.SourceEngineering:
		err = db.idb(ctx).NewRaw(engineeringTokensSelect+"e.id = ?", ref.ID).Scan(ctx, &rows)
	default:
		return backoffice.MeterTokenRecord{}, core.ErrNotFound
	}
	if err != nil {
		return backoffice.MeterTokenRecord{}, dbError(err)
	}
	if len(rows) == 0 {
		return backoffice.MeterTokenRecord{}, core.ErrNotFound
	}
	return toTokenRecord(rows[0])
}

// CountReprint adds one to a token's reprint counter (the row is made by the first reprint) and
// returns the new count.
func (db *DB) CountReprint(ctx context.Context, ref backoffice.MeterTokenRef, at time.Time, by string) (int64, error) {
	var n int64
	err := db.idb(ctx).NewRaw(`INSERT INTO token_reprints (source, record_id, seq, count, last_at, last_by) VALUES (?, ?, ?, 1, ?, ?)
		ON CONFLICT (source, record_id, seq) DO UPDATE SET count = token_reprints.count + 1,
		last_at = excluded.last_at, last_by = excluded.last_by
		RETURNING count`, string(ref.Source), ref.ID, ref.Seq, at.UTC(), by).Scan(ctx, &n)
	return n, dbError(err)
}

func toTokenRecord(r tokenHistoryRow) (backoffice.MeterTokenRecord, error) {
	tok, err := sts.ParseToken(r.Token)
	if err != nil {
		return backoffice.MeterTokenRecord{}, corrupt(r.Source+" token of record", r.RecordID, err)
	}
	if r.Value < 0 || r.TID < 0 || r.TID > int64(sts.MaxTID) {
		return backoffice.MeterTokenRecord{}, corrupt(r.Source+" token of record", r.RecordID, fmt.Errorf("value %d, TID %d", r.Value, r.TID))
	}
	return backoffice.MeterTokenRecord{
		Ref:     backoffice.MeterTokenRef{Source: backoffice.TokenSource(r.Source), ID: r.RecordID, Seq: int(r.Seq)},
		MeterID: r.MeterID, MeterNumber: r.MeterNumber, UtilityID: r.UtilityID, Purpose: core.TokenPurpose(r.Purpose),
		Kind: toEngineeringKind(r.Class, r.Subclass), Token: tok, TID: sts.TID(r.TID), Energy: core.Energy(r.Energy),
		Value: uint64(r.Value), Paid: core.Money(r.Paid), Currency: r.Currency, Channel: r.Channel, AgentID: r.AgentID,
		Reference: r.Reference, Status: r.Status, RequestedBy: r.RequestedBy, Reason: r.Reason, At: r.At.UTC(),
		Reprints: r.Reprints,
	}, nil
}
