package backoffice

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// MeterStatusChange is one change of a meter's vending status (active, blocked,
// decommissioned): every change carries a reason and the actor who made it. The reason is also
// the meter's status reason, which a blocked meter's refused vend names.
type MeterStatusChange struct {
	ID          int64            `json:"id"`
	MeterID     int64            `json:"meter_id"`
	MeterNumber string           `json:"meter_number"`
	From        core.MeterStatus `json:"from"`
	To          core.MeterStatus `json:"to"`
	Reason      string           `json:"reason"`
	Actor       string           `json:"actor"`
	At          time.Time        `json:"at"`
}

// MeterStatusStore keeps meters' status changes.
type MeterStatusStore interface {
	// ChangeMeterStatus moves a meter from ch.From to ch.To (as core.CheckMeterStatusChange
	// allows) with ch.Reason as its status reason, and records the change; a meter no longer in
	// ch.From is a stale conflict. It sets ch.ID.
	ChangeMeterStatus(ctx context.Context, ch *MeterStatusChange) error
	// MeterStatusChanges returns a meter's status changes, oldest first.
	MeterStatusChanges(ctx context.Context, meterID int64) ([]MeterStatusChange, error)
}

// ActionMeterStatusRead names the read of a meter's status changes.
const ActionMeterStatusRead Action = "meter.status_read"

// changeMeterStatus changes a meter's status with a reason, as the actor named, in the caller's
// transaction.
func (s *Service) changeMeterStatus(ctx context.Context, m MeterStock, to core.MeterStatus, reason, actor string) (MeterStatusChange, error) {
	if err := core.CheckMeterStatusChange(m.Number, m.Status, to); err != nil {
		return MeterStatusChange{}, err
	}
	ch := MeterStatusChange{MeterID: m.MeterID, MeterNumber: m.Number, From: m.Status, To: to, Reason: reason, Actor: actor,
		At: s.now().UTC().Truncate(time.Microsecond)}
	return ch, s.store.ChangeMeterStatus(ctx, &ch)
}

// MeterStatusHistory returns a meter's status changes, oldest first.
func (s *Service) MeterStatusHistory(ctx context.Context, a Actor, number string) ([]MeterStatusChange, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterStatusRead, func(ctx context.Context) ([]MeterStatusChange, error) {
		m, err := s.meterStock(ctx, a, number)
		if err != nil {
			return nil, err
		}
		return s.store.MeterStatusChanges(ctx, m.MeterID)
	})
}
