package backoffice

import (
	"context"
	"strconv"
	"time"

	"github.com/vendgate/vendgate/core"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// SeedRoles writes the built-in roles that the store lacks, and brings the stored built-in roles
// to this version's permissions. It is safe to run at every start.
func (s *Service) SeedRoles(ctx context.Context) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		for _, want := range BuiltInRoles() {
			have, err := s.store.RoleByName(ctx, want.Name)
			switch {
			case isNotFound(err):
				if err := s.store.SaveRole(ctx, &want); err != nil {
					return err
				}
				if err := s.audit(ctx, systemActor("bootstrap"), PermRolesManage, ActionRoleCreate, OutcomeDone,
					Change{Target: roleTarget(want.ID), After: want.View()}); err != nil {
					return err
				}
			case err != nil:
				return err
			case !have.BuiltIn || !equalPerms(have.Permissions, want.Permissions) || have.Summary != want.Summary:
				before := have.View()
				have.Permissions, have.Summary, have.BuiltIn, have.Active = want.Permissions, want.Summary, true, true
				if err := s.store.SaveRole(ctx, &have); err != nil {
					return err
				}
				if err := s.audit(ctx, systemActor("bootstrap"), PermRolesManage, ActionRoleUpdate, OutcomeDone,
					Change{Target: roleTarget(have.ID), Before: before, After: have.View()}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Credentials are an operator's one-time password, printed once and never stored in the clear.
type Credentials struct {
	Operator OperatorView `json:"operator"`
	Password string       `json:"one_time_password"`
}

// Bootstrap makes a new installation usable: it seeds the roles and, when no operator exists
// yet, creates the administrator with a one-time password, which must be changed at the first
// sign-in. It returns nil credentials when operators exist.
func (s *Service) Bootstrap(ctx context.Context, username string) (*Credentials, error) {
	if err := s.SeedRoles(ctx); err != nil {
		return nil, err
	}
	var out *Credentials
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		n, err := s.store.OperatorCount(ctx)
		if err != nil || n > 0 {
			return err
		}
		creds, err := s.newOperator(ctx, systemActor("bootstrap"), Operator{Username: username, FullName: "Administrator",
			Roles: []string{RoleAdministrator}}, ActionBootstrap)
		out = creds
		return err
	})
	return out, err
}

// newOperator creates an operator with a one-time password inside the caller's transaction and
// audits it as action.
func (s *Service) newOperator(ctx context.Context, a Actor, o Operator, action Action) (*Credentials, error) {
	creds, err := s.newOperatorRow(ctx, o)
	if err != nil {
		return nil, err
	}
	return creds, s.audit(ctx, a, PermOperatorsManage, action, OutcomeDone, Change{Target: operatorTarget(creds.Operator.ID), After: creds.Operator})
}

// newOperatorRow creates an operator with a one-time password inside the caller's transaction.
func (s *Service) newOperatorRow(ctx context.Context, o Operator) (*Credentials, error) {
	if err := checkUsername(o.Username); err != nil {
		return nil, err
	}
	password, err := randomPassword()
	if err != nil {
		return nil, err
	}
	if o.PasswordHash, err = s.cost.hash(password); err != nil {
		return nil, err
	}
	o.Status, o.MustChangePassword, o.CreatedAt = OperatorActive, true, s.now().UTC().Truncate(time.Microsecond)
	if err := s.store.CreateOperator(ctx, &o); err != nil {
		if isDuplicate(err) {
			return nil, core.Errorf(core.CodeDuplicate, ReasonDuplicateOperator, "the username %q is taken", o.Username).OnField("username")
		}
		return nil, err
	}
	return &Credentials{Operator: o.View(), Password: password}, nil
}

// checkUsername accepts 3 to 64 lower-case letters, digits, dots, dashes and underscores.
func checkUsername(u string) error {
	if len(u) < 3 || len(u) > 64 {
		return core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a username has 3 to 64 characters").OnField("username")
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return core.Errorf(core.CodeInvalid, ReasonInvalidOperator, "a username has only lower-case letters, digits, '.', '-' and '_'").OnField("username")
		}
	}
	return nil
}
