package backoffice

import (
	"context"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Reverser reverses vends: core's Vendor, which holds the rules of a reversal (the window, a
// token that reached the customer, the ledger entries that undo the vend).
type Reverser interface {
	Reverse(ctx context.Context, r core.ReversalRequest) (*core.Vend, error)
}

// WithReverser gives the back office the vendor it reverses vends with. Without it
// ReverseVend and the approval of a late reversal answer unavailable.
func WithReverser(r Reverser) Option { return func(s *Service) { s.reverser = r } }

// VendReader reads the vend an operator acts on.
type VendReader interface {
	// Vend returns a vend, or not_found.
	Vend(ctx context.Context, id int64) (*core.Vend, error)
}

// Reversal actions: a reversal inside the utility's window, and one past it, which the
// approval policy covers.
const (
	ActionVendReverse     Action = "vend.reverse"
	ActionVendReverseLate Action = "vend.reverse_late"
)

// VendView is a vend as the back office's audit trail records it: no token digits.
type VendView struct {
	ID          int64           `json:"id"`
	Reference   string          `json:"reference"`
	Channel     string          `json:"channel"`
	AgentID     int64           `json:"agent_id"`
	UtilityID   int64           `json:"utility_id"`
	MeterNumber string          `json:"meter_number"`
	Paid        core.Money      `json:"paid"`
	Currency    string          `json:"currency"`
	Status      core.VendStatus `json:"status"`
	CreatedAt   time.Time       `json:"created_at"`
	ReversedAt  *time.Time      `json:"reversed_at,omitempty"`
	ReversedBy  string          `json:"reversed_by,omitempty"`
	Reason      string          `json:"reversal_reason,omitempty"`
}

// ViewVend returns a vend's back-office view.
func ViewVend(v *core.Vend) VendView {
	out := VendView{ID: v.ID, Reference: v.Reference, Channel: v.Channel, AgentID: v.AgentID, UtilityID: v.UtilityID,
		MeterNumber: v.MeterNumber, Paid: v.Breakdown.Paid, Currency: v.Currency.Code, Status: v.Status,
		CreatedAt: v.CreatedAt.UTC(), ReversedBy: v.ReversedBy, Reason: v.ReversalReason}
	if !v.ReversedAt.IsZero() {
		t := v.ReversedAt.UTC()
		out.ReversedAt = &t
	}
	return out
}

func vendTarget(id int64) string { return "vend:" + itoa(id) }

// lateReversal is a reversal past the window's payload.
type lateReversal struct {
	VendID int64  `json:"vend_id"`
	Reason string `json:"reason"`
	// Maker is the operator who asked, whom the vend's record names.
	Maker string `json:"maker"`
}

// lateReversalGate: by default every reversal past the window waits for a second operator.
var lateReversalGate = newGate(ActionVendReverseLate, PermVendsReverse, ApprovalPolicy{Required: true}, (*Service).reverseLate)

// ReverseVend reverses a vend as an operator: at once inside the utility's reversal window;
// past it under the late reversal's approval policy, which weighs the amount paid (by default
// a second operator approves every one).
func (s *Service) ReverseVend(ctx context.Context, a Actor, vendID int64, reason string) (Result[VendView], error) {
	reason = strings.TrimSpace(reason)
	target := vendTarget(vendID)
	if err := s.allow(ctx, a, PermVendsReverse, ActionVendReverse, target); err != nil {
		return Result[VendView]{}, err
	}
	if s.reverser == nil {
		return Result[VendView]{}, errNoReverser()
	}
	v, err := s.store.Vend(ctx, vendID)
	if isNotFound(err) {
		return Result[VendView]{}, core.Errorf(core.CodeNotFound, core.ReasonVendNotFound, "vend %d does not exist", vendID).OnField("vend_id")
	}
	if err != nil {
		return Result[VendView]{}, storeError(err)
	}
	if err := s.inScope(ctx, a, PermVendsReverse, ActionVendReverse, target, v.UtilityID); err != nil {
		return Result[VendView]{}, err
	}
	var out Result[VendView]
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		r, err := s.reverser.Reverse(ctx, core.ReversalRequest{VendID: vendID, Reason: reason, Windowed: true, Operator: a.name})
		if err != nil {
			return err
		}
		out.Value = ViewVend(r)
		return s.audit(ctx, a, PermVendsReverse, ActionVendReverse, OutcomeDone, Change{Target: target, Before: ViewVend(v), After: out.Value, Detail: r.ReversalReason})
	})
	if e := core.AsError(err); e == nil || e.Reason != core.ReasonReversalWindowPassed {
		return out, storeError(err)
	}
	return lateReversalGate.submit(ctx, s, a, submission{target: target, utilityID: v.UtilityID, amount: v.Breakdown.Paid,
		summary: "reverse vend " + v.Reference + " of " + v.Currency.Format(v.Breakdown.Paid) + " sold " + v.CreatedAt.UTC().Format(time.RFC3339) + ", past the reversal window: " + reason},
		lateReversal{VendID: vendID, Reason: reason, Maker: a.name})
}

func (s *Service) reverseLate(ctx context.Context, p lateReversal) (VendView, Change, error) {
	if s.reverser == nil {
		return VendView{}, Change{}, errNoReverser()
	}
	before, err := s.store.Vend(ctx, p.VendID)
	if err != nil {
		return VendView{}, Change{}, err
	}
	r, err := s.reverser.Reverse(ctx, core.ReversalRequest{VendID: p.VendID, Reason: p.Reason, Operator: p.Maker})
	if err != nil {
		return VendView{}, Change{}, err
	}
	after := ViewVend(r)
	return after, Change{Target: vendTarget(p.VendID), Before: ViewVend(before), After: after, Detail: r.ReversalReason}, nil
}

func errNoReverser() error {
	return core.Errorf(core.CodeUnavailable, ReasonApprovalUnavailable, "this back office has no vendor to reverse vends with")
}
