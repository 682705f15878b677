package backoffice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// ApprovalStatus is where an approval request stands: pending, then approved (and run),
// rejected or expired, once.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	ApprovalExpired  ApprovalStatus = "expired"
)

// Known reports whether s is one of the statuses.
func (s ApprovalStatus) Known() bool {
	switch s {
	case ApprovalPending, ApprovalApproved, ApprovalRejected, ApprovalExpired:
		return true
	}
	return false
}

// ApprovalRequest is an action that waits for a second operator (four eyes): what it does (the
// action, the permission both operators need, the record, its JSON payload and the payload's
// SHA-256, the amount the policy weighed), who asked and when, until when it waits, and who
// decided. Approving it runs the action from the stored payload, once.
type ApprovalRequest struct {
	ID          int64
	Action      Action
	Permission  Permission
	Target      string
	UtilityID   int64 // the utility of the record; 0 for none
	Summary     string
	Payload     []byte // JSON
	PayloadHash string // hex SHA-256 of Payload
	Amount      core.Money
	MakerID     int64
	MakerName   string
	CheckerID   int64 // 0 until decided; 0 too when it expired
	CheckerName string
	Status      ApprovalStatus
	Reason      string // why it was rejected
	CreatedAt   time.Time
	ExpiresAt   time.Time
	DecidedAt   time.Time // zero while pending
}

