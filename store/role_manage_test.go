package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestCustomRoles: a custom role is created, listed, given, changed at the version read (a stale
// version is a conflict) and deactivated, and its operators' permissions follow each change at
// their next request. Built-in roles do not change; unknown permissions are named.
func TestCustomRoles(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		head := auditHead(t, db)
		r, err := bo.Svc.CreateRole(ctx, bo.Admin, backoffice.NewRole{Name: "meter_reader", Summary: "reads meters",
			Permissions: []backoffice.Permission{backoffice.PermMetersRead, backoffice.PermCustomersRead, backoffice.PermMetersRead}})
		if err != nil {
			t.Fatal(err)
		}
		wantOneEntry(t, db, head, backoffice.ActionRoleCreate, backoffice.OutcomeDone)
		if r.BuiltIn || !r.Active || r.Version != 1 || !slices.Equal(r.Permissions, []backoffice.Permission{backoffice.PermCustomersRead, backoffice.PermMetersRead}) {
			t.Errorf("got %+v", r)
		}
		viewer := bo.Operator(t, "viewer", backoffice.RoleReadOnly)
		roles, err := bo.Svc.ListRoles(ctx, viewer)
		if err != nil || len(roles) != len(backoffice.BuiltInRoles())+1 {
			t.Fatalf("got %d roles, %v", len(roles), err)
		}
		_, err = bo.Svc.CreateRole(ctx, viewer, backoffice.NewRole{Name: "sneaky", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)

		bo.Operator(t, "reader", "meter_reader")
		sess, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "reader"))
		if err != nil {
			t.Fatal(err)
		}

		head = auditHead(t, db)
		r2, err := bo.Svc.UpdateRole(ctx, bo.Admin, "meter_reader", backoffice.RoleUpdate{Summary: "reads meters only",
			Permissions: []backoffice.Permission{backoffice.PermMetersRead}, Version: r.Version})
		if err != nil {
			t.Fatal(err)
		}
		wantOneEntry(t, db, head, backoffice.ActionRoleUpdate, backoffice.OutcomeDone)
		a, _, err := bo.Svc.SessionActor(ctx, sess.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.Can(backoffice.PermCustomersRead) || !a.Can(backoffice.PermMetersRead) {
			t.Errorf("after the change the session has %v", a.Permissions())
		}
		_, err = bo.Svc.UpdateRole(ctx, bo.Admin, "meter_reader", backoffice.RoleUpdate{Permissions: []backoffice.Permission{backoffice.PermVendsRead}, Version: r.Version})
		wantReason(t, err, core.CodeConflict, backoffice.ReasonStaleVersion)

		_, err = bo.Svc.UpdateRole(ctx, bo.Admin, backoffice.RoleCashier, backoffice.RoleUpdate{Permissions: []backoffice.Permission{backoffice.PermVendsRead}, Version: 1})
		wantReason(t, err, core.CodeConflict, backoffice.ReasonBuiltInRole)
		_, err = bo.Svc.DeactivateRole(ctx, bo.Admin, backoffice.RoleAdministrator)
		wantReason(t, err, core.CodeConflict, backoffice.ReasonBuiltInRole)
		_, err = bo.Svc.CreateRole(ctx, bo.Admin, backoffice.NewRole{Name: backoffice.RoleCashier, Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		wantReason(t, err, core.CodeDuplicate, backoffice.ReasonDuplicateRole)
		_, err = bo.Svc.CreateRole(ctx, bo.Admin, backoffice.NewRole{Name: "odd", Permissions: []backoffice.Permission{"meters.read", "meters.eat", "x"}})
		wantReason(t, err, core.CodeInvalid, backoffice.ReasonUnknownPermission)
		if !strings.Contains(err.Error(), "meters.eat, x") {
			t.Errorf("the error does not name the unknown permissions: %v", err)
		}
		for _, n := range []backoffice.NewRole{
			{Name: "Bad Name", Permissions: []backoffice.Permission{backoffice.PermVendsRead}},
			{Name: "ab", Permissions: []backoffice.Permission{backoffice.PermVendsRead}},
			{Name: "empty"},
			{Name: "long", Summary: strings.Repeat("s", 201), Permissions: []backoffice.Permission{backoffice.PermVendsRead}},
		} {
			_, err := bo.Svc.CreateRole(ctx, bo.Admin, n)
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Field == "" {
				t.Errorf("%+v: got %v (field %q), want invalid naming a field", n, err, e.Field)
			}
		}
		_, err = bo.Svc.UpdateRole(ctx, bo.Admin, "nosuchrole", backoffice.RoleUpdate{Permissions: []backoffice.Permission{backoffice.PermVendsRead}, Version: 1})
		wantReason(t, err, core.CodeNotFound, backoffice.ReasonUnknownRole)

		head = auditHead(t, db)
		d, err := bo.Svc.DeactivateRole(ctx, bo.Admin, "meter_reader")
		if err != nil || d.Active || d.Version != r2.Version+1 {
			t.Fatalf("got %+v, %v", d, err)
		}
		wantOneEntry(t, db, head, backoffice.ActionRoleDeactivate, backoffice.OutcomeDone)
		if a, _, err := bo.Svc.SessionActor(ctx, sess.Token, ""); err != nil || len(a.Permissions()) != 0 {
			t.Errorf("after deactivation the session has %v, %v", a.Permissions(), err)
		}
		_, err = bo.Svc.CreateOperator(ctx, bo.Admin, backoffice.NewOperator{Username: "late", FullName: "L", Roles: []string{"meter_reader"}})
		wantReason(t, err, core.CodeInvalid, backoffice.ReasonUnknownRole)
		_, err = bo.Svc.DeactivateRole(ctx, bo.Admin, "meter_reader")
		wantReason(t, err, core.CodeConflict, backoffice.ReasonInvalidRole)
	})
}
