package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestTokenScope: a token acts as its operator with only the permissions it carries, and with
// the second factor of the sign-in that issued it; it cannot carry what its issuer lacks.
func TestTokenScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		head := auditHead(t, db)
		g, err := bo.Svc.IssueToken(ctx, bo.Admin, backoffice.NewToken{Label: "nightly export",
			Permissions: []backoffice.Permission{backoffice.PermVendsRead, backoffice.PermCustomersRead, backoffice.PermVendsReverse}})
		if err != nil {
			t.Fatal(err)
		}
		e := wantOneEntry(t, db, head, backoffice.ActionTokenIssue, backoffice.OutcomeDone)
		if e.Target != "token:"+itoa(g.ID) {
			t.Errorf("got target %q", e.Target)
		}
		if !strings.HasPrefix(g.Token, backoffice.TokenPrefix) || len(g.Token) != len(backoffice.TokenPrefix)+43 {
			t.Errorf("got a token of %d characters", len(g.Token))
		}
		if want := bo.Clock.Now().Add(backoffice.DefaultTokenTTL).UTC(); !g.ExpiresAt.Equal(want) {
			t.Errorf("the token ends at %v, want %v", g.ExpiresAt, want)
		}
		a, err := bo.Svc.TokenActor(ctx, g.Token, "192.0.2.7")
		if err != nil {
			t.Fatal(err)
		}
		want := []backoffice.Permission{backoffice.PermCustomersRead, backoffice.PermVendsRead, backoffice.PermVendsReverse}
		if got := a.Permissions(); !slices.Equal(got, want) {
			t.Errorf("got permissions %v, want %v", got, want)
		}
		if a.ID() != bo.Admin.ID() || a.Via() != "token:"+itoa(g.ID) || a.From() != "192.0.2.7" || a.TokenID() != g.ID || a.SessionID() != 0 {
			t.Errorf("got actor %d via %s from %s", a.ID(), a.Via(), a.From())
		}
		if !a.Can(backoffice.PermVendsReverse) || a.Can(backoffice.PermOperatorsManage) {
			t.Errorf("can reverse %t (want true: the issuer had a second factor), can manage operators %t (want false)",
				a.Can(backoffice.PermVendsReverse), a.Can(backoffice.PermOperatorsManage))
		}
		_, err = bo.Svc.CreateOperator(ctx, a, backoffice.NewOperator{Username: "viatoken", FullName: "T", Roles: []string{backoffice.RoleCashier}})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)

		_, err = bo.Svc.IssueToken(ctx, a, backoffice.NewToken{Label: "from a token", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonTokenScope)

		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		head = auditHead(t, db)
		_, err = bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "greedy",
			Permissions: []backoffice.Permission{backoffice.PermVendsRead, backoffice.PermOperatorsManage}})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonTokenScope)
		if !strings.Contains(err.Error(), string(backoffice.PermOperatorsManage)) || strings.Contains(err.Error(), string(backoffice.PermVendsRead)) {
			t.Errorf("the refusal does not name just what the cashier lacks: %v", err)
		}
		wantOneEntry(t, db, head, backoffice.ActionTokenIssue, backoffice.OutcomeDenied)
		if list, _ := bo.Svc.Tokens(ctx, cashier, cashier.ID()); len(list) != 0 {
			t.Errorf("a refused token was stored: %+v", list)
		}
	})
}

// TestTokenBadInput: each field of a token request is checked, naming it.
func TestTokenBadInput(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		read := []backoffice.Permission{backoffice.PermVendsRead}
		cases := []struct {
			name   string
			n      backoffice.NewToken
			reason core.Reason
			field  string
		}{
			{"NoLabel", backoffice.NewToken{Label: "  ", Permissions: read}, backoffice.ReasonInvalidToken, "label"},
			{"LongLabel", backoffice.NewToken{Label: strings.Repeat("x", 101), Permissions: read}, backoffice.ReasonInvalidToken, "label"},
			{"NoPermission", backoffice.NewToken{Label: "x"}, backoffice.ReasonInvalidToken, "permissions"},
			{"UnknownPermission", backoffice.NewToken{Label: "x", Permissions: []backoffice.Permission{"vends.read", "vends.steal"}}, backoffice.ReasonUnknownPermission, "permissions"},
			{"NegativeTTL", backoffice.NewToken{Label: "x", Permissions: read, TTL: -time.Hour}, backoffice.ReasonInvalidToken, "ttl"},
			{"ShortTTL", backoffice.NewToken{Label: "x", Permissions: read, TTL: time.Second}, backoffice.ReasonInvalidToken, "ttl"},
			{"LongTTL", backoffice.NewToken{Label: "x", Permissions: read, TTL: 2 * backoffice.MaxTokenTTL}, backoffice.ReasonInvalidToken, "ttl"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := bo.Svc.IssueToken(ctx, bo.Admin, c.n)
				wantReason(t, err, core.CodeInvalid, c.reason)
				if f := core.AsError(err).Field; f != c.field {
					t.Errorf("got field %q, want %q", f, c.field)
				}
				if c.reason == backoffice.ReasonUnknownPermission && !strings.Contains(err.Error(), "vends.steal") {
					t.Errorf("the error does not name the unknown permission: %v", err)
				}
			})
		}
	})
}

