package core

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"

	"github.com/vendgate/vendgate/sts"
)

// MasterKeyChecks stores the master key's check value: what lets a start tell a wrong master key
// (another installation's file, a mistyped variable) before it seals or opens anything with it.
type MasterKeyChecks interface {
	// MasterKeyCheck returns the stored check value, or ErrNotFound.
	MasterKeyCheck(ctx context.Context) ([]byte, error)
	// SetMasterKeyCheck stores the check value once: ErrDuplicate when one is stored already.
	SetMasterKeyCheck(ctx context.Context, check []byte) error
	// AnySealedVendingKey returns one stored sealed vending key, or ErrNotFound when there is none.
	AnySealedVendingKey(ctx context.Context) (SealedVendingKey, error)
}

// SealedVendingKey is a vending key as stored, with the supply group, revision and algorithm its
// seal is bound to.
type SealedVendingKey struct {
	SGC    sts.SGC
	KRN    uint8
	DKGA   sts.DKGA
	Sealed []byte
}

// ErrWrongMasterKey is the answer of CheckMasterKey when the master key is not the one the
// database was sealed with.
var ErrWrongMasterKey = errors.New("the master key does not match this database")

// masterKeyCheck is what the check value seals: a known constant, bound to its purpose by the
// additional data, so that it can never be taken for a vending key (nor one for it).
var (
	masterKeyCheckPlain = []byte("vendgate master key check value v1")
	masterKeyCheckAAD   = []byte("vendgate master key check")
)

// CheckValue returns a new check value of the sealer's master key: a known constant sealed
// under it. Only the same master key opens it.
func (s *Sealer) CheckValue() ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, masterKeyCheckPlain, masterKeyCheckAAD), nil
}

// matchesCheck reports whether a check value was made under the sealer's master key.
func (s *Sealer) matchesCheck(check []byte) bool {
	n := s.aead.NonceSize()
	if len(check) < n+s.aead.Overhead() {
		return false
	}
	plain, err := s.aead.Open(nil, check[:n], check[n:], masterKeyCheckAAD)
	return err == nil && subtle.ConstantTimeCompare(plain, masterKeyCheckPlain) == 1
}

// CheckMasterKey tests the sealer's master key against the database: ErrWrongMasterKey when it
// is not the key the database holds keys under. On the first use (no check value stored) the
// check value is stored, after testing the key on a stored vending key if there is one (a
// database from before check values).
func CheckMasterKey(ctx context.Context, st MasterKeyChecks, s *Sealer) error {
	check, err := st.MasterKeyCheck(ctx)
	switch {
	case err == nil:
		if !s.matchesCheck(check) {
			return ErrWrongMasterKey
		}
		return nil
	case !errors.Is(err, ErrNotFound):
		return Unavailable(err, "reading the master key's check value")
	}
	vk, err := st.AnySealedVendingKey(ctx)
	switch {
	case err == nil:
		key, err := s.Open(vk.Sealed, vk.SGC, vk.KRN, vk.DKGA)
		if err != nil {
			return ErrWrongMasterKey
		}
		clear(key)
	case !errors.Is(err, ErrNotFound):
		return Unavailable(err, "reading a vending key")
	}
	if check, err = s.CheckValue(); err != nil {
		return Internal(err, "making the master key's check value")
	}
	if err := st.SetMasterKeyCheck(ctx, check); errors.Is(err, ErrDuplicate) {
		return CheckMasterKey(ctx, st, s) // another node stored one first: test against it
	} else if err != nil {
		return Unavailable(err, "storing the master key's check value")
	}
	return nil
}
