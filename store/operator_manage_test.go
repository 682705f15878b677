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

// customRole saves a custom role straight in the store and returns it.
func customRole(t *testing.T, db *store.DB, name string, perms ...backoffice.Permission) backoffice.Role {
	t.Helper()
	slices.Sort(perms)
	r := backoffice.Role{Name: name, Summary: name, Permissions: perms, Active: true}
	if err := db.SaveRole(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// signIn signs a test operator in again (after a change of roles or scope).
func signIn(t *testing.T, bo *testkit.BackOffice, username string) backoffice.Actor {
	t.Helper()
	a, _, err := bo.Svc.SignIn(context.Background(), bo.SignInRequest(t, username))
	if err != nil {
		t.Fatalf("signing %s in: %v", username, err)
	}
	return a
}

// scoped makes a signed-in operator with roles limited to a utility.
func scoped(t *testing.T, bo *testkit.BackOffice, username string, utilityID int64, roles ...string) backoffice.Actor {
	t.Helper()
	a := bo.Operator(t, username, roles...)
	v, err := bo.Svc.ShowOperator(context.Background(), bo.Admin, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Svc.UpdateOperator(context.Background(), bo.Admin, a.ID(), backoffice.OperatorUpdate{FullName: v.FullName,
		Roles: v.Roles, UtilityID: utilityID, Version: v.Version}); err != nil {
		t.Fatal(err)
	}
	return signIn(t, bo, username)
}

// TestDeactivationEndsAccess: deactivating an operator revokes their sessions and API tokens in
// the action's transaction, and they cannot sign in; reactivating lets them sign in again, and
// what was revoked stays revoked.
func TestDeactivationEndsAccess(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		sess, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "cashier"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "till", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		if err != nil {
			t.Fatal(err)
		}
		head := auditHead(t, db)
		v, err := bo.Svc.DeactivateOperator(ctx, bo.Admin, cashier.ID())
		if err != nil {
			t.Fatal(err)
		}
		e := wantOneEntry(t, db, head, backoffice.ActionOperatorDeactivate, backoffice.OutcomeDone)
		if v.Status != backoffice.OperatorDeactivated || !strings.Contains(e.Detail, "1 session and 1 API token revoked") {
			t.Errorf("got status %s, detail %q", v.Status, e.Detail)
		}
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		_, err = bo.Svc.TokenActor(ctx, tok.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenInvalid)
		_, err = bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "cashier"))
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		// cashier is an Actor made before the deactivation.
		_, err = bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "late", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenInvalid)
		_, err = bo.Svc.DeactivateOperator(ctx, bo.Admin, cashier.ID())
		wantReason(t, err, core.CodeConflict, backoffice.ReasonOperatorState)

		if _, err := bo.Svc.ReactivateOperator(ctx, bo.Admin, cashier.ID()); err != nil {
			t.Fatal(err)
		}
		if _, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "cashier")); err != nil {
			t.Fatalf("signing in after reactivation: %v", err)
		}
		_, err = bo.Svc.TokenActor(ctx, tok.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenInvalid)

		_, err = bo.Svc.DeactivateOperator(ctx, bo.Admin, bo.Admin.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonOwnAccount)
	})
}

// TestDeactivatedOperatorSessionRefused: a session or token whose operator is deactivated by
// any path (here, straight in the store) is refused, whatever the row says.
func TestDeactivatedOperatorSessionRefused(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		sess, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "cashier"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "till", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, "UPDATE operators SET status = 'deactivated' WHERE id = ?", cashier.ID()); err != nil {
			t.Fatal(err)
		}
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		_, err = bo.Svc.TokenActor(ctx, tok.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenInvalid)
	})
}