// TestTokenFollowsRole: a token of an operator whose role later loses a permission loses it
// too; the token never carries more than its operator holds now.
func TestTokenFollowsRole(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		clerk := backoffice.Role{Name: "clerk", Summary: "reads", Active: true,
			Permissions: []backoffice.Permission{backoffice.PermCustomersRead, backoffice.PermMetersRead}}
		if err := db.SaveRole(ctx, &clerk); err != nil {
			t.Fatal(err)
		}
		op := bo.Operator(t, "clerk1", "clerk")
		g, err := bo.Svc.IssueToken(ctx, op, backoffice.NewToken{Label: "meters", Permissions: clerk.Permissions})
		if err != nil {
			t.Fatal(err)
		}
		clerk.Permissions = []backoffice.Permission{backoffice.PermCustomersRead}
		if err := db.SaveRole(ctx, &clerk); err != nil {
			t.Fatal(err)
		}
		a, err := bo.Svc.TokenActor(ctx, g.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.Can(backoffice.PermMetersRead) || !a.Can(backoffice.PermCustomersRead) {
			t.Errorf("got permissions %v, want only customers.read", a.Permissions())
		}
	})
}

// TestTokenRevokeAndExpiry: a revoked or expired token is refused; an operator revokes their
// own, an administrator anyone's, a cashier nobody else's.
func TestTokenRevokeAndExpiry(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		read := []backoffice.Permission{backoffice.PermVendsRead}
		short, err := bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "short", Permissions: read, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		long, err := bo.Svc.IssueToken(ctx, cashier, backoffice.NewToken{Label: "long", Permissions: read})
		if err != nil {
			t.Fatal(err)
		}
		adminTok, err := bo.Svc.IssueToken(ctx, bo.Admin, backoffice.NewToken{Label: "admin's", Permissions: read})
		if err != nil {
			t.Fatal(err)
		}
		list, err := bo.Svc.Tokens(ctx, bo.Admin, cashier.ID())
		if err != nil || len(list) != 2 || list[0].ID != long.ID || list[1].Label != "short" {
			t.Fatalf("got tokens %+v, %v", list, err)
		}
		_, err = bo.Svc.Tokens(ctx, cashier, bo.Admin.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)

		bo.Clock.Advance(time.Hour)
		_, err = bo.Svc.TokenActor(ctx, short.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenExpired)
		if list, _ := bo.Svc.Tokens(ctx, cashier, cashier.ID()); len(list) != 1 {
			t.Errorf("an expired token is listed: %+v", list)
		}

		head := auditHead(t, db)
		wantReason(t, bo.Svc.RevokeToken(ctx, cashier, adminTok.ID), core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantOneEntry(t, db, head, backoffice.ActionTokenRevoke, backoffice.OutcomeDenied)
		if _, err := bo.Svc.TokenActor(ctx, adminTok.Token, ""); err != nil {
			t.Fatalf("a refused revocation revoked: %v", err)
		}

		head = auditHead(t, db)
		if err := bo.Svc.RevokeToken(ctx, cashier, long.ID); err != nil {
			t.Fatal(err)
		}
		wantOneEntry(t, db, head, backoffice.ActionTokenRevoke, backoffice.OutcomeDone)
		_, err = bo.Svc.TokenActor(ctx, long.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonTokenInvalid)
		wantReason(t, bo.Svc.RevokeToken(ctx, cashier, long.ID), core.CodeConflict, backoffice.ReasonTokenRevoked)
		wantReason(t, bo.Svc.RevokeToken(ctx, cashier, 9999), core.CodeNotFound, core.ReasonNotFound)

		if err := bo.Svc.RevokeToken(ctx, bo.Admin, adminTok.ID); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "vgo_", "Bearer " + adminTok.Token, adminTok.Token[len(backoffice.TokenPrefix):]} {
			if _, err := bo.Svc.TokenActor(ctx, bad, ""); core.ErrorCode(err) != core.CodeUnauthorized {
				t.Errorf("a malformed token got %v, want unauthorized", err)
			}
		}
	})
}

// TestTokenWithoutSecondFactor: a token issued by an operator signed in without a second factor
// carries none.
func TestTokenWithoutSecondFactor(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		creds, err := bo.Svc.CreateOperator(ctx, bo.Admin, backoffice.NewOperator{Username: "nofactor", FullName: "N", Roles: []string{backoffice.RoleSupervisor}})
		if err != nil {
			t.Fatal(err)
		}
		first, _, err := bo.Svc.SignIn(ctx, backoffice.SignInRequest{Username: "nofactor", Password: creds.Password})
		if err != nil {
			t.Fatal(err)
		}
		if err := bo.Svc.ChangePassword(ctx, first, creds.Password, testkit.Password); err != nil {
			t.Fatal(err)
		}
		a, _, err := bo.Svc.SignIn(ctx, backoffice.SignInRequest{Username: "nofactor", Password: testkit.Password})
		if err != nil {
			t.Fatal(err)
		}
		_, err = bo.Svc.IssueToken(ctx, a, backoffice.NewToken{Label: "x", Permissions: []backoffice.Permission{backoffice.PermVendsReverse}})
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonTokenScope)
		g, err := bo.Svc.IssueToken(ctx, a, backoffice.NewToken{Label: "x", Permissions: []backoffice.Permission{backoffice.PermVendsRead}})
		if err != nil {
			t.Fatal(err)
		}
		list, err := bo.Svc.Tokens(ctx, a, a.ID())
		if err != nil || len(list) != 1 || list[0].SecondFactor {
			t.Fatalf("got %+v, %v, want one token without a second factor", list, err)
		}
		if _, err := bo.Svc.TokenActor(ctx, g.Token, ""); err != nil {
			t.Fatal(err)
		}
	})
}
