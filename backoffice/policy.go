package backoffice

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// ApprovalPolicy says of one action whether a second operator must approve it (four eyes),
// above which amount, and how long a request waits for them. Each action the policy covers
// registers its default (newGate); a utility changes it with SetApprovalPolicy.
type ApprovalPolicy struct {
	Action     Action
	Permission Permission // what the maker and the checker both need; set by the action, not stored
	// Required says the action needs a second operator above Threshold.
	Required bool
	// Threshold is the amount (minor units) up to which the action runs at once; 0 means every
	// request waits for a second operator, whatever its amount.
	Threshold core.Money
	// Expiry is how long a request waits before it expires; 0 is DefaultApprovalExpiry.
	Expiry time.Duration
	// Version is the stored policy's version, 0 while the action keeps its default.
	Version int64
}

// DefaultApprovalExpiry is how long a request waits for a second operator unless its policy
// says otherwise.
const DefaultApprovalExpiry = 24 * time.Hour

// The bounds of a policy's expiry.
const (
	minApprovalExpiry = time.Minute
	maxApprovalExpiry = 30 * 24 * time.Hour
)

// Needs reports whether a request of amount waits for a second operator.
func (p ApprovalPolicy) Needs(amount core.Money) bool {
	return p.Required && (p.Threshold == 0 || amount > p.Threshold)
}

// expiry is the policy's expiry, its default filled in.
func (p ApprovalPolicy) expiry() time.Duration {
	if p.Expiry <= 0 {
		return DefaultApprovalExpiry
	}
	return p.Expiry
}

// ApprovalPolicyView is a policy as lists, the API and the audit trail show it.
type ApprovalPolicyView struct {
	Action        Action     `json:"action"`
	Permission    Permission `json:"permission"`
	Required      bool       `json:"required"`
	Threshold     core.Money `json:"threshold"`
	ExpirySeconds int64      `json:"expiry_seconds"`
	Version       int64      `json:"version"`
}

// View returns the policy's JSON form.
func (p ApprovalPolicy) View() ApprovalPolicyView {
	return ApprovalPolicyView{p.Action, p.Permission, p.Required, p.Threshold, int64(p.expiry() / time.Second), p.Version}
}

// ApprovalPolicyStore keeps the policies that differ from their action's default.
type ApprovalPolicyStore interface {
	// StoredApprovalPolicies returns every stored policy.
	StoredApprovalPolicies(ctx context.Context) ([]ApprovalPolicy, error)
	// SaveApprovalPolicy stores p: an insert when p.Version is 0 (a duplicate if one is stored),
	// else an update at p.Version (a stale version is a conflict); it sets the new Version.
	SaveApprovalPolicy(ctx context.Context, p *ApprovalPolicy) error
}

// Approval policy actions.
const (
	ActionApprovalPolicySet Action = "approval.policy_set"
)

// approvable is an action the approval policy covers: its permission, its default policy, and
// how an approved request's stored payload runs.
type approvable struct {
	perm   Permission
	policy ApprovalPolicy
	run    func(ctx context.Context, s *Service, payload []byte) (Change, error)
}

// approvables are the actions that registered a gate, by action.
var approvables = map[Action]approvable{}

// gate is an action under the approval policy: run makes the change from its payload P (a
// JSON-encodable struct) and returns what the caller gets and the change to audit. An action
// registers its gate once, as a package variable: newGate(...).
type gate[P, T any] struct {
	action Action
	perm   Permission
	run    func(s *Service, ctx context.Context, p P) (T, Change, error)
}

// newGate registers an action under the approval policy with its default policy.
func newGate[P, T any](action Action, perm Permission, def ApprovalPolicy, run func(s *Service, ctx context.Context, p P) (T, Change, error)) gate[P, T] {
	if _, dup := approvables[action]; dup {
		panic("backoffice: two gates for " + string(action))
	}
	def.Action, def.Permission, def.Version = action, perm, 0
	approvables[action] = approvable{perm: perm, policy: def, run: func(ctx context.Context, s *Service, payload []byte) (Change, error) {
		var p P
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return Change{}, core.Internal(err, "decoding the stored payload of "+string(action))
		}
		_, ch, err := run(s, ctx, p)
		return ch, err
	}}
	return gate[P, T]{action: action, perm: perm, run: run}
}

// DefaultApprovalPolicies returns the policy each covered action has until a utility changes
// it, by action.
func DefaultApprovalPolicies() []ApprovalPolicy {
	out := make([]ApprovalPolicy, 0, len(approvables))
	for _, ap := range approvables {
		out = append(out, ap.policy)
	}
	slices.SortFunc(out, func(a, b ApprovalPolicy) int { return cmp.Compare(a.Action, b.Action) })
	return out
}

// policies returns every covered action's policy, stored or default, by action.
func (s *Service) policies(ctx context.Context) ([]ApprovalPolicy, error) {
	stored, err := s.store.StoredApprovalPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := DefaultApprovalPolicies()
	for i, p := range out {
		if j := slices.IndexFunc(stored, func(sp ApprovalPolicy) bool { return sp.Action == p.Action }); j >= 0 {
			out[i] = stored[j]
			out[i].Permission = p.Permission
		}
	}
	return out, nil
}

// policy returns the policy of one covered action.
func (s *Service) policy(ctx context.Context, action Action) (ApprovalPolicy, error) {
	all, err := s.policies(ctx)
	if err != nil {
		return ApprovalPolicy{}, err
	}
	for _, p := range all {
		if p.Action == action {
			return p, nil
		}
	}
	return ApprovalPolicy{}, core.Internal(nil, "no approval policy for "+string(action))
}

// ApprovalPolicies returns the policy of every action the approval policy covers, by action.
func (s *Service) ApprovalPolicies(ctx context.Context, a Actor) ([]ApprovalPolicy, error) {
	return read(ctx, s, a, PermApprovalsRead, ActionApprovalPolicyRead, s.policies)
}

// SetApprovalPolicy changes an action's policy. p.Version is the version read (0 for an action
// still on its default); a policy changed meanwhile is a conflict.
func (s *Service) SetApprovalPolicy(ctx context.Context, a Actor, p ApprovalPolicy) (ApprovalPolicy, error) {
	return act(ctx, s, a, PermApprovalsPolicy, ActionApprovalPolicySet, func(ctx context.Context) (ApprovalPolicy, Change, error) {
		ap, ok := approvables[p.Action]
		switch {
		case !ok:
			return p, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidPolicy, "no approval policy covers the action %q", p.Action).OnField("action")
		case p.Threshold < 0:
			return p, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidPolicy, "the threshold must not be negative").OnField("threshold")
		case p.Expiry != 0 && (p.Expiry < minApprovalExpiry || p.Expiry > maxApprovalExpiry):
			return p, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidPolicy, "a request waits from %s to %s", minApprovalExpiry, maxApprovalExpiry).OnField("expiry")
		case p.Version < 0:
			return p, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidPolicy, "the version must not be negative").OnField("version")
		}
		before, err := s.policy(ctx, p.Action)
		if err != nil {
			return p, Change{}, err
		}
		p.Permission, p.Expiry = ap.perm, p.expiry()
		err = s.store.SaveApprovalPolicy(ctx, &p)
		if isDuplicate(err) {
			err = core.Errorf(core.CodeConflict, ReasonStaleVersion, "the approval policy of %s was changed by someone else since it was read; read it again", p.Action)
		}
		if err != nil {
			return p, Change{}, err
		}
		return p, Change{Target: "approval_policy:" + string(p.Action), Before: before.View(), After: p.View()}, nil
	})
}
