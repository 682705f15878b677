package backoffice

import (
	"context"
	"sync"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Sign-in actions.
const (
	ActionSignIn    Action = "operator.sign_in"
	ActionBootstrap Action = "operator.bootstrap"
)

// Lockout: after lockoutFree wrong attempts in a row, each further one locks the account for
// lockoutBase, doubled each time, up to lockoutMax. A good sign-in clears the count.
const (
	lockoutFree = 5
	lockoutBase = 30 * time.Second
	lockoutMax  = time.Hour
)

// lockoutAfter is how long the account stays locked after its n-th wrong attempt in a row.
func lockoutAfter(n int) time.Duration {
	if n < lockoutFree {
		return 0
	}
	d := lockoutBase
	for i := lockoutFree; i < n && d < lockoutMax; i++ {
		d *= 2
	}
	return min(d, lockoutMax)
}

// SignInRequest is what an operator signs in with.
type SignInRequest struct {
	Username string
	Password string
	Code     string // the TOTP code; "" for an operator with no second factor
	Via      string // "session", "cli", "token"
	From     string // the remote address
}

// SignIn checks an operator's password (and TOTP code, when enrolled) and returns the Actor they
// act as. A wrong username, password or code, a locked or a deactivated account all get the same
// unauthorized answer; each failure is audited and counts toward the lockout. An operator whose
// roles move money or keys acts without those permissions until they sign in with a code.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (Actor, Operator, error) {
	return s.signIn(ctx, req, nil)
}

// signedIn runs inside a good sign-in's transaction, before its audit entry: it may change the
// actor (the session it opened) and returns what to add to the entry's detail.
type signedIn func(ctx context.Context, a *Actor, o Operator) (string, error)

// signIn is SignIn with then run in the sign-in's transaction (nil for none), so that what a
// sign-in opens (a session) and its one audit entry commit together.
func (s *Service) signIn(ctx context.Context, req SignInRequest, then signedIn) (Actor, Operator, error) {
	now := s.now()
	o, err := s.store.OperatorByUsername(ctx, req.Username)
	if isNotFound(err) {
		_ = checkPassword(dummyHash(), req.Password) // the same work as for a known username
		return Actor{}, Operator{}, s.failSignIn(ctx, Operator{Username: req.Username}, req, "no such operator", true)
	}
	if err != nil {
		return Actor{}, Operator{}, core.StoreError(err)
	}
	switch {
	case o.Status != OperatorActive:
		return Actor{}, Operator{}, s.failSignIn(ctx, o, req, "the account is deactivated", true)
	case now.Before(o.LockedUntil):
		// Not counted: the password is not even checked, and counting would let anyone keep an
		// account locked by knocking during the lock.
		return Actor{}, Operator{}, s.failSignIn(ctx, o, req, "the account is locked until "+o.LockedUntil.UTC().Format(time.RFC3339), false)
	case !checkPassword(o.PasswordHash, req.Password):
		return Actor{}, Operator{}, s.failSignIn(ctx, o, req, "wrong password", true)
	}
	secondFactor := false
	if o.TOTPSecret != "" {
		step, ok := checkTOTP(o.TOTPSecret, req.Code, now)
		if !ok || step <= o.TOTPLastStep {
			return Actor{}, Operator{}, s.failSignIn(ctx, o, req, "wrong or reused second-factor code", true)
		}
		o.TOTPLastStep, secondFactor = step, true
	}
	var a Actor
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		o.FailedSignIns, o.LockedUntil = 0, time.Time{}
		if err := s.store.SaveOperator(ctx, &o); err != nil {
			return err
		}
		if a, err = s.actorOf(ctx, o, req.Via, req.From, secondFactor); err != nil {
			return err
		}
		detail := "signed in"
		if o.MustChangePassword {
			detail = "signed in with a one-time password: only a new password may be set"
		}
		if then != nil {
			more, err := then(ctx, &a, o)
			if err != nil {
				return err
			}
			detail += "; " + more
		}
		return s.audit(ctx, a, "", ActionSignIn, OutcomeDone, Change{Target: operatorTarget(o.ID), Detail: detail})
	})
	if err != nil {
		return Actor{}, Operator{}, core.StoreError(err)
	}
	if o.MustChangePassword {
		a.perms = nil
	}
	return a, o, nil
}

// failSignIn counts a failed attempt against a known operator (when count is set), audits it,
// and returns the one unauthorized answer. Attempts at once each count: the count is re-read and
// saved at its version, again when another attempt saved first.
func (s *Service) failSignIn(ctx context.Context, o Operator, req SignInRequest, why string, count bool) error {
	for try := 0; ; try++ {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			detail := why
			if o.ID != 0 && count {
				cur, err := s.store.Operator(ctx, o.ID)
				if err != nil {
					return err
				}
				cur.FailedSignIns++
				if d := lockoutAfter(cur.FailedSignIns); d > 0 {
					cur.LockedUntil = s.now().Add(d)
					detail += "; locked for " + d.String()
				}
				if err := s.store.SaveOperator(ctx, &cur); err != nil {
					return err
				}
			}
			a := Actor{kind: ActorOperator, id: o.ID, name: o.Username, via: req.Via, from: req.From}
			return s.audit(ctx, a, "", ActionSignIn, OutcomeFailed, Change{Target: operatorTarget(o.ID), Detail: detail})
		})
		switch {
		case err == nil:
			return errNoOperator()
		case core.ErrorCode(err) == core.CodeConflict && try < 5:
			continue
		}
		return core.StoreError(err)
	}
}

// dummyHash is checked against when the username is unknown, so that a wrong username takes as
// long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword("vendgate-no-such-operator")
	if err != nil {
		return "" // no random source: an unknown username is then answered sooner
	}
	return h
})

func operatorTarget(id int64) string {
	if id == 0 {
		return ""
	}
	return "operator:" + itoa(id)
}
