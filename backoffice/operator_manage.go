package backoffice

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// Operator management actions.
const (
	ActionOperatorCreate            Action = "operator.create"
	ActionOperatorList              Action = "operator.list"
	ActionOperatorShow              Action = "operator.show"
	ActionOperatorUpdate            Action = "operator.update"
	ActionOperatorDeactivate        Action = "operator.deactivate"
	ActionOperatorReactivate        Action = "operator.reactivate"
	ActionOperatorResetPassword     Action = "operator.reset_password"
	ActionOperatorUnlock            Action = "operator.unlock"
	ActionOperatorResetSecondFactor Action = "operator.reset_totp"
)

// Operator lists return DefaultOperatorPage operators unless asked for fewer, MaxOperatorPage at most.
const (
	DefaultOperatorPage = 50
	MaxOperatorPage     = 500
	maxNameLength       = 200
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

// OperatorUpdate is an operator's new profile, roles and scope, with the Version it was read at.
type OperatorUpdate struct {
	FullName  string
	Email     string
	Roles     []string
	UtilityID int64
	HallID    int64
	Version   int64
}

// CreateOperator creates an operator with a one-time password, which the caller hands over once;
// the operator sets their own password at the first sign-in. The actor grants only roles whose
// permissions they hold, in their own utility.
func (s *Service) CreateOperator(ctx context.Context, a Actor, n NewOperator) (*Credentials, error) {
	const perm, action = PermOperatorsManage, ActionOperatorCreate
	if err := s.allow(ctx, a, perm, action, ""); err != nil {
		return nil, err
	}
	roles, err := s.checkProfile(ctx, n.FullName, n.Email, n.Roles, n.UtilityID, n.HallID)
	if err != nil {
		return nil, err
	}
	if err := s.CheckHall(ctx, n.UtilityID, n.HallID); err != nil {
		return nil, err
	}
	if err := s.grantable(ctx, a, perm, action, "", roles, n.UtilityID, n.HallID); err != nil {
		return nil, err
	}
	return act(ctx, s, a, perm, action, func(ctx context.Context) (*Credentials, Change, error) {
		creds, err := s.newOperatorRow(ctx, Operator{Username: n.Username, FullName: strings.TrimSpace(n.FullName),
			Email: strings.TrimSpace(n.Email), Roles: roles, UtilityID: n.UtilityID, HallID: n.HallID})
		if err != nil {
			return nil, Change{}, err
		}
		return creds, Change{Target: operatorTarget(creds.Operator.ID), After: creds.Operator}, nil
	})
}

// ListOperators returns a page of operators by ID (after q.AfterID), filtered by role, status and
// a part of the username or full name. An operator limited to a utility sees its operators only.
func (s *Service) ListOperators(ctx context.Context, a Actor, q OperatorQuery) ([]OperatorView, error) {
	return read(ctx, s, a, PermOperatorsRead, ActionOperatorList, func(ctx context.Context) ([]OperatorView, error) {
		switch {
		case q.AfterID < 0:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "the page cursor must be an operator's ID").OnField("after")
		case q.Status != "" && q.Status != OperatorActive && q.Status != OperatorDeactivated:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "the status is %s or %s", OperatorActive, OperatorDeactivated).OnField("status")
		case q.Limit < 0 || q.Limit > MaxOperatorPage:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a page holds 1 to %d operators", MaxOperatorPage).OnField("limit")
		case utf8.RuneCountInString(q.Search) > maxNameLength:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "the search has at most %d characters", maxNameLength).OnField("search")
		}
		if q.Limit == 0 {
			q.Limit = DefaultOperatorPage
		}
		if a.utilityID != 0 {
			if q.UtilityID != 0 && q.UtilityID != a.utilityID {
				return []OperatorView{}, nil
			}
			q.UtilityID = a.utilityID
		}
		list, err := s.store.Operators(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]OperatorView, len(list))
		for i, o := range list {
			out[i] = o.View()
		}
		return out, nil
	})
}

// ShowOperator returns one operator of the actor's utility.
func (s *Service) ShowOperator(ctx context.Context, a Actor, id int64) (OperatorView, error) {
	if err := s.allow(ctx, a, PermOperatorsRead, ActionOperatorShow, operatorTarget(id)); err != nil {
		return OperatorView{}, err
	}
	o, err := s.store.Operator(ctx, id)
	if err != nil {
		return OperatorView{}, operatorError(err, id)
	}
	if err := s.inScope(ctx, a, PermOperatorsRead, ActionOperatorShow, operatorTarget(id), o.UtilityID); err != nil {
		return OperatorView{}, err
	}
	return o.View(), nil
}

