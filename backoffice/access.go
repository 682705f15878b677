package backoffice

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/vendgate/vendgate/core"
)

// AccessStore keeps the ways an operator comes back after a sign-in: sessions and API tokens.
// Each keeps the SHA-256 of its secret (SecretHash), never the secret.
type AccessStore interface {
	SessionStore
	TokenStore
}

// SecretHash is what the store keeps of a session or API token secret: its SHA-256, in hex. A
// secret is 256 random bits, so a plain hash is enough: there is nothing to guess.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newSecret returns 32 random bytes, base64url without padding.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", core.Internal(err, "reading random bytes")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// stamp is the clock's time as the store keeps it: UTC, to the microsecond.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ownOrManage checks that the actor may act on the sessions or tokens of operatorID: their own,
// or anyone's in their utility with PermOperatorsManage. It returns the permission the audit
// entry names ("" for the actor's own) or the refusal, audited.
func (s *Service) ownOrManage(ctx context.Context, a Actor, action Action, operatorID int64) (Permission, error) {
	if a.kind == ActorOperator && a.id != 0 && a.id == operatorID {
		return "", nil
	}
	target := operatorTarget(operatorID)
	if err := s.allow(ctx, a, PermOperatorsManage, action, target); err != nil {
		return "", err
	}
	o, err := s.store.Operator(ctx, operatorID)
	if err != nil {
		return "", operatorError(err, operatorID)
	}
	if err := s.inScope(ctx, a, PermOperatorsManage, action, target, o.UtilityID); err != nil {
		return "", err
	}
	return PermOperatorsManage, nil
}

// operatorError names the operator a store could not find.
func operatorError(err error, id int64) error {
	if isNotFound(err) {
		return core.Errorf(core.CodeNotFound, core.ReasonNotFound, "operator %d does not exist", id)
	}
	return storeError(err)
}

// change runs fn and appends its audit entry, naming perm, in one transaction: act without the
// permission check, for what an operator does to their own sessions and tokens. Operator and
// role management check the permission first (allow), then what the change may grant (each
// refusal audited by deny), then run act, whose own check of the permission, held, is silent.
func change[T any](ctx context.Context, s *Service, a Actor, perm Permission, action Action,
	fn func(ctx context.Context) (T, Change, error)) (T, error) {
	var out T
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		v, ch, err := fn(ctx)
		if err != nil {
			return err
		}
		out = v
		return s.audit(ctx, a, perm, action, OutcomeDone, ch)
	})
	return out, s.refused(ctx, a, perm, action, err)
}

// refused audits err if it is a refusal (forbidden) that fn returned inside the transaction —
// whose own audit entry rolled back with it — and returns err in core's vocabulary.
func (s *Service) refused(ctx context.Context, a Actor, perm Permission, action Action, err error) error {
	var ce *core.Error
	if core.ErrorCode(err) != core.CodeForbidden || !errors.As(err, &ce) {
		return storeError(err)
	}
	return s.deny(ctx, a, perm, action, "", ce)
}

// deny audits a refusal, in a transaction of its own, and returns err, the refusal.
func (s *Service) deny(ctx context.Context, a Actor, perm Permission, action Action, target string, err *core.Error) error {
	if aerr := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, a, perm, action, OutcomeDenied, Change{Target: target, Detail: err.Message})
	}); aerr != nil {
		return storeError(aerr)
	}
	return err
}
