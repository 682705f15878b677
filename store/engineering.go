package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var (
	_ core.EngineeringStore = (*DB)(nil)
	_ core.EngineeringTx    = (*engineeringTx)(nil)
)

// engineeringTokenRow is a row of engineering_tokens. The token is kept as vend_tokens keep
// theirs: its 20 digits.
type engineeringTokenRow struct {
	bun.BaseModel `bun:"table:engineering_tokens,alias:et"`

	ID          int64     `bun:"id,pk,autoincrement"`
	MeterID     int64     `bun:"meter_id"`
	MeterNumber string    `bun:"meter_number"`
	UtilityID   int64     `bun:"utility_id"`
	Class       int16     `bun:"class"`
	Subclass    int16     `bun:"subclass"`
	Value       int64     `bun:"value"`
	Token       string    `bun:"token"`
	TID         int64     `bun:"tid"`
	Reason      string    `bun:"reason"`
	RequestedBy string    `bun:"requested_by"`
	CreatedAt   time.Time `bun:"created_at"`
}

func fromEngineeringToken(t *core.EngineeringToken) engineeringTokenRow {
	return engineeringTokenRow{
		ID: t.ID, MeterID: t.MeterID, MeterNumber: t.MeterNumber, UtilityID: t.UtilityID, Class: int16(t.Kind.Class),
		Subclass: int16(t.Kind.Subclass), Value: int64(t.Value), Token: t.Token.String(), TID: int64(t.TID),
		Reason: t.Reason, RequestedBy: t.RequestedBy, CreatedAt: t.CreatedAt.UTC(),
	}
}

// engineeringTx is core.EngineeringTx on one transaction: the meter is locked and its counters
// written by the vend transaction's own statements, so both paths take one lock and one counter.
type engineeringTx struct {
	vend vendTx
	tx   bun.Tx
}

// InEngineeringTx runs fn in one transaction, or in the one ctx carries (the back office's InTx).
func (db *DB) InEngineeringTx(ctx context.Context, fn func(ctx context.Context, tx core.EngineeringTx) error) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, &engineeringTx{vend: vendTx{db: db, tx: tx.Tx}, tx: tx})
	})
}

// LockMeter locks the meter's row as LockMeters does for a vend.
func (t *engineeringTx) LockMeter(ctx context.Context, id int64) (core.MeterState, error) {
	ms, err := t.vend.LockMeters(ctx, []int64{id})
	if err != nil {
		return core.MeterState{}, err
	}
	return ms[id], nil
}

// AddEngineeringToken records the token, sets its ID, and writes the meter's counters when given.
func (t *engineeringTx) AddEngineeringToken(ctx context.Context, et *core.EngineeringToken, counters *core.MeterCounters) error {
	r := fromEngineeringToken(et)
	if _, err := t.tx.NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	et.ID = r.ID
	if counters == nil {
		return nil
	}
	return t.vend.updateCounters(ctx, map[int64]core.MeterCounters{et.MeterID: *counters})
}

// toEngineeringKind is a stored class and subclass as a token kind.
func toEngineeringKind(class, subclass int16) sts.Kind {
	return sts.Kind{Class: sts.Class(class), Subclass: uint8(subclass)}
}
