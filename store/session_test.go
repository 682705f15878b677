package store_test

import (
	"context"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// wantReason fails the test unless err is a core error of code and reason.
func wantReason(t *testing.T, err error, code core.Code, reason core.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%s)", code, reason)
	}
	e := core.AsError(err)
	if e.Code != code || e.Reason != reason {
		t.Fatalf("got %s (%s): %v, want %s (%s)", e.Code, e.Reason, err, code, reason)
	}
}

// newEntries returns the audit entries appended since head.
func newEntries(t *testing.T, db *store.DB, head backoffice.AuditHead) []backoffice.AuditEntry {
	t.Helper()
	entries, err := db.AuditEntries(context.Background(), backoffice.AuditQuery{AfterSeq: head.Seq, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func auditHead(t *testing.T, db *store.DB) backoffice.AuditHead {
	t.Helper()
	h, err := db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wantOneEntry fails the test unless exactly one entry of action and outcome was appended since head.
func wantOneEntry(t *testing.T, db *store.DB, head backoffice.AuditHead, action backoffice.Action, outcome backoffice.Outcome) backoffice.AuditEntry {
	t.Helper()
	got := newEntries(t, db, head)
	if len(got) != 1 || got[0].Action != action || got[0].Outcome != outcome {
		t.Fatalf("got entries %+v, want one %s %s", got, action, outcome)
	}
	return got[0]
}

// TestSessionLifecycle: a sign-in opens a session whose token stands for the operator, with the
// second factor of the sign-in, under one audit entry; signing out ends it.
func TestSessionLifecycle(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		head := auditHead(t, db)
		req := bo.SignInRequest(t, "admin")
		req.From = "10.1.2.3"
		g, err := bo.Svc.OpenSession(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		entry := wantOneEntry(t, db, head, backoffice.ActionSignIn, backoffice.OutcomeDone)
		if raw, err := base64.RawURLEncoding.DecodeString(g.Token); err != nil || len(raw) != 32 {
			t.Errorf("the session token %d chars is not 32 bytes of base64url: %v", len(g.Token), err)
		}
		if g.CSRF == "" || g.CSRF == g.Token || g.Operator.Username != "admin" {
			t.Errorf("got grant CSRF %t, operator %q", g.CSRF != "", g.Operator.Username)
		}
		if want := bo.Clock.Now().Add(12 * time.Hour).UTC(); !g.ExpiresAt.Equal(want) {
			t.Errorf("the session ends at %v, want %v", g.ExpiresAt, want)
		}
		a, ss, err := bo.Svc.SessionActor(ctx, g.Token, "10.9.9.9")
		if err != nil {
			t.Fatal(err)
		}
		if a.Name() != "admin" || a.Via() != "session:"+itoa(ss.ID) || a.From() != "10.9.9.9" || entry.Via != a.Via() {
			t.Errorf("got actor %s via %s from %s (sign-in entry via %s)", a.Name(), a.Via(), a.From(), entry.Via)
		}
		if !a.Can(backoffice.PermOperatorsManage) || !ss.SecondFactor || ss.CSRF != g.CSRF || ss.From != "10.1.2.3" {
			t.Errorf("got second factor %t/%t, CSRF kept %t, from %q", a.Can(backoffice.PermOperatorsManage), ss.SecondFactor, ss.CSRF == g.CSRF, ss.From)
		}
		if a.SessionID() != ss.ID || a.TokenID() != 0 || !ss.CheckCSRF(g.CSRF) || ss.CheckCSRF(g.CSRF[1:]) || ss.CheckCSRF("") {
			t.Errorf("got session %d, token %d; the CSRF check is wrong", a.SessionID(), a.TokenID())
		}
		if me, err := bo.Svc.Me(ctx, a); err != nil || me.Username != "admin" {
			t.Errorf("got me %+v, %v", me, err)
		}
		list, err := bo.Svc.Sessions(ctx, a, a.ID())
		if err != nil || len(list) != 1 || list[0].ID != ss.ID {
			t.Fatalf("got sessions %+v, %v", list, err)
		}

		head = auditHead(t, db)
		if err := bo.Svc.CloseSession(ctx, a); err != nil {
			t.Fatal(err)
		}
		wantOneEntry(t, db, head, backoffice.ActionSignOut, backoffice.OutcomeDone)
		_, _, err = bo.Svc.SessionActor(ctx, g.Token, "10.9.9.9")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		wantReason(t, bo.Svc.CloseSession(ctx, a), core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		wantReason(t, bo.Svc.CloseSession(ctx, bo.Admin), core.CodeInvalid, backoffice.ReasonNotSession)
		_, _, err = bo.Svc.SessionActor(ctx, g.Token[:len(g.Token)-1]+"x", "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
	})
}

// TestSessionIdleTimeout: each request keeps a session alive for the idle limit; a session left
// alone that long ends. Last-seen is written at most once a minute.
func TestSessionIdleTimeout(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		g, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		opened := bo.Clock.Now().UTC()
		bo.Clock.Advance(30 * time.Second)
		_, ss, err := bo.Svc.SessionActor(ctx, g.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := db.SessionByHash(ctx, backoffice.SecretHash(g.Token))
		if !stored.LastSeen.Equal(opened) || !ss.LastSeen.Equal(opened) {
			t.Errorf("last seen written after 30 s: %v, want %v", stored.LastSeen, opened)
		}
		for range 2 {
			bo.Clock.Advance(14 * time.Minute)
			if _, _, err := bo.Svc.SessionActor(ctx, g.Token, ""); err != nil {
				t.Fatalf("after 14 minutes idle: %v", err)
			}
		}
		stored, _ = db.SessionByHash(ctx, backoffice.SecretHash(g.Token))
		if want := bo.Clock.Now().UTC(); !stored.LastSeen.Equal(want) {
			t.Errorf("last seen %v, want %v", stored.LastSeen, want)
		}
		bo.Clock.Advance(15 * time.Minute)
		_, _, err = bo.Svc.SessionActor(ctx, g.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionExpired)
		if list, err := bo.Svc.Sessions(ctx, bo.Admin, bo.Admin.ID()); err != nil || len(list) != 0 {
			t.Errorf("an idle session is listed: %+v, %v", list, err)
		}
	})
}

// TestSessionAbsoluteExpiry: a session kept busy still ends 12 h after its sign-in, or at the
// limit WithSessionLimits sets.
func TestSessionAbsoluteExpiry(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		g, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 71 {
			bo.Clock.Advance(10 * time.Minute)
			if _, _, err := bo.Svc.SessionActor(ctx, g.Token, ""); err != nil {
				t.Fatalf("after %d minutes: %v", (i+1)*10, err)
			}
		}
		bo.Clock.Advance(10 * time.Minute)
		_, _, err = bo.Svc.SessionActor(ctx, g.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionExpired)

		short := backoffice.New(db, backoffice.WithClock(bo.Clock.Now), backoffice.WithSessionLimits(time.Hour, 90*time.Minute))
		g, err = short.OpenSession(ctx, bo.SignInRequest(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		bo.Clock.Advance(50 * time.Minute)
		if _, _, err := short.SessionActor(ctx, g.Token, ""); err != nil {
			t.Fatalf("after 50 minutes idle of 60: %v", err)
		}
		bo.Clock.Advance(40 * time.Minute)
		_, _, err = short.SessionActor(ctx, g.Token, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionExpired)
	})
}

// TestRevokeSessions: an operator revokes their own sessions; an administrator revokes
// anyone's; a cashier may not revoke another's, and the refusal is audited.
func TestRevokeSessions(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		open := func(user string) string {
			g, err := bo.Svc.OpenSession(ctx, bo.SignInRequest(t, user))
			if err != nil {
				t.Fatal(err)
			}
			return g.Token
		}
		mine := []string{open("cashier"), open("cashier")}
		adminToken := open("admin")

		head := auditHead(t, db)
		_, err := bo.Svc.RevokeSessions(ctx, cashier, bo.Admin.ID())
		wantReason(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantOneEntry(t, db, head, backoffice.ActionSessionsRevoke, backoffice.OutcomeDenied)
		if _, _, err := bo.Svc.SessionActor(ctx, adminToken, ""); err != nil {
			t.Fatalf("the refused revocation ended the session: %v", err)
		}

		head = auditHead(t, db)
		n, err := bo.Svc.RevokeSessions(ctx, cashier, cashier.ID())
		if err != nil || n != 2 {
			t.Fatalf("got %d, %v, want 2 sessions revoked", n, err)
		}
		e := wantOneEntry(t, db, head, backoffice.ActionSessionsRevoke, backoffice.OutcomeDone)
		if e.Target != "operator:"+itoa(cashier.ID()) || e.Detail != "2 sessions revoked" {
			t.Errorf("got entry %q %q", e.Target, e.Detail)
		}
		for _, tok := range mine {
			_, _, err := bo.Svc.SessionActor(ctx, tok, "")
			wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		}

		again := open("cashier")
		if n, err := bo.Svc.RevokeSessions(ctx, bo.Admin, cashier.ID()); err != nil || n != 1 {
			t.Fatalf("got %d, %v, want 1 session revoked by the administrator", n, err)
		}
		_, _, err = bo.Svc.SessionActor(ctx, again, "")
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonSessionInvalid)
		if _, _, err := bo.Svc.SessionActor(ctx, adminToken, ""); err != nil {
			t.Fatalf("revoking the cashier's sessions ended the administrator's: %v", err)
		}
	})
}

// TestSessionWrongPassword: a failed sign-in opens no session and gives the one answer.
func TestSessionWrongPassword(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		req := bo.SignInRequest(t, "admin")
		req.Password = "not the password"
		g, err := bo.Svc.OpenSession(ctx, req)
		wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		if g.Token != "" {
			t.Error("a failed sign-in handed out a session token")
		}
		if list, _ := bo.Svc.Sessions(ctx, bo.Admin, bo.Admin.ID()); len(list) != 0 {
			t.Errorf("a failed sign-in opened %d sessions", len(list))
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
