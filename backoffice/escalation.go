package backoffice

import (
	"context"
	"slices"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// rolesPermissions returns every permission the named roles grant, sorted.
func (s *Service) rolesPermissions(ctx context.Context, names []string) ([]Permission, error) {
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	var perms []Permission
	for _, r := range roles {
		if slices.Contains(names, r.Name) {
			perms = append(perms, r.Permissions...)
		}
	}
	slices.Sort(perms)
	return slices.Compact(perms), nil
}

// lacking returns the permissions of perms the actor does not hold.
func (a Actor) lacking(perms []Permission) []string {
	var out []string
	for _, p := range perms {
		if _, ok := slices.BinarySearch(a.perms, p); !ok {
			out = append(out, string(p))
		}
	}
	return out
}

// errEscalation is the refusal of a change that would give someone (the actor included) a
// permission the actor does not hold.
func errEscalation(what string, lacking []string) *core.Error {
	return core.Errorf(core.CodeForbidden, ReasonEscalation, "%s would grant %s, which the acting operator does not hold",
		what, strings.Join(lacking, ", "))
}

// noEscalation refuses, audited, when the roles grant a permission the actor lacks: an operator
// never hands out (to another, or through a role) more than they hold, nor takes over (through
// a password reset, a role change) an account that holds more.
func (s *Service) noEscalation(ctx context.Context, a Actor, perm Permission, action Action, target, what string, roles []string) error {
	perms, err := s.rolesPermissions(ctx, roles)
	if err != nil {
		return storeError(err)
	}
	if l := a.lacking(perms); len(l) > 0 {
		return s.deny(ctx, a, perm, action, target, errEscalation(what, l))
	}
	return nil
}