// UpdateOperator replaces an operator's full name, email, roles, utility and hall, if the
// operator is still at u.Version (a stale version is a conflict). Nobody changes their own
// roles, and the roles granted hold only permissions the actor holds.
func (s *Service) UpdateOperator(ctx context.Context, a Actor, id int64, u OperatorUpdate) (OperatorView, error) {
	const perm, action = PermOperatorsManage, ActionOperatorUpdate
	if err := s.allow(ctx, a, perm, action, operatorTarget(id)); err != nil {
		return OperatorView{}, err
	}
	roles, err := s.checkProfile(ctx, u.FullName, u.Email, u.Roles, u.UtilityID, u.HallID)
	if err != nil {
		return OperatorView{}, err
	}
	if u.Version <= 0 {
		return OperatorView{}, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "name the version of the operator that was read").OnField("version")
	}
	o, err := s.manageable(ctx, a, action, id)
	if err != nil {
		return OperatorView{}, err
	}
	if a.id == id && (!slices.Equal(roles, o.Roles) || u.UtilityID != o.UtilityID || u.HallID != o.HallID) {
		return OperatorView{}, s.deny(ctx, a, perm, action, operatorTarget(id),
			core.Errorf(core.CodeForbidden, ReasonEscalation, "an operator cannot change their own roles or scope; another administrator must").OnField("roles"))
	}
	if err := s.grantable(ctx, a, perm, action, operatorTarget(id), roles, u.UtilityID, u.HallID); err != nil {
		return OperatorView{}, err
	}
	// A hall given now must be an active one of the utility; an operator kept on a hall that was
	// deactivated since keeps it (DeactivateHall).
	if u.HallID != o.HallID || u.UtilityID != o.UtilityID {
		if err := s.CheckHall(ctx, u.UtilityID, u.HallID); err != nil {
			return OperatorView{}, err
		}
	}
	return s.saveOperator(ctx, a, action, id, func(ctx context.Context, o *Operator) (string, error) {
		o.FullName, o.Email, o.Roles = strings.TrimSpace(u.FullName), strings.TrimSpace(u.Email), roles
		o.UtilityID, o.HallID, o.Version = u.UtilityID, u.HallID, u.Version
		if o.TOTPSecret != "" {
			return "", nil
		}
		needs, err := s.needsSecondFactor(ctx, *o)
		if needs {
			return "the roles move money or keys: those permissions wait until the operator enrols a second factor", err
		}
		return "", err
	})
}

// DeactivateOperator stops an operator from signing in and ends their sessions and API tokens,
// in the same transaction. Nobody deactivates themselves.
func (s *Service) DeactivateOperator(ctx context.Context, a Actor, id int64) (OperatorView, error) {
	return s.manageOther(ctx, a, ActionOperatorDeactivate, id, func(ctx context.Context, o *Operator) (string, error) {
		if o.Status == OperatorDeactivated {
			return "", core.Errorf(core.CodeConflict, ReasonOperatorState, "operator %d is deactivated already", o.ID)
		}
		o.Status = OperatorDeactivated
		now := s.stamp()
		sessions, err := s.store.RevokeSessions(ctx, o.ID, now)
		if err != nil {
			return "", err
		}
		tokens, err := s.store.RevokeAPITokens(ctx, o.ID, now)
		if err != nil {
			return "", err
		}
		return "deactivated; " + plural(sessions, "session") + " and " + plural(tokens, "API token") + " revoked", nil
	})
}

// ReactivateOperator lets a deactivated operator sign in again (their sessions and tokens stay
// revoked).
func (s *Service) ReactivateOperator(ctx context.Context, a Actor, id int64) (OperatorView, error) {
	return s.manageOther(ctx, a, ActionOperatorReactivate, id, func(ctx context.Context, o *Operator) (string, error) {
		if o.Status == OperatorActive {
			return "", core.Errorf(core.CodeConflict, ReasonOperatorState, "operator %d is active already", o.ID)
		}
		o.Status = OperatorActive
		return "reactivated", nil
	})
}

// ResetPassword gives an operator a new one-time password (returned once, to hand over), which
// they must change at the next sign-in; it clears a lockout and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, a Actor, id int64) (*Credentials, error) {
	var password string
	v, err := s.manageOther(ctx, a, ActionOperatorResetPassword, id, func(ctx context.Context, o *Operator) (string, error) {
		var err error
		if password, err = randomPassword(); err != nil {
			return "", err
		}
		if o.PasswordHash, err = s.cost.hash(password); err != nil {
			return "", err
		}
		o.MustChangePassword, o.FailedSignIns, o.LockedUntil = true, 0, time.Time{}
		n, err := s.store.RevokeSessions(ctx, o.ID, s.stamp())
		return "one-time password set; " + plural(n, "session") + " revoked", err
	})
	if err != nil {
		return nil, err
	}
	return &Credentials{Operator: v, Password: password}, nil
}

// Unlock clears an operator's failed sign-ins and lockout.
func (s *Service) Unlock(ctx context.Context, a Actor, id int64) (OperatorView, error) {
	return s.manageOther(ctx, a, ActionOperatorUnlock, id, func(ctx context.Context, o *Operator) (string, error) {
		detail := "unlocked"
		if !s.now().Before(o.LockedUntil) {
			detail = "was not locked; failed sign-ins cleared"
		}
		o.FailedSignIns, o.LockedUntil = 0, time.Time{}
		return detail, nil
	})
}