// TestUpdateOperatorStaleVersion: two administrators edit one operator from the same read: the
// first wins, the second gets a conflict and changes nothing.
func TestUpdateOperatorStaleVersion(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		second := bo.Operator(t, "admin2", backoffice.RoleAdministrator)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		read, err := bo.Svc.ShowOperator(ctx, bo.Admin, cashier.ID())
		if err != nil {
			t.Fatal(err)
		}
		head := auditHead(t, db)
		first, err := bo.Svc.UpdateOperator(ctx, bo.Admin, cashier.ID(), backoffice.OperatorUpdate{FullName: "Ada Cashier",
			Email: "ada@example.com", Roles: []string{backoffice.RoleCashier, backoffice.RoleReadOnly}, Version: read.Version})
		if err != nil {
			t.Fatal(err)
		}
		e := wantOneEntry(t, db, head, backoffice.ActionOperatorUpdate, backoffice.OutcomeDone)
		if !strings.Contains(string(e.Before), `"full_name":"cashier"`) || !strings.Contains(string(e.After), `"full_name":"Ada Cashier"`) {
			t.Errorf("the entry does not hold the operator before and after: %s / %s", e.Before, e.After)
		}
		if first.Version != read.Version+1 || first.Email != "ada@example.com" || len(first.Roles) != 2 {
			t.Errorf("got %+v", first)
		}
		head = auditHead(t, db)
		_, err = bo.Svc.UpdateOperator(ctx, second, cashier.ID(), backoffice.OperatorUpdate{FullName: "Bob", Roles: []string{backoffice.RoleCashier}, Version: read.Version})
		wantReason(t, err, core.CodeConflict, backoffice.ReasonStaleVersion)
		if got := newEntries(t, db, head); len(got) != 0 {
			t.Errorf("a stale update left entries %+v", got)
		}
		now, _ := bo.Svc.ShowOperator(ctx, bo.Admin, cashier.ID())
		if now.FullName != "Ada Cashier" || now.Version != first.Version {
			t.Errorf("the stale update changed the operator: %+v", now)
		}
		for _, c := range []struct {
			u     backoffice.OperatorUpdate
			field string
		}{
			{backoffice.OperatorUpdate{Roles: []string{backoffice.RoleCashier}}, "version"},
			{backoffice.OperatorUpdate{Roles: nil, Version: now.Version}, "roles"},
			{backoffice.OperatorUpdate{Roles: []string{"nosuchrole"}, Version: now.Version}, "roles"},
			{backoffice.OperatorUpdate{Email: "not an address", Roles: []string{backoffice.RoleCashier}, Version: now.Version}, "email"},
			{backoffice.OperatorUpdate{HallID: 3, Roles: []string{backoffice.RoleCashier}, Version: now.Version}, "utility_id"},
		} {
			_, err := bo.Svc.UpdateOperator(ctx, bo.Admin, cashier.ID(), c.u)
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Field != c.field {
				t.Errorf("%+v: got %v on %q, want invalid on %q", c.u, err, e.Field, c.field)
			}
		}
		_, err = bo.Svc.UpdateOperator(ctx, bo.Admin, 9999, backoffice.OperatorUpdate{Roles: []string{backoffice.RoleCashier}, Version: 1})
		wantReason(t, err, core.CodeNotFound, core.ReasonNotFound)
	})
}

