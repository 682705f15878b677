package testkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/store"
)

// Clock is a test clock that moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// BackOffice is a bootstrapped back office for tests: the service over a store, its clock, and
// its administrator signed in with a second factor.
type BackOffice struct {
	Svc   *backoffice.Service
	Clock *Clock
	Admin backoffice.Actor
	// TOTP holds each test operator's second-factor secret, by username.
	TOTP map[string]string
}

// NewBackOffice bootstraps the back office over db (clock at 2026-12-03 09:00 UTC; opts after
// the test defaults) and signs its administrator in with a new password and an enrolled second
// factor.
func NewBackOffice(tb testing.TB, db *store.DB, opts ...backoffice.Option) *BackOffice {
	tb.Helper()
	clock := NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	svc := backoffice.New(db, append([]backoffice.Option{backoffice.WithClock(clock.Now), backoffice.WithCheapPasswords()}, opts...)...)
	creds, err := svc.Bootstrap(context.Background(), "admin")
	if err != nil || creds == nil {
		tb.Fatalf("bootstrap: %v, %v", creds, err)
	}
	bo := &BackOffice{Svc: svc, Clock: clock, TOTP: map[string]string{}}
	bo.Admin = bo.signInNew(tb, "admin", creds.Password)
	return bo
}

// Operator creates an operator with roles (by the administrator), sets its password, enrols a
// second factor and returns it signed in.
func (bo *BackOffice) Operator(tb testing.TB, username string, roles ...string) backoffice.Actor {
	tb.Helper()
	return bo.OperatorOf(tb, backoffice.NewOperator{Username: username, FullName: username, Roles: roles})
}

// OperatorOf creates the operator n (by the administrator: a scope of a utility or a hall, say)
// and returns it signed in, as Operator does.
func (bo *BackOffice) OperatorOf(tb testing.TB, n backoffice.NewOperator) backoffice.Actor {
	tb.Helper()
	creds, err := bo.Svc.CreateOperator(context.Background(), bo.Admin, n)
	if err != nil {
		tb.Fatalf("creating operator %s: %v", n.Username, err)
	}
	return bo.signInNew(tb, n.Username, creds.Password)
}

// OperatorIn is Operator for an operator limited to one utility (0: every utility).
func (bo *BackOffice) OperatorIn(tb testing.TB, username string, utilityID int64, roles ...string) backoffice.Actor {
	tb.Helper()
	return bo.OperatorOf(tb, backoffice.NewOperator{Username: username, FullName: username, Roles: roles, UtilityID: utilityID})
}

// Password is the password signInNew gives every test operator.
const Password = "correct horse battery staple"

// signInNew takes an operator from its one-time password to a signed-in actor with a second
// factor; the clock moves 30 s between codes, as a person's would.
func (bo *BackOffice) signInNew(tb testing.TB, username, oneTime string) backoffice.Actor {
	tb.Helper()
	ctx := context.Background()
	a, _, err := bo.Svc.SignIn(ctx, backoffice.SignInRequest{Username: username, Password: oneTime, Via: "test", From: "test"})
	if err != nil {
		tb.Fatalf("signing %s in with the one-time password: %v", username, err)
	}
	if err := bo.Svc.ChangePassword(ctx, a, oneTime, Password); err != nil {
		tb.Fatalf("changing %s's password: %v", username, err)
	}
	enr, err := bo.Svc.EnrolTOTP(ctx, a, "Vendgate")
	if err != nil {
		tb.Fatalf("enrolling %s's second factor: %v", username, err)
	}
	if err := bo.Svc.ConfirmTOTP(ctx, a, bo.Code(tb, enr.Secret)); err != nil {
		tb.Fatalf("confirming %s's second factor: %v", username, err)
	}
	bo.TOTP[username] = enr.Secret
	a, _, err = bo.Svc.SignIn(ctx, bo.SignInRequest(tb, username))
	if err != nil {
		tb.Fatalf("signing %s in: %v", username, err)
	}
	return a
}

// Code is the TOTP code of secret at the clock's time.
func (bo *BackOffice) Code(tb testing.TB, secret string) string {
	tb.Helper()
	c, err := backoffice.TOTPCode(secret, bo.Clock.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// SignInRequest is what a test operator made by NewBackOffice or Operator signs in with: the
// password and a code of its second factor. The clock moves 30 s first, so that no code is
// accepted twice.
func (bo *BackOffice) SignInRequest(tb testing.TB, username string) backoffice.SignInRequest {
	tb.Helper()
	bo.Clock.Advance(30 * time.Second)
	return backoffice.SignInRequest{Username: username, Password: Password, Code: bo.Code(tb, bo.TOTP[username]), Via: "test", From: "test"}
}