// ApprovalView is a request as lists, the API and the audit trail show it.
type ApprovalView struct {
	ID          int64           `json:"id"`
	Action      Action          `json:"action"`
	Permission  Permission      `json:"permission"`
	Target      string          `json:"target"`
	UtilityID   int64           `json:"utility_id,omitempty"`
	Summary     string          `json:"summary"`
	Payload     json.RawMessage `json:"payload"`
	PayloadHash string          `json:"payload_sha256"`
	Amount      core.Money      `json:"amount"`
	Maker       string          `json:"maker"`
	Checker     string          `json:"checker,omitempty"`
	Status      ApprovalStatus  `json:"status"`
	Reason      string          `json:"reason,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	ExpiresAt   time.Time       `json:"expires_at"`
	DecidedAt   *time.Time      `json:"decided_at,omitempty"`
}

// View returns the request's JSON form.
func (r ApprovalRequest) View() ApprovalView {
	v := ApprovalView{ID: r.ID, Action: r.Action, Permission: r.Permission, Target: r.Target, UtilityID: r.UtilityID,
		Summary: r.Summary, Payload: json.RawMessage(r.Payload), PayloadHash: r.PayloadHash, Amount: r.Amount,
		Maker: r.MakerName, Checker: r.CheckerName, Status: r.Status, Reason: r.Reason,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if len(r.Payload) == 0 {
		v.Payload = nil // an empty RawMessage does not encode
	}
	if !r.DecidedAt.IsZero() {
		t := r.DecidedAt.UTC()
		v.DecidedAt = &t
	}
	return v
}

// Result is what an action under the approval policy did: it ran at once (Value), or it waits
// for a second operator (Pending, and Value is the zero value).
type Result[T any] struct {
	Value   T
	Pending *ApprovalRequest
}

// Done reports whether the action ran.
func (r Result[T]) Done() bool { return r.Pending == nil }

// ApprovalDecision moves a pending request on: to approved or rejected while it has not expired
// at At, to expired once it has.
type ApprovalDecision struct {
	ID          int64
	Status      ApprovalStatus
	CheckerID   int64
	CheckerName string
	Reason      string
	At          time.Time
}

// ApprovalQuery selects approval requests, by ID.
type ApprovalQuery struct {
	Status    ApprovalStatus // "" for any
	UtilityID int64          // 0 for any
	DueBy     time.Time      // only requests expiring at or before it; zero for any
	AfterID   int64
	Limit     int // 1 to MaxApprovalPage
}

// MaxApprovalPage bounds the requests one read returns.
const MaxApprovalPage = 500

// ApprovalStore keeps approval requests and policies.
type ApprovalStore interface {
	ApprovalPolicyStore
	// CreateApproval stores a new request and sets its ID.
	CreateApproval(ctx context.Context, r *ApprovalRequest) error
	// Approval returns a request, or not_found.
	Approval(ctx context.Context, id int64) (ApprovalRequest, error)
	// DecideApproval moves the request from pending to d.Status with one conditional update (to
	// expired only when it expires at or before d.At; to anything else only when it expires
	// after): claimed is false, and nothing changes, when it is not in that state, so that of
	// concurrent decisions exactly one is claimed.
	DecideApproval(ctx context.Context, d ApprovalDecision) (claimed bool, err error)
	// Approvals returns the requests q selects, by ID.
	Approvals(ctx context.Context, q ApprovalQuery) ([]ApprovalRequest, error)
}

// The reasons of approvals.
const (
	ReasonInvalidPolicy       core.Reason = "invalid_approval_policy"
	ReasonApprovalNotFound    core.Reason = "approval_not_found"
	ReasonApprovalNotPending  core.Reason = "approval_not_pending" // approved, rejected or expired already
	ReasonApprovalExpired     core.Reason = "approval_expired"
	ReasonOwnApproval         core.Reason = "own_approval" // the maker of a request cannot approve it
	ReasonInvalidApproval     core.Reason = "invalid_approval"
	ReasonApprovalPayload     core.Reason = "approval_payload_altered"
	ReasonApprovalUnavailable core.Reason = "approval_unavailable" // what the action needs is not configured (a vendor to reverse with)
)

var approvalReasons = map[core.Reason]core.Code{
	ReasonInvalidPolicy:       core.CodeInvalid,
	ReasonApprovalNotFound:    core.CodeNotFound,
	ReasonApprovalNotPending:  core.CodeConflict,
	ReasonApprovalExpired:     core.CodeConflict,
	ReasonOwnApproval:         core.CodeForbidden,
	ReasonInvalidApproval:     core.CodeInvalid,
	ReasonApprovalPayload:     core.CodeInternal,
	ReasonApprovalUnavailable: core.CodeUnavailable,
}

func init() { reasonLists = append(reasonLists, approvalReasons) }

// Approval actions. Approving, rejecting and expiring a request are audited under the request's
// own action (with the outcome approved, rejected or expired), so that one action's entries tell
// its whole story; these name the reads.
const (
	ActionApprovalsRead      Action = "approval.read"
	ActionApprovalPolicyRead Action = "approval.policy_read"
)

// submission is what a covered use case tells its gate about one request.
type submission struct {
	target    string
	utilityID int64
	amount    core.Money // what the policy's threshold weighs
	summary   string     // one line for the queue and the audit trail
}

// submit runs p at once when the policy lets it (audited done), or stores an approval request
// for a second operator (audited requested). The caller has checked the maker's permission and
// scope, and p's fields.
func (g gate[P, T]) submit(ctx context.Context, s *Service, a Actor, sub submission, p P) (Result[T], error) {
	var out Result[T]
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		pol, err := s.policy(ctx, g.action)
		if err != nil {
			return err
		}
		if !pol.Needs(sub.amount) {
			v, ch, err := g.run(s, ctx, p)
			if err != nil {
				return err
			}
			out.Value = v
			return s.audit(ctx, a, g.perm, g.action, OutcomeDone, ch)
		}
		payload, err := json.Marshal(p)
		if err != nil {
			return core.Internal(err, "encoding the request's payload")
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		r := ApprovalRequest{Action: g.action, Permission: g.perm, Target: sub.target, UtilityID: sub.utilityID,
			Summary: sub.summary, Payload: payload, PayloadHash: payloadHash(payload), Amount: sub.amount,
			MakerID: a.id, MakerName: a.name, Status: ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(pol.expiry())}
		if err := s.store.CreateApproval(ctx, &r); err != nil {
			return err
		}
		out.Pending = &r
		return s.audit(ctx, a, g.perm, g.action, OutcomeRequested, Change{Target: r.Target, After: r.View(),
			Detail: "waits for a second operator until " + r.ExpiresAt.Format(time.RFC3339) + ": " + r.Summary, ApprovalID: r.ID})
	})
	return out, storeError(err)
}

func payloadHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Approve approves a pending request as its checker and runs its action from the stored
// payload, in one transaction with the decision and the audit entry (outcome approved, naming
// maker and checker). The checker needs the request's permission, may not be its maker, and the
// request must not have expired (an expired one is marked so and refused). Of concurrent
// approvals exactly one runs the action; the others are refused as not pending. When the action
// fails (a float that no longer covers a debit) nothing changes and the request stays pending.
func (s *Service) Approve(ctx context.Context, checker Actor, id int64) (ApprovalRequest, error) {
	r, err := s.decidable(ctx, checker, id, true)
	if err != nil {
		return r, err
	}
	ap, ok := approvables[r.Action]
	if !ok {
		return r, core.Internal(nil, "approval request "+itoa(id)+" is for "+string(r.Action)+", which this version cannot run")
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		claimed, err := s.store.DecideApproval(ctx, ApprovalDecision{ID: id, Status: ApprovalApproved,
			CheckerID: checker.id, CheckerName: checker.name, At: now})
		if err != nil {
			return err
		}
		if !claimed {
			return errNotPending(ctx, s, id)
		}
		if r, err = s.store.Approval(ctx, id); err != nil {
			return err
		}
		if payloadHash(r.Payload) != r.PayloadHash {
			return core.Errorf(core.CodeInternal, ReasonApprovalPayload, "approval request %d: its payload does not match its SHA-256; it was altered and does not run", id)
		}
		ch, err := ap.run(ctx, s, r.Payload)
		if err != nil {
			return err
		}
		ch.ApprovalID = id
		ch.Detail = joinDetail("approved by "+checker.name+"; requested by "+r.MakerName, ch.Detail)
		return s.audit(ctx, checker, r.Permission, r.Action, OutcomeApproved, ch)
	})
	return r, storeError(err)
}

// Reject turns a pending request down, with a reason; it never runs. The maker may withdraw
// their own request this way.
func (s *Service) Reject(ctx context.Context, checker Actor, id int64, reason string) (ApprovalRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		return ApprovalRequest{}, core.Errorf(core.CodeInvalid, ReasonInvalidApproval, "a rejection needs a reason of 1 to 200 characters").OnField("reason")
	}
	r, err := s.decidable(ctx, checker, id, false)
	if err != nil {
		return r, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		claimed, err := s.store.DecideApproval(ctx, ApprovalDecision{ID: id, Status: ApprovalRejected,
			CheckerID: checker.id, CheckerName: checker.name, Reason: reason, At: now})
		if err != nil {
			return err
		}
		if !claimed {
			return errNotPending(ctx, s, id)
		}
		if r, err = s.store.Approval(ctx, id); err != nil {
			return err
		}
		who := "rejected by " + checker.name
		if r.madeBy(checker) {
			who = "withdrawn by its maker"
		}
		return s.audit(ctx, checker, r.Permission, r.Action, OutcomeRejected, Change{Target: r.Target,
			Before: r.View(), Detail: who + "; requested by " + r.MakerName + ": " + reason, ApprovalID: id})
	})
	return r, storeError(err)
}

// madeBy reports whether a is the request's maker (only operators make requests).
func (r ApprovalRequest) madeBy(a Actor) bool { return a.kind == ActorOperator && a.id == r.MakerID }

// decidable reads request id and checks that checker may decide it now: the request's
// permission and scope (refusals audited), for an approval not its maker (audited), pending
// and not expired (an expired request is marked expired, audited, and refused).
func (s *Service) decidable(ctx context.Context, checker Actor, id int64, approving bool) (ApprovalRequest, error) {
	r, err := s.store.Approval(ctx, id)
	if isNotFound(err) {
		return r, core.Errorf(core.CodeNotFound, ReasonApprovalNotFound, "approval request %d does not exist", id)
	}
	if err != nil {
		return r, storeError(err)
	}
	if err := s.allow(ctx, checker, r.Permission, r.Action, r.Target); err != nil {
		return r, err
	}
	if err := s.inScope(ctx, checker, r.Permission, r.Action, r.Target, r.UtilityID); err != nil {
		return r, err
	}
	if approving && r.madeBy(checker) {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			return s.audit(ctx, checker, r.Permission, r.Action, OutcomeDenied, Change{Target: r.Target,
				Detail: "the maker of approval request " + itoa(id) + " may not approve it", ApprovalID: id})
		})
		if err != nil {
			return r, storeError(err)
		}
		return r, core.Errorf(core.CodeForbidden, ReasonOwnApproval, "approval request %d was made by %s: a second operator must approve it", id, r.MakerName)
	}
	if r.Status != ApprovalPending {
		return r, core.Errorf(core.CodeConflict, ReasonApprovalNotPending, "approval request %d is %s already", id, r.Status)
	}
	if now := s.now(); !now.Before(r.ExpiresAt) {
		if _, err := s.expire(ctx, r, now); err != nil {
			return r, err
		}
		return r, core.Errorf(core.CodeConflict, ReasonApprovalExpired, "approval request %d expired at %s", id, r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return r, nil
}

// errNotPending is the answer to a decision that lost its claim: the request was decided (or
// expired) since it was read.
func errNotPending(ctx context.Context, s *Service, id int64) error {
	r, err := s.store.Approval(ctx, id)
	if err != nil {
		return err
	}
	if r.Status == ApprovalPending {
		return core.Errorf(core.CodeConflict, ReasonApprovalExpired, "approval request %d expired at %s", id, r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return core.Errorf(core.CodeConflict, ReasonApprovalNotPending, "approval request %d is %s already", id, r.Status)
}

// expire marks a due request expired and audits it as Vendgate's, in a transaction of its own;
// claimed is false when it was decided or expired meanwhile.
func (s *Service) expire(ctx context.Context, r ApprovalRequest, now time.Time) (claimed bool, err error) {
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		claimed, err = s.store.DecideApproval(ctx, ApprovalDecision{ID: r.ID, Status: ApprovalExpired, At: now.UTC().Truncate(time.Microsecond)})
		if err != nil || !claimed {
			return err
		}
		return s.audit(ctx, systemActor("approval expiry"), r.Permission, r.Action, OutcomeExpired, Change{Target: r.Target,
			Before: r.View(), Detail: "not approved by " + r.ExpiresAt.UTC().Format(time.RFC3339) + "; requested by " + r.MakerName, ApprovalID: r.ID})
	})
	return claimed, storeError(err)
}

// ExpireApprovals marks every pending request whose time has passed expired, each with its audit
// entry, and returns how many it expired. A scheduler calls it; requests found expired by
// Approve or Reject are expired there too.
func (s *Service) ExpireApprovals(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	for {
		due, err := s.store.Approvals(ctx, ApprovalQuery{Status: ApprovalPending, DueBy: now, Limit: MaxApprovalPage})
		if err != nil {
			return n, storeError(err)
		}
		for _, r := range due {
			claimed, err := s.expire(ctx, r, now)
			if err != nil {
				return n, err
			}
			if claimed {
				n++
			}
		}
		if len(due) < MaxApprovalPage {
			return n, nil
		}
	}
}

// Approvals returns a page of approval requests (status "" for all), by ID; an operator of one
// utility sees that utility's.
func (s *Service) Approvals(ctx context.Context, a Actor, status ApprovalStatus, afterID int64, limit int) ([]ApprovalRequest, error) {
	return read(ctx, s, a, PermApprovalsRead, ActionApprovalsRead, func(ctx context.Context) ([]ApprovalRequest, error) {
		switch {
		case status != "" && !status.Known():
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidApproval, "status %q: pending, approved, rejected or expired", status).OnField("status")
		case afterID < 0:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidApproval, "the page cursor must be a request's ID").OnField("after")
		}
		if limit <= 0 || limit > MaxApprovalPage {
			limit = MaxApprovalPage
		}
		return s.store.Approvals(ctx, ApprovalQuery{Status: status, UtilityID: a.UtilityID(), AfterID: afterID, Limit: limit})
	})
}

// Approval returns one request.
func (s *Service) Approval(ctx context.Context, a Actor, id int64) (ApprovalRequest, error) {
	return read(ctx, s, a, PermApprovalsRead, ActionApprovalsRead, func(ctx context.Context) (ApprovalRequest, error) {
		r, err := s.store.Approval(ctx, id)
		if isNotFound(err) || err == nil && !a.InUtility(r.UtilityID) {
			return ApprovalRequest{}, core.Errorf(core.CodeNotFound, ReasonApprovalNotFound, "approval request %d does not exist", id)
		}
		return r, err
	})
}

// joinDetail joins the parts of an audit entry's detail that are not empty.
func joinDetail(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