// TestNoEscalation: nobody changes their own roles, grants a role holding a permission they
// lack, takes over (resets, deactivates, edits) an account that holds more, or writes a role
// wider than themselves; each refusal is forbidden, audited and changes nothing.
func TestNoEscalation(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		customRole(t, db, "hr", backoffice.PermOperatorsManage, backoffice.PermOperatorsRead, backoffice.PermCustomersRead,
			backoffice.PermRolesManage)
		customRole(t, db, "reader", backoffice.PermCustomersRead)
		hr := bo.Operator(t, "hr1", "hr")

		refused := func(name string, err error, action backoffice.Action, head backoffice.AuditHead, names ...string) {
			t.Helper()
			wantReason(t, err, core.CodeForbidden, backoffice.ReasonEscalation)
			for _, n := range names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("%s: the refusal %q does not name %s", name, err, n)
				}
			}
			wantOneEntry(t, db, head, action, backoffice.OutcomeDenied)
		}

		head := auditHead(t, db)
		adminView, _ := bo.Svc.ShowOperator(ctx, bo.Admin, bo.Admin.ID())
		_, err := bo.Svc.UpdateOperator(ctx, bo.Admin, bo.Admin.ID(), backoffice.OperatorUpdate{FullName: "Admin",
			Roles: []string{backoffice.RoleAdministrator, backoffice.RoleAuditor}, Version: adminView.Version})
		refused("OwnRoles", err, backoffice.ActionOperatorUpdate, head)
		hrView, _ := bo.Svc.ShowOperator(ctx, bo.Admin, hr.ID())
		head = auditHead(t, db)
		_, err = bo.Svc.UpdateOperator(ctx, hr, hr.ID(), backoffice.OperatorUpdate{FullName: "HR", Roles: []string{"hr", backoffice.RoleAdministrator}, Version: hrView.Version})
		refused("OwnRolesWider", err, backoffice.ActionOperatorUpdate, head)
		if _, err := bo.Svc.UpdateOperator(ctx, hr, hr.ID(), backoffice.OperatorUpdate{FullName: "Human Resources", Roles: []string{"hr"}, Version: hrView.Version}); err != nil {
			t.Errorf("an operator may edit their own name: %v", err)
		}

		head = auditHead(t, db)
		_, err = bo.Svc.CreateOperator(ctx, hr, backoffice.NewOperator{Username: "keys", FullName: "K", Roles: []string{backoffice.RoleKeyOfficer}})
		refused("CreateKeyOfficer", err, backoffice.ActionOperatorCreate, head, string(backoffice.PermKeysManage))
		if _, err := db.OperatorByUsername(ctx, "keys"); core.ErrorCode(core.StoreError(err)) != core.CodeNotFound {
			t.Errorf("the refused operator exists: %v", err)
		}
		creds, err := bo.Svc.CreateOperator(ctx, hr, backoffice.NewOperator{Username: "reader1", FullName: "R", Roles: []string{"reader"}})
		if err != nil {
			t.Fatalf("granting a role within one's own permissions: %v", err)
		}
		head = auditHead(t, db)
		_, err = bo.Svc.UpdateOperator(ctx, hr, creds.Operator.ID, backoffice.OperatorUpdate{FullName: "R",
			Roles: []string{"reader", backoffice.RoleCashier}, Version: creds.Operator.Version})
		refused("GrantCashier", err, backoffice.ActionOperatorUpdate, head, string(backoffice.PermCustomersManage))

		for _, c := range []struct {
			action backoffice.Action
			do     func() error
		}{
			{backoffice.ActionOperatorResetPassword, func() error { _, err := bo.Svc.ResetPassword(ctx, hr, bo.Admin.ID()); return err }},
			{backoffice.ActionOperatorDeactivate, func() error { _, err := bo.Svc.DeactivateOperator(ctx, hr, bo.Admin.ID()); return err }},
			{backoffice.ActionOperatorResetSecondFactor, func() error { _, err := bo.Svc.ResetSecondFactor(ctx, hr, bo.Admin.ID()); return err }},
			{backoffice.ActionOperatorUpdate, func() error {
				_, err := bo.Svc.UpdateOperator(ctx, hr, bo.Admin.ID(), backoffice.OperatorUpdate{Roles: []string{"reader"}, Version: adminView.Version})
				return err
			}},
		} {
			head = auditHead(t, db)
			refused(string(c.action)+"OfAdministrator", c.do(), c.action, head, string(backoffice.PermKeysManage))
		}
		if _, _, err := bo.Svc.SignIn(ctx, bo.SignInRequest(t, "admin")); err != nil {
			t.Errorf("the administrator's account was touched: %v", err)
		}

		head = auditHead(t, db)
		_, err = bo.Svc.CreateRole(ctx, hr, backoffice.NewRole{Name: "keyish", Permissions: []backoffice.Permission{backoffice.PermCustomersRead, backoffice.PermKeysManage}})
		refused("CreateWiderRole", err, backoffice.ActionRoleCreate, head, string(backoffice.PermKeysManage))
		wide := customRole(t, db, "wide", backoffice.PermCustomersRead, backoffice.PermVendsReverse)
		head = auditHead(t, db)
		_, err = bo.Svc.UpdateRole(ctx, hr, "wide", backoffice.RoleUpdate{Permissions: []backoffice.Permission{backoffice.PermCustomersRead}, Version: wide.Version})
		refused("EditWiderRole", err, backoffice.ActionRoleUpdate, head, string(backoffice.PermVendsReverse))
		head = auditHead(t, db)
		_, err = bo.Svc.UpdateRole(ctx, hr, "reader", backoffice.RoleUpdate{Permissions: []backoffice.Permission{backoffice.PermCustomersRead, backoffice.PermMetersManage}, Version: 1})
		refused("WidenRole", err, backoffice.ActionRoleUpdate, head, string(backoffice.PermMetersManage))
	})
}

