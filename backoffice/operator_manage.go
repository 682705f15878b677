package backoffice

import (
	"context"
	"slices"

	"github.com/vendgate/vendgate/core"
)

// Operator management actions.
const (
	ActionOperatorCreate Action = "operator.create"
)

// NewOperator is what CreateOperator takes.
type NewOperator struct {
	Username  string
	FullName  string
	Email     string
	Roles     []string
	UtilityID int64
	HallID    int64
}

// CreateOperator creates an operator with a one-time password, which the caller hands over once;
// the operator sets their own password at the first sign-in.
func (s *Service) CreateOperator(ctx context.Context, a Actor, n NewOperator) (*Credentials, error) {
	return act(ctx, s, a, PermOperatorsManage, ActionOperatorCreate, func(ctx context.Context) (*Credentials, Change, error) {
		roles, err := s.checkRoles(ctx, n.Roles)
		if err != nil {
			return nil, Change{}, err
		}
		if n.UtilityID == 0 && a.UtilityID() != 0 {
			return nil, Change{}, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "an operator limited to a utility creates operators of that utility only").OnField("utility_id")
		}
		if err := s.inScope(a, "utility:"+itoa(n.UtilityID), n.UtilityID); err != nil {
			return nil, Change{}, err
		}
		creds, err := s.newOperatorRow(ctx, Operator{Username: n.Username, FullName: n.FullName, Email: n.Email, Roles: roles,
			UtilityID: n.UtilityID, HallID: n.HallID})
		if err != nil {
			return nil, Change{}, err
		}
		return creds, Change{Target: operatorTarget(creds.Operator.ID), After: creds.Operator}, nil
	})
}

// checkRoles checks that each name is an active role and returns them sorted.
func (s *Service) checkRoles(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "an operator needs at least one role").OnField("roles")
	}
	out := slices.Clone(names)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, n := range out {
		r, err := s.store.RoleByName(ctx, n)
		if isNotFound(err) || err == nil && !r.Active {
			return nil, core.Errorf(core.CodeInvalid, ReasonUnknownRole, "no active role is named %q", n).OnField("roles")
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
