package backoffice

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// VendStore reads vends.
type VendStore interface {
	// Vend returns a vend with its tokens, or not_found; FindVends the vends a query selects,
	// newest first.
	Vend(ctx context.Context, id int64) (*core.Vend, error)
	FindVends(ctx context.Context, q core.VendQuery) ([]*core.Vend, error)
}

// ActionVendRead is the read of vends (the list of reversals).
const ActionVendRead Action = "vend.read"

// ReversedVendView is a vend as the list of reversals and the audit trail show it: never its
// tokens.
type ReversedVendView struct {
	ID          int64  `json:"id"`
	Reference   string `json:"reference"`
	Status      string `json:"status"`
	UtilityID   int64  `json:"utility_id"`
	AgentID     int64  `json:"agent_id"`
	Channel     string `json:"channel"`
	MeterNumber string `json:"meter_number"`
	Paid        int64  `json:"paid"`
	Currency    string `json:"currency"`
	SoldAt      string `json:"sold_at"`
	ReversedAt  string `json:"reversed_at,omitempty"`
	ReversedBy  string `json:"reversed_by,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// ReversedVendViewOf returns a vend's JSON form for reversals.
func ReversedVendViewOf(v *core.Vend) ReversedVendView {
	out := ReversedVendView{ID: v.ID, Reference: v.Reference, Status: string(v.Status), UtilityID: v.UtilityID, AgentID: v.AgentID,
		Channel: v.Channel, MeterNumber: v.MeterNumber, Paid: int64(v.Breakdown.Paid), Currency: v.Currency.Code,
		SoldAt: v.CreatedAt.UTC().Format(time.RFC3339), ReversedBy: v.ReversedBy, Reason: v.ReversalReason}
	if !v.ReversedAt.IsZero() {
		out.ReversedAt = v.ReversedAt.UTC().Format(time.RFC3339)
	}
	return out
}

func (s *Service) vendOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		v, err := s.store.Vend(ctx, id)
		if err != nil {
			return 0, found(err, core.ReasonVendNotFound, "id", "vend", id)
		}
		return v.UtilityID, nil
	}
}

// ReversedVends lists reversed vends, newest first: who reversed what, when and why. An actor
// limited to a utility sees its utility's only.
func (s *Service) ReversedVends(ctx context.Context, a Actor, q core.VendQuery) ([]ReversedVendView, error) {
	return read(ctx, s, a, PermVendsRead, ActionVendRead, func(ctx context.Context) ([]ReversedVendView, error) {
		var err error
		if q.UtilityID, err = s.listUtility(ctx, a, PermVendsRead, ActionVendRead, q.UtilityID); err != nil {
			return nil, err
		}
		q.Status = core.VendReversed
		vends, err := s.store.FindVends(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]ReversedVendView, len(vends))
		for i, v := range vends {
			out[i] = ReversedVendViewOf(v)
		}
		return out, nil
	})
}
