package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// listRoles is GET /ops/v1/roles: every role, built-in and custom, by name.
func (s *Server) listRoles(x *exchange) error {
	list, err := s.cfg.Roles.ListRoles(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.RoleView]{Items: nonNil(list)})
}

// createRole is POST /ops/v1/roles: {name, summary, permissions}.
func (s *Server) createRole(x *exchange) error {
	var n backoffice.NewRole
	if err := x.decode(s, "a new role",
		httpkit.Required("name", &n.Name, "a string"),
		httpkit.Optional("summary", &n.Summary, "a string"),
		httpkit.Required("permissions", &n.Permissions, "an array of permissions"),
	); err != nil {
		return err
	}
	r, err := s.cfg.Roles.CreateRole(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	x.w.Header().Set("Location", "/ops/v1/roles/"+r.Name)
	return x.json(http.StatusCreated, r)
}

// updateRole is PATCH /ops/v1/roles/{name}: {version, and summary, permissions or both}. A field
// left out keeps its value as of the version named; a stale version is 409 stale_version.
func (s *Server) updateRole(x *exchange) error {
	name := x.r.PathValue("name")
	var (
		summary *string
		perms   *[]backoffice.Permission
		version int64
	)
	if err := x.decode(s, "a role update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("summary", &summary, "a string"),
		httpkit.Optional("permissions", &perms, "an array of permissions"),
	); err != nil {
		return err
	}
	ctx := x.r.Context()
	var cur backoffice.RoleView
	if summary == nil || perms == nil {
		list, err := s.cfg.Roles.ListRoles(ctx, x.actor)
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.Name == name {
				cur = r
			}
		}
	}
	r, err := s.cfg.Roles.UpdateRole(ctx, x.actor, name, backoffice.RoleUpdate{Summary: or(summary, cur.Summary),
		Permissions: or(perms, cur.Permissions), Version: version})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r)
}

// deactivateRole is POST /ops/v1/roles/{name}/deactivate.
func (s *Server) deactivateRole(x *exchange) error {
	if err := x.decodeOptional(s, "a role deactivation"); err != nil {
		return err
	}
	r, err := s.cfg.Roles.DeactivateRole(x.r.Context(), x.actor, x.r.PathValue("name"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r)
}
