package core

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"github.com/vendgate/vendgate/sts"
)

// TokenIssuer makes the tokens for a meter. It is the seam where a hardware security module
// replaces the software issuer: callers hand it key parameters and payloads, never key bytes.
type TokenIssuer interface {
	// Tokens encodes payloads under the meter's decoder key.
	Tokens(ctx context.Context, key MeterKey, payloads []sts.Payload) ([]sts.Token, error)
	// KeyChange returns the key change tokens, made under from, that move a meter to key to.
	KeyChange(ctx context.Context, from, to MeterKey, rollover bool) ([]sts.Token, error)
}

// SealedKeys returns a supply group's vending key as stored: sealed under the master key.
type SealedKeys interface {
	SealedVendingKey(ctx context.Context, sgc sts.SGC, krn uint8, dkga sts.DKGA) ([]byte, error)
}

// Sealer encrypts vending keys at rest with AES-256-GCM under a master key that never reaches
// the database. The additional data binds each sealed key to its supply group, revision and
// algorithm, so a sealed key copied to another row does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte master key.
func NewSealer(master []byte) (*Sealer, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("master key is %d bytes, want 32", len(master))
	}
	block, err := aes.NewCipher(master)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func vendingKeyAAD(sgc sts.SGC, krn uint8, dkga sts.DKGA) []byte {
	return fmt.Appendf(nil, "vendgate vending key sgc=%s krn=%d dkga=%s", sgc, krn, dkga)
}

// Seal encrypts a vending key; the result is nonce ‖ ciphertext ‖ tag.
func (s *Sealer) Seal(key []byte, sgc sts.SGC, krn uint8, dkga sts.DKGA) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(key)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, key, vendingKeyAAD(sgc, krn, dkga)), nil
}

// Open decrypts a sealed vending key. The error says only that it failed.
func (s *Sealer) Open(sealed []byte, sgc sts.SGC, krn uint8, dkga sts.DKGA) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errors.New("sealed vending key is too short")
	}
	key, err := s.aead.Open(nil, sealed[:n], sealed[n:], vendingKeyAAD(sgc, krn, dkga))
	if err != nil {
		return nil, errors.New("sealed vending key does not open under the master key")
	}
	return key, nil
}

// SoftIssuer issues tokens in software: it derives each meter's decoder key from the supply
// group's vending key and keeps the resulting ciphers in a bounded cache keyed by meter and key,
// so a key change (a new KRN, key type, tariff index or base date) uses a new entry.
type SoftIssuer struct {
	Keys   SealedKeys
	Sealer *Sealer
	// CacheSize bounds the decoder key cache; 0 means 100 000 meters.
	CacheSize int

	mu    sync.Mutex
	cache map[string]cipher.Block
}

var _ TokenIssuer = (*SoftIssuer)(nil)

// Tokens encodes payloads under the meter's decoder key.
func (s *SoftIssuer) Tokens(ctx context.Context, key MeterKey, payloads []sts.Payload) ([]sts.Token, error) {
	block, err := s.cipher(ctx, key)
	if err != nil {
		return nil, err
	}
	out := make([]sts.Token, len(payloads))
	for i, p := range payloads {
		if out[i], err = sts.Encode(p, block); err != nil {
			return nil, Internal(err, "encoding a token")
		}
	}
	return out, nil
}

// KeyChange returns the key change tokens from one key to another, made under the old key.
func (s *SoftIssuer) KeyChange(ctx context.Context, from, to MeterKey, rollover bool) ([]sts.Token, error) {
	if err := CheckKeyChange(from, &to); err != nil {
		return nil, err
	}
	newKey, err := s.decoderKey(ctx, to)
	if err != nil {
		return nil, err
	}
	defer clear(newKey)
	kc := sts.KeyChange{NewKey: newKey, KEN: to.KEN, KRN: to.KRN, KT: to.KT, TI: to.TI, RO: rollover, SGC: to.SGC}
	ps, err := kc.Payloads()
	if err != nil {
		return nil, Errorf(CodeInvalid, ReasonInvalidKeyChange, "key change: %v", err)
	}
	return s.Tokens(ctx, from, ps)
}

func cacheKey(k MeterKey) string { return k.PAN.String() + "|" + k.ID() }

func (s *SoftIssuer) cipher(ctx context.Context, key MeterKey) (cipher.Block, error) {
	ck := cacheKey(key)
	s.mu.Lock()
	block, ok := s.cache[ck]
	s.mu.Unlock()
	if ok {
		return block, nil
	}
	dk, err := s.decoderKey(ctx, key)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	if block, err = sts.NewCipher(key.EA, dk); err != nil {
		return nil, Internal(err, "decoder key cipher")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.CacheSize
	if limit <= 0 {
		limit = 100_000
	}
	if s.cache == nil || len(s.cache) >= limit {
		s.cache = make(map[string]cipher.Block)
	}
	s.cache[ck] = block
	return block, nil
}

func (s *SoftIssuer) decoderKey(ctx context.Context, key MeterKey) ([]byte, error) {
	sealed, err := s.Keys.SealedVendingKey(ctx, key.SGC, key.KRN, key.DKGA)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeInvalid, ReasonNoVendingKey, "no vending key for supply group %s KRN %d DKGA%s", key.SGC, key.KRN, key.DKGA)
	}
	if err != nil {
		return nil, Unavailable(err, "reading the vending key")
	}
	vk, err := s.Sealer.Open(sealed, key.SGC, key.KRN, key.DKGA)
	if err != nil {
		return nil, Internal(err, "opening the vending key")
	}
	defer clear(vk)
	dk, err := sts.DeriveKey(key.DKGA, vk, sts.KeyParams{PAN: key.PAN, KT: key.KT, SGC: key.SGC, TI: key.TI, KRN: key.KRN, BaseDate: key.BaseDate, EA: key.EA})
	if err != nil {
		return nil, Errorf(CodeInvalid, ReasonInvalidMeterKey, "meter key parameters: %v", err)
	}
	return dk, nil
}
