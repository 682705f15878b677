package core

import (
	"context"
	"errors"
	"time"

	"github.com/vendgate/vendgate/sts"
)

// CreditTransfer asks for a credit token that carries credit the customer paid for already onto
// a meter, outside any sale: the credit left on a meter that was exchanged, as the operator read
// it from the old meter's display. No money moves, so it writes no ledger entry.
type CreditTransfer struct {
	MeterID   int64
	UtilityID int64 // the meter's utility, as the record names it
	// Energy is the credit to carry, in tenths of the meter's unit (the token's own unit).
	Energy Energy
	// Reason says why the credit is carried (the back office's reason line); recorded as given.
	Reason string
	// Actor says who asked, as the caller names them ("operator:7 thandi"); recorded as given.
	Actor string
}

// TransferCredit makes a credit token (class 0, of the meter's kind) carrying req.Energy for a
// meter and records it as an engineering token with its reason, in one transaction (the
// caller's, when ctx carries one): the meter's row locked as a vend locks it and the TID taken
// from its counter, as Issue does. A token carries some amounts only in steps (above 1 638.3
// units); the token carries the least amount not below the credit, so that the customer never
// loses what they paid for, and the record's Value is what it carries. A decommissioned or
// blocked meter, or one with a key change pending, is refused.
func (e *Engineer) TransferCredit(ctx context.Context, req CreditTransfer) (*EngineeringToken, error) {
	switch {
	case req.Actor == "":
		return nil, Internal(errors.New("no actor"), "transferring credit without saying who asked")
	case req.Energy <= 0:
		return nil, Errorf(CodeInvalid, ReasonInvalidAmount, "the credit to carry must be above 0").OnField("energy")
	}
	raw, carried, err := sts.EncodeAmount(uint64(req.Energy), sts.RoundUp)
	if err != nil {
		return nil, Errorf(CodeInvalid, ReasonInvalidAmount, "%s is above the most a token carries", req.Energy).OnField("energy")
	}
	t := &EngineeringToken{MeterID: req.MeterID, UtilityID: req.UtilityID, Value: carried, Reason: req.Reason,
		RequestedBy: req.Actor, CreatedAt: e.Clock().UTC().Truncate(time.Second)}
	err = e.Store.InEngineeringTx(ctx, func(ctx context.Context, tx EngineeringTx) error {
		st, err := tx.LockMeter(ctx, req.MeterID)
		if err != nil {
			return err
		}
		m := st.Meter
		switch m.Status {
		case MeterActive:
		case MeterBlocked:
			return Errorf(CodeInvalid, ReasonMeterBlocked, "meter %s is blocked: it takes no credit", m.Number)
		default:
			return Errorf(CodeInvalid, ReasonMeterDecommissioned, "meter %s is %s: it takes no credit", m.Number, m.Status)
		}
		t.MeterNumber, t.Kind = m.Number, m.Kind.CreditKind()
		return e.encrypted(ctx, tx, st, t, raw)
	})
	if err != nil {
		return nil, StoreError(err)
	}
	return t, nil
}
