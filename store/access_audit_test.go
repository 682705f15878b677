package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestAccessActionsAuditedOnce: each session, token, operator and role action leaves exactly
// one entry, naming the action, the actor and the record; each read leaves none; and the chain
// they form verifies.
func TestAccessActionsAuditedOnce(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		bo.Operator(t, "clerk", backoffice.RoleCashier)
		clerk, _ := db.OperatorByUsername(ctx, "clerk")
		clerkTarget := "operator:" + itoa(clerk.ID)
		var (
			sess  backoffice.SessionGrant
			tok   backoffice.TokenGrant
			inSes backoffice.Actor
			role  backoffice.RoleView
		)
		steps := []struct {
			action backoffice.Action
			actor  string
			target string
			do     func() error
		}{
			{backoffice.ActionSignIn, "admin", "", func() (err error) {
				sess, err = bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "admin"))
				if err == nil {
					inSes, _, err = bo.Svc.SessionActor(ctx, sess.Token, "")
				}
				return err
			}},
			{backoffice.ActionTokenIssue, "admin", "", func() (err error) {
				tok, err = bo.Svc.IssueToken(ctx, inSes, backoffice.NewToken{Label: "x", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
				return err
			}},
			{backoffice.ActionTokenRevoke, "admin", "", func() error { return bo.Svc.RevokeToken(ctx, inSes, tok.ID) }},
			{backoffice.ActionOperatorUpdate, "admin", clerkTarget, func() error {
				_, err := bo.Svc.UpdateOperator(ctx, inSes, clerk.ID, backoffice.OperatorUpdate{FullName: "Clerk", Roles: clerk.Roles, Version: clerk.Version})
				return err
			}},
			{backoffice.ActionOperatorUnlock, "admin", clerkTarget, func() error { _, err := bo.Svc.Unlock(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionOperatorResetSecondFactor, "admin", clerkTarget, func() error { _, err := bo.Svc.ResetSecondFactor(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionOperatorResetPassword, "admin", clerkTarget, func() error { _, err := bo.Svc.ResetPassword(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionOperatorDeactivate, "admin", clerkTarget, func() error { _, err := bo.Svc.DeactivateOperator(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionOperatorReactivate, "admin", clerkTarget, func() error { _, err := bo.Svc.ReactivateOperator(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionSessionsRevoke, "admin", clerkTarget, func() error { _, err := bo.Svc.RevokeSessions(ctx, inSes, clerk.ID); return err }},
			{backoffice.ActionRoleCreate, "admin", "", func() (err error) {
				role, err = bo.Svc.CreateRole(ctx, inSes, backoffice.NewRole{Name: "temp", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
				return err
			}},
			{backoffice.ActionRoleUpdate, "admin", "", func() error {
				_, err := bo.Svc.UpdateRole(ctx, inSes, "temp", backoffice.RoleUpdate{Summary: "t", Permissions: role.Permissions, Version: role.Version})
				return err
			}},
			{backoffice.ActionRoleDeactivate, "admin", "", func() error { _, err := bo.Svc.DeactivateRole(ctx, inSes, "temp"); return err }},
			{backoffice.ActionOperatorCreate, "admin", "", func() error {
				_, err := bo.Svc.CreateOperator(ctx, inSes, backoffice.NewOperator{Username: "clerk2", Roles: []string{backoffice.RoleCashier}})
				return err
			}},
			{backoffice.ActionSignOut, "admin", "", func() error { return bo.Svc.CloseSession(ctx, inSes) }},
		}
		for _, s := range steps {
			head := auditHead(t, db)
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.action, err)
			}
			e := wantOneEntry(t, db, head, s.action, backoffice.OutcomeDone)
			target := s.target
			switch s.action {
			case backoffice.ActionTokenIssue, backoffice.ActionTokenRevoke:
				target = "token:" + itoa(tok.ID)
			case backoffice.ActionRoleCreate, backoffice.ActionRoleUpdate, backoffice.ActionRoleDeactivate:
				target = "role:" + itoa(role.ID)
			case backoffice.ActionSignIn:
				target = "operator:" + itoa(bo.Admin.ID())
			case backoffice.ActionSignOut:
				target = inSes.Via()
			}
			if e.ActorName != s.actor || target != "" && e.Target != target {
				t.Errorf("%s: got actor %q target %q", s.action, e.ActorName, e.Target)
			}
			if e.Via != inSes.Via() {
				t.Errorf("%s: via %q, want the session's %q", s.action, e.Via, inSes.Via())
			}
		}

		head := auditHead(t, db)
		reads := []func() error{
			func() error { _, err := bo.Svc.ListOperators(ctx, bo.Admin, backoffice.OperatorQuery{}); return err },
			func() error { _, err := bo.Svc.ShowOperator(ctx, bo.Admin, clerk.ID); return err },
			func() error { _, err := bo.Svc.ListRoles(ctx, bo.Admin); return err },
			func() error { _, err := bo.Svc.Sessions(ctx, bo.Admin, clerk.ID); return err },
			func() error { _, err := bo.Svc.Tokens(ctx, bo.Admin, clerk.ID); return err },
		}
		for i, r := range reads {
			if err := r(); err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
		}
		if got := newEntries(t, db, head); len(got) != 0 {
			t.Errorf("reads left entries %+v", got)
		}
		res, err := bo.Svc.VerifyAudit(ctx, bo.Admin)
		if err != nil || res.Break != nil {
			t.Fatalf("got %v, %v", res.Break, err)
		}
	})
}
