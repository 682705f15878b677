package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestLockoutBackoff: five wrong passwords lock the account for 30 s; the right password is
// refused while it is locked (an attempt during the lock is not counted, so it does not lengthen
// it) and accepted once the lock ends. Each wrong password after that doubles the lock.
func TestLockoutBackoff(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		bo.Operator(t, "cashier", backoffice.RoleCashier)
		wrong := func() {
			t.Helper()
			req := requestNow(t, bo, "cashier")
			req.Password = "wrong password, again"
			_, _, err := bo.Svc.SignIn(ctx, req)
			wantReason(t, err, core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		}
		right := func() error {
			t.Helper()
			_, _, err := bo.Svc.SignIn(ctx, requestNow(t, bo, "cashier"))
			return err
		}
		for range 5 {
			wrong()
		}
		head := auditHead(t, db)
		wantReason(t, right(), core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		if e := wantOneEntry(t, db, head, backoffice.ActionSignIn, backoffice.OutcomeFailed); e.Detail == "" {
			t.Error("the refusal while locked says nothing")
		}
		bo.Clock.Advance(29 * time.Second)
		wantReason(t, right(), core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		bo.Clock.Advance(time.Second)
		if err := right(); err != nil {
			t.Fatalf("after the 30 s lock: %v", err)
		}

		for range 5 {
			wrong()
		}
		bo.Clock.Advance(30 * time.Second)
		wrong() // the sixth in a row: locked for 60 s
		o, _ := db.OperatorByUsername(ctx, "cashier")
		if got := o.LockedUntil.Sub(bo.Clock.Now()); got != time.Minute {
			t.Fatalf("the sixth wrong password locks for %v, want 1m", got)
		}
		bo.Clock.Advance(59 * time.Second)
		wantReason(t, right(), core.CodeUnauthorized, backoffice.ReasonBadCredentials)
		bo.Clock.Advance(time.Second)
		if err := right(); err != nil {
			t.Fatalf("after the 60 s lock: %v", err)
		}
	})
}

// requestNow is bo.SignInRequest without moving the clock: the code is the next step's, which a
// sign-in accepts (a phone's clock drifts), so that the time a lock lasts is measured exactly.
func requestNow(t *testing.T, bo *testkit.BackOffice, username string) backoffice.SignInRequest {
	t.Helper()
	req := bo.SignInRequest(t, username)
	bo.Clock.Advance(-30 * time.Second)
	return req
}