// TestOperatorScope: an administrator limited to a utility sees and manages only the operators
// of that utility, and gives only that utility.
func TestOperatorScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		local := scoped(t, bo, "local", 1, backoffice.RoleAdministrator)
		mine := scoped(t, bo, "mine", 1, backoffice.RoleCashier)
		theirs := scoped(t, bo, "theirs", 2, backoffice.RoleCashier)
		if local.UtilityID() != 1 {
			t.Fatalf("the local administrator has utility %d", local.UtilityID())
		}
		list, err := bo.Svc.ListOperators(ctx, local, backoffice.OperatorQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range list {
			names = append(names, o.Username)
		}
		if !slices.Equal(names, []string{"local", "mine"}) {
			t.Errorf("the local administrator sees %v, want [local mine]", names)
		}
		if list, _ := bo.Svc.ListOperators(ctx, local, backoffice.OperatorQuery{UtilityID: 2}); len(list) != 0 {
			t.Errorf("asking for another utility shows %d operators", len(list))
		}
		if _, err := bo.Svc.ShowOperator(ctx, local, mine.ID()); err != nil {
			t.Error(err)
		}
		_, err = bo.Svc.ShowOperator(ctx, local, theirs.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		_, err = bo.Svc.ShowOperator(ctx, local, bo.Admin.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		head := auditHead(t, db)
		_, err = bo.Svc.DeactivateOperator(ctx, local, theirs.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		wantOneEntry(t, db, head, backoffice.ActionOperatorDeactivate, backoffice.OutcomeDenied)
		_, err = bo.Svc.RevokeSessions(ctx, local, theirs.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		for _, u := range []int64{0, 2} {
			_, err = bo.Svc.CreateOperator(ctx, local, backoffice.NewOperator{Username: "new" + itoa(u), FullName: "N", Roles: []string{backoffice.RoleCashier}, UtilityID: u})
			wantReason(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		}
		if _, err := bo.Svc.CreateOperator(ctx, local, backoffice.NewOperator{Username: "new1", FullName: "N", Roles: []string{backoffice.RoleCashier}, UtilityID: 1}); err != nil {
			t.Error(err)
		}
		if _, err := bo.Svc.DeactivateOperator(ctx, local, mine.ID()); err != nil {
			t.Error(err)
		}
	})
}

// TestListOperators: pages by ID, filtered by role, status and a part of the name.
func TestListOperators(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		for _, n := range []string{"alice", "bob", "carol"} {
			bo.Operator(t, n, backoffice.RoleCashier)
		}
		dave := bo.Operator(t, "dave", backoffice.RoleAuditor)
		if _, err := bo.Svc.DeactivateOperator(ctx, bo.Admin, dave.ID()); err != nil {
			t.Fatal(err)
		}
		names := func(q backoffice.OperatorQuery) []string {
			t.Helper()
			list, err := bo.Svc.ListOperators(ctx, bo.Admin, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range list {
				out = append(out, o.Username)
			}
			return out
		}
		cases := []struct {
			q    backoffice.OperatorQuery
			want []string
		}{
			{backoffice.OperatorQuery{}, []string{"admin", "alice", "bob", "carol", "dave"}},
			{backoffice.OperatorQuery{Limit: 2}, []string{"admin", "alice"}},
			{backoffice.OperatorQuery{Role: backoffice.RoleCashier}, []string{"alice", "bob", "carol"}},
			{backoffice.OperatorQuery{Status: backoffice.OperatorDeactivated}, []string{"dave"}},
			{backoffice.OperatorQuery{Search: "AR"}, []string{"carol"}},
			{backoffice.OperatorQuery{Search: "%"}, nil},
		}
		for _, c := range cases {
			if got := names(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%+v: got %v, want %v", c.q, got, c.want)
			}
		}
		page, _ := bo.Svc.ListOperators(ctx, bo.Admin, backoffice.OperatorQuery{Limit: 2})
		if got := names(backoffice.OperatorQuery{Limit: 2, AfterID: page[1].ID}); !slices.Equal(got, []string{"bob", "carol"}) {
			t.Errorf("the second page is %v", got)
		}
		for q, field := range map[*backoffice.OperatorQuery]string{
			{Status: "asleep"}:                 "status",
			{Limit: -1}:                        "limit",
			{Limit: 10_000}:                    "limit",
			{AfterID: -5}:                      "after",
			{Search: strings.Repeat("x", 300)}: "search",
		} {
			_, err := bo.Svc.ListOperators(ctx, bo.Admin, *q)
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Field != field {
				t.Errorf("%+v: got %v on %q, want invalid on %q", *q, err, e.Field, field)
			}
		}
		viewer := bo.Operator(t, "viewer", backoffice.RoleReadOnly)
		if got, err := bo.Svc.ListOperators(ctx, viewer, backoffice.OperatorQuery{}); err != nil || len(got) != 6 {
			t.Errorf("a read-only operator lists %d operators: %v", len(got), err)
		}
		_, err := bo.Svc.ListOperators(ctx, backoffice.ChannelActor(backoffice.ActorAgent, 1, "agent", "rest", ""), backoffice.OperatorQuery{})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
	})
}

// TestResetPasswordUnlockSecondFactor: a reset password is one-time and ends the operator's
// sessions; unlocking lets a locked operator in at once; a reset second factor lets the operator
// sign in with the password alone, without the permissions that need one.
func TestResetPasswordUnlockSecondFactor(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		bo.Operator(t, "super", backoffice.RoleSupervisor)
		super, _ := db.OperatorByUsername(ctx, "super")
		sess, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "super"))
		if err != nil {
			t.Fatal(err)
		}
		head := auditHead(t, db)
		creds, err := bo.Svc.ResetPassword(ctx, bo.Admin, super.ID)
		if err != nil {
			t.Fatal(err)
		}
		e := wantOneEntry(t, db, head, backoffice.ActionOperatorResetPassword, backoffice.OutcomeDone)
		if len(creds.Password) < 12 || !creds.Operator.MustChangePassword || strings.Contains(string(e.After)+e.Detail, creds.Password) {
			t.Errorf("got credentials %+v, entry %q", creds.Operator, e.Detail)
		}
		_, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		_, _, err = bo.Svc.SignIn(ctx, bo.SignInRequest(t, "super"))
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		req := bo.SignInRequest(t, "super")
		req.Password = creds.Password
		a, _, err := bo.Svc.SignIn(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Permissions()) != 0 {
			t.Errorf("a one-time password gives %v", a.Permissions())
		}
		if err := bo.Svc.ChangePassword(ctx, a, creds.Password, testkit.Password); err != nil {
			t.Fatal(err)
		}

		for range 5 {
			req := requestNow(t, bo, "super")
			req.Password = "not it at all"
			_, _, _ = bo.Svc.SignIn(ctx, req)
		}
		_, _, err = bo.Svc.SignIn(ctx, requestNow(t, bo, "super"))
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		head = auditHead(t, db)
		if v, err := bo.Svc.Unlock(ctx, bo.Admin, super.ID); err != nil || v.LockedUntil != nil {
			t.Fatalf("got %+v, %v", v, err)
		}
		wantOneEntry(t, db, head, backoffice.ActionOperatorUnlock, backoffice.OutcomeDone)
		if _, _, err := bo.Svc.SignIn(ctx, requestNow(t, bo, "super")); err != nil {
			t.Fatalf("signing in after the unlock: %v", err)
		}

		head = auditHead(t, db)
		v, err := bo.Svc.ResetSecondFactor(ctx, bo.Admin, super.ID)
		if err != nil || v.SecondFactor {
			t.Fatalf("got %+v, %v", v, err)
		}
		wantOneEntry(t, db, head, backoffice.ActionOperatorResetSecondFactor, backoffice.OutcomeDone)
		a, _, err = bo.Svc.SignIn(ctx, backoffice.SignInRequest{Username: "super", Password: testkit.Password})
		if err != nil {
			t.Fatal(err)
		}
		if a.Can(backoffice.PermVendsReverse) || !a.Can(backoffice.PermCustomersManage) {
			t.Errorf("without a second factor: reverse %t (want false), customers %t (want true)", a.Can(backoffice.PermVendsReverse), a.Can(backoffice.PermCustomersManage))
		}

		for _, do := range []func() error{
			func() error { _, err := bo.Svc.ResetPassword(ctx, bo.Admin, bo.Admin.ID()); return err },
			func() error { _, err := bo.Svc.Unlock(ctx, bo.Admin, bo.Admin.ID()); return err },
			func() error { _, err := bo.Svc.ResetSecondFactor(ctx, bo.Admin, bo.Admin.ID()); return err },
		} {
			wantReason(t, do(), core.CodeForbidden, backoffice.ReasonOwnAccount)
		}
		_, err = bo.Svc.ResetPassword(ctx, a, bo.Admin.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
	})
}