// ResetSecondFactor removes an operator's second factor (a lost phone), and ends their sessions:
// they sign in with the password alone, without the permissions that need one, until they enrol
// a new one.
func (s *Service) ResetSecondFactor(ctx context.Context, a Actor, id int64) (OperatorView, error) {
	return s.manageOther(ctx, a, ActionOperatorResetSecondFactor, id, func(ctx context.Context, o *Operator) (string, error) {
		o.TOTPSecret, o.TOTPPending, o.TOTPLastStep = "", "", 0
		n, err := s.store.RevokeSessions(ctx, o.ID, s.stamp())
		return "second factor removed; " + plural(n, "session") + " revoked", err
	})
}

// manageOther runs an action of PermOperatorsManage on another operator of the actor's utility
// who holds no permission the actor lacks: an operator's own account changes through
// ChangePassword and EnrolTOTP, and nobody takes over an account that can do more than they can.
func (s *Service) manageOther(ctx context.Context, a Actor, action Action, id int64, fn func(ctx context.Context, o *Operator) (string, error)) (OperatorView, error) {
	if err := s.allow(ctx, a, PermOperatorsManage, action, operatorTarget(id)); err != nil {
		return OperatorView{}, err
	}
	if a.id == id {
		return OperatorView{}, s.deny(ctx, a, PermOperatorsManage, action, operatorTarget(id),
			core.Errorf(core.CodeForbidden, ReasonOwnAccount, "%s is done to another operator's account, not one's own", action))
	}
	if _, err := s.manageable(ctx, a, action, id); err != nil {
		return OperatorView{}, err
	}
	return s.saveOperator(ctx, a, action, id, fn)
}

// manageable returns the operator if the actor may manage them: of the actor's utility, with no
// permission the actor lacks. A refusal is audited.
func (s *Service) manageable(ctx context.Context, a Actor, action Action, id int64) (Operator, error) {
	target := operatorTarget(id)
	o, err := s.store.Operator(ctx, id)
	if err != nil {
		return Operator{}, operatorError(err, id)
	}
	if err := s.inScope(ctx, a, PermOperatorsManage, action, target, o.UtilityID); err != nil {
		return Operator{}, err
	}
	if err := s.noEscalation(ctx, a, PermOperatorsManage, action, target, "managing "+o.Username, o.Roles); err != nil {
		return Operator{}, err
	}
	return o, nil
}

// saveOperator reads the operator, lets fn change it, saves it at the version fn leaves (the one
// read, unless fn names another) and audits the action with the operator before and after, all
// in one transaction.
func (s *Service) saveOperator(ctx context.Context, a Actor, action Action, id int64, fn func(ctx context.Context, o *Operator) (string, error)) (OperatorView, error) {
	return act(ctx, s, a, PermOperatorsManage, action, func(ctx context.Context) (OperatorView, Change, error) {
		o, err := s.store.Operator(ctx, id)
		if err != nil {
			return OperatorView{}, Change{}, operatorError(err, id)
		}
		before := o.View()
		detail, err := fn(ctx, &o)
		if err != nil {
			return OperatorView{}, Change{}, err
		}
		if err := s.store.SaveOperator(ctx, &o); err != nil {
			return OperatorView{}, Change{}, err
		}
		return o.View(), Change{Target: operatorTarget(id), Before: before, After: o.View(), Detail: detail}, nil
	})
}

// grantable refuses, audited, roles with a permission the actor lacks and a scope outside the
// actor's: a utility-limited operator gives only their own utility (and hall, if limited to one).
func (s *Service) grantable(ctx context.Context, a Actor, perm Permission, action Action, target string, roles []string, utilityID, hallID int64) error {
	if !a.InUtility(utilityID) || utilityID == 0 && a.utilityID != 0 || a.hallID != 0 && hallID != a.hallID {
		return s.deny(ctx, a, perm, action, target,
			core.Errorf(core.CodeForbidden, ReasonOutOfScope, "an operator may only give operators their own utility and hall").OnField("utility_id"))
	}
	return s.noEscalation(ctx, a, perm, action, target, "the roles "+strings.Join(roles, ", "), roles)
}

// checkProfile checks an operator's full name, email, roles and scope, and returns the roles
// sorted.
func (s *Service) checkProfile(ctx context.Context, fullName, email string, roles []string, utilityID, hallID int64) ([]string, error) {
	email = strings.TrimSpace(email)
	switch {
	case utf8.RuneCountInString(fullName) > maxNameLength:
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a full name has at most %d characters", maxNameLength).OnField("full_name")
	case email != "" && (len(email) > 254 || strings.Count(email, "@") != 1 || strings.HasPrefix(email, "@") ||
		strings.HasSuffix(email, "@") || strings.ContainsAny(email, " \t\r\n")):
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "the email address is not one").OnField("email")
	case utilityID < 0:
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a utility ID is positive, or 0 for every utility").OnField("utility_id")
	case hallID < 0:
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a hall ID is positive, or 0 for every hall").OnField("hall_id")
	case hallID != 0 && utilityID == 0:
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "an operator limited to a hall is limited to its utility too").OnField("utility_id")
	}
	return s.checkRoles(ctx, roles)
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
			return nil, storeError(err)
		}
	}
	return out, nil
}
