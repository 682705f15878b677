package backoffice

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Store is what the back office needs from storage. InTx runs fn in one transaction: every
// store method called with the ctx fn receives joins it, so an action's change and its audit
// entry commit together or not at all.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AuditStore
	RoleStore
	OperatorStore
	AccessStore
	ApprovalStore
	AgentMoneyStore
	VendReader
	OrganisationStore
	TariffVersionStore
	ParameterStore
	EngineeringStore
	InventoryStore // meter storage and imports
	ContractStore
	RecordStore
	ExchangeStore      // meter exchanges and the periods of contracts
	ReadingStore       // meter readings, consumption and its exceptions
	TamperStore        // tamper cases and their orders
	MeterStatusStore   // a meter's status changes, each with its reason and actor
	DebtStore          // customers' debts in the ledger
	RefundStore        // refunds for credit not used
	ChargeStore        // the catalogue of charges and customers' charges
	AgentContractStore // agentcontract.go
	SalesLimitStore    // saleslimit.go
	CommissionStore    // commission.go
}

// Service is the back office: one method per operator use case.
type Service struct {
	store Store
	now   func() time.Time
	cost  argonCost
	// sessionIdle and sessionMax bound a session: idle since its last request, and since sign-in.
	sessionIdle, sessionMax time.Duration
	// reverser reverses vends (WithReverser); nil leaves reversals unavailable.
	reverser Reverser
	// issuer encodes engineering tokens (WithTokenIssuer); nil refuses to issue them.
	issuer core.TokenIssuer
	deps   recordDeps
}

// Option configures New.
type Option func(*Service)

// WithClock sets the clock the audit trail, sessions and approvals read.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithCheapPasswords makes new password hashes cheap (one pass over 64 KiB) for tests that
// create many operators; stored hashes keep their own cost. Never in production.
func WithCheapPasswords() Option { return func(s *Service) { s.cost = argonCost{time: 1, memory: 64} } }

// New returns the back office over a store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, cost: defaultArgonCost, sessionIdle: defaultSessionIdle, sessionMax: defaultSessionMax}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Change is what an action did, for its audit entry: the record it touched and the record before
// and after (any JSON-encodable view with no secrets; nil when there is none).
type Change struct {
	Target        string
	Before, After any
	Detail        string
	ApprovalID    int64
}

// act runs an action: it checks the actor holds perm, then runs fn and appends the action's
// audit entry in one transaction. A refusal — the permission missing, or fn's forbidden error (a
// record out of the actor's scope, a role the actor may not grant) — changes nothing and is
// audited in a transaction of its own.
func act[T any](ctx context.Context, s *Service, a Actor, perm Permission, action Action,
	fn func(ctx context.Context) (T, Change, error)) (T, error) {
	if err := s.allow(ctx, a, perm, action, ""); err != nil {
		var zero T
		return zero, err
	}
	return change(ctx, s, a, perm, action, fn)
}

// storeError gives every error a Service method returns core's vocabulary.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	return core.StoreError(err)
}

// read runs a read-only use case: the permission is checked (a refusal is audited) but a read
// leaves no entry.
func read[T any](ctx context.Context, s *Service, a Actor, perm Permission, action Action, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	if err := s.allow(ctx, a, perm, action, ""); err != nil {
		return out, err
	}
	out, err := fn(ctx)
	return out, storeError(err)
}

// allow returns nil if the actor holds perm; otherwise it audits the refusal and returns a
// forbidden error naming the permission.
func (s *Service) allow(ctx context.Context, a Actor, perm Permission, action Action, target string) error {
	if a.Can(perm) {
		return nil
	}
	detail := "lacks " + string(perm)
	if _, held := slices.BinarySearch(a.perms, perm); held {
		detail = string(perm) + " needs a sign-in with a second factor"
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, a, perm, action, OutcomeDenied, Change{Target: target, Detail: detail})
	})
	if err != nil {
		return err
	}
	return errPermissionDenied(action, perm)
}

// inScope returns nil if the actor may act on records of the utility; otherwise it audits the
// refusal and returns a forbidden error. Inside act's fn the entry rolls back with the action and
// act audits the refusal again, once, after the rollback.
func (s *Service) inScope(ctx context.Context, a Actor, perm Permission, action Action, target string, utilityID int64) error {
	if a.InUtility(utilityID) {
		return nil
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, a, perm, action, OutcomeDenied, Change{Target: target, Detail: "outside the operator's utility"})
	})
	if err != nil {
		return err
	}
	return core.Errorf(core.CodeForbidden, ReasonOutOfScope, "%s belongs to another utility", target)
}

// record appends the audit entry of an action that changed nothing in the store (a read worth
// recording: an export, a verification) in a transaction of its own.
func (s *Service) record(ctx context.Context, a Actor, perm Permission, action Action, ch Change) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, a, perm, action, OutcomeDone, ch)
	})
}

// audit appends one entry for the actor's action, inside the caller's transaction.
func (s *Service) audit(ctx context.Context, a Actor, perm Permission, action Action, outcome Outcome, ch Change) error {
	before, err := snapshot(ch.Before)
	if err != nil {
		return err
	}
	after, err := snapshot(ch.After)
	if err != nil {
		return err
	}
	e := AuditEntry{
		At: s.now().UTC().Truncate(time.Microsecond), ActorKind: a.kind, ActorID: a.id, ActorName: a.name,
		Via: a.via, From: a.from, Action: action, Permission: perm, Target: ch.Target, Outcome: outcome,
		Detail: ch.Detail, Before: before, After: after, ApprovalID: ch.ApprovalID,
	}
	return s.store.AppendAudit(ctx, &e)
}

// snapshot encodes a record for the audit trail; nil stays nil.
func snapshot(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, core.Internal(err, "encoding a record for the audit trail")
	}
	return b, nil
}
