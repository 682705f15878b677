package backoffice

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// Role management actions (ActionRoleCreate and ActionRoleUpdate are in role.go).
const (
	ActionRoleList       Action = "role.list"
	ActionRoleDeactivate Action = "role.deactivate"
)

// NewRole is what CreateRole takes: a custom role's name, what it is for and its permissions.
type NewRole struct {
	Name        string
	Summary     string
	Permissions []Permission
}

// RoleUpdate is a custom role's new summary and permissions, with the Version it was read at.
type RoleUpdate struct {
	Summary     string
	Permissions []Permission
	Version     int64
}

const maxRoleSummary = 200

// ListRoles returns every role, built-in and custom, active or not, by name.
func (s *Service) ListRoles(ctx context.Context, a Actor) ([]RoleView, error) {
	return read(ctx, s, a, PermOperatorsRead, ActionRoleList, func(ctx context.Context) ([]RoleView, error) {
		roles, err := s.store.Roles(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]RoleView, len(roles))
		for i, r := range roles {
			out[i] = r.View()
		}
		return out, nil
	})
}

// CreateRole creates a custom role with permissions the actor holds.
func (s *Service) CreateRole(ctx context.Context, a Actor, n NewRole) (RoleView, error) {
	const perm, action = PermRolesManage, ActionRoleCreate
	if err := s.allow(ctx, a, perm, action, ""); err != nil {
		return RoleView{}, err
	}
	if err := checkRoleName(n.Name); err != nil {
		return RoleView{}, err
	}
	perms, err := checkRolePermissions(n.Summary, n.Permissions)
	if err != nil {
		return RoleView{}, err
	}
	if l := a.lacking(perms); len(l) > 0 {
		return RoleView{}, s.deny(ctx, a, perm, action, "", errEscalation("the role "+n.Name, l).OnField("permissions"))
	}
	return act(ctx, s, a, perm, action, func(ctx context.Context) (RoleView, Change, error) {
		r := Role{Name: n.Name, Summary: strings.TrimSpace(n.Summary), Permissions: perms, Active: true}
		if err := s.store.SaveRole(ctx, &r); err != nil {
			if isDuplicate(err) {
				return RoleView{}, Change{}, core.Errorf(core.CodeDuplicate, ReasonDuplicateRole, "a role is named %q already", n.Name).OnField("name")
			}
			return RoleView{}, Change{}, err
		}
		return r.View(), Change{Target: roleTarget(r.ID), After: r.View()}, nil
	})
}

// UpdateRole replaces a custom role's summary and permissions, if it is still at u.Version (a
// stale version is a conflict). Built-in roles do not change. The actor holds every permission
// the role grants, before and after: nobody widens a role, nor edits one that can do more than
// they can. Operators holding the role have its new permissions at their next request.
func (s *Service) UpdateRole(ctx context.Context, a Actor, name string, u RoleUpdate) (RoleView, error) {
	perms, err := checkRolePermissions(u.Summary, u.Permissions)
	if err != nil {
		return RoleView{}, err
	}
	if u.Version <= 0 {
		return RoleView{}, core.Errorf(core.CodeInvalid, ReasonInvalidRole, "name the version of the role that was read").OnField("version")
	}
	return s.saveRole(ctx, a, ActionRoleUpdate, name, perms, func(r *Role) (string, error) {
		r.Summary, r.Permissions, r.Version = strings.TrimSpace(u.Summary), perms, u.Version
		return "", nil
	})
}

// DeactivateRole takes a custom role out of use: it can no longer be given, and the operators
// holding it lose its permissions (they keep their other roles').
func (s *Service) DeactivateRole(ctx context.Context, a Actor, name string) (RoleView, error) {
	return s.saveRole(ctx, a, ActionRoleDeactivate, name, nil, func(r *Role) (string, error) {
		if !r.Active {
			return "", core.Errorf(core.CodeConflict, ReasonInvalidRole, "the role %q is deactivated already", r.Name)
		}
		r.Active = false
		return "deactivated", nil
	})
}

// saveRole runs a change of a custom role: the permission, the role found and not built in, the
// actor holding every permission it grants and every one of grant (refusals audited), then fn's
// change saved and audited in one transaction.
func (s *Service) saveRole(ctx context.Context, a Actor, action Action, name string, grant []Permission, fn func(r *Role) (string, error)) (RoleView, error) {
	const perm = PermRolesManage
	if err := s.allow(ctx, a, perm, action, ""); err != nil {
		return RoleView{}, err
	}
	r, err := s.roleByName(ctx, name)
	if err != nil {
		return RoleView{}, err
	}
	if r.BuiltIn {
		return RoleView{}, core.Errorf(core.CodeConflict, ReasonBuiltInRole, "the built-in role %q does not change; create a custom role instead", name)
	}
	need := slices.Concat(grant, r.Permissions)
	slices.Sort(need)
	if l := a.lacking(slices.Compact(need)); len(l) > 0 {
		return RoleView{}, s.deny(ctx, a, perm, action, roleTarget(r.ID), errEscalation("changing the role "+name, l).OnField("permissions"))
	}
	return act(ctx, s, a, perm, action, func(ctx context.Context) (RoleView, Change, error) {
		r, err := s.roleByName(ctx, name)
		if err != nil {
			return RoleView{}, Change{}, err
		}
		before := r.View()
		detail, err := fn(&r)
		if err != nil {
			return RoleView{}, Change{}, err
		}
		if err := s.store.SaveRole(ctx, &r); err != nil {
			return RoleView{}, Change{}, err
		}
		return r.View(), Change{Target: roleTarget(r.ID), Before: before, After: r.View(), Detail: detail}, nil
	})
}

// roleByName returns a role, or not_found naming it.
func (s *Service) roleByName(ctx context.Context, name string) (Role, error) {
	r, err := s.store.RoleByName(ctx, name)
	if isNotFound(err) {
		return Role{}, core.Errorf(core.CodeNotFound, ReasonUnknownRole, "no role is named %q", name).OnField("name")
	}
	return r, storeError(err)
}

// checkRoleName accepts 3 to 64 lower-case letters, digits, dashes and underscores.
func checkRoleName(n string) error {
	if len(n) < 3 || len(n) > 64 {
		return core.Errorf(core.CodeInvalid, ReasonInvalidRole, "a role's name has 3 to 64 characters").OnField("name")
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return core.Errorf(core.CodeInvalid, ReasonInvalidRole, "a role's name has only lower-case letters, digits, '-' and '_'").OnField("name")
		}
	}
	return nil
}

// checkRolePermissions checks a role's summary and permissions and returns them sorted.
func checkRolePermissions(summary string, perms []Permission) ([]Permission, error) {
	if utf8.RuneCountInString(summary) > maxRoleSummary {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidRole, "a role's summary has at most %d characters", maxRoleSummary).OnField("summary")
	}
	out, err := checkPermissions(perms)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidRole, "a role grants at least one permission").OnField("permissions")
	}
	return out, nil
}
