package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"
)

// API keys are shown once when issued and stored only as a SHA-256 hash: they are 32 random
// bytes, so a fast hash is enough.
const apiKeyPrefix = "vg_"

// NewAPIKey returns a new API key and the hash to store.
func NewAPIKey() (key, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	key = apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashAPIKey(key), nil
}

// HashAPIKey returns the stored form of an API key.
func HashAPIKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// APIKeyReader finds the agent an API key belongs to.
type APIKeyReader interface {
	// AgentByAPIKeyHash returns the agent of an unrevoked key, or ErrNotFound.
	AgentByAPIKeyHash(ctx context.Context, hash string) (Agent, error)
}

// Authenticate returns the agent an API key belongs to.
func Authenticate(ctx context.Context, keys APIKeyReader, key string) (Agent, error) {
	if key == "" {
		return Agent{}, Errorf(CodeUnauthorized, ReasonMissingAPIKey, "an API key is required")
	}
	a, err := keys.AgentByAPIKeyHash(ctx, HashAPIKey(key))
	if errors.Is(err, ErrNotFound) {
		return Agent{}, Errorf(CodeUnauthorized, ReasonInvalidAPIKey, "the API key is unknown or revoked")
	}
	if err != nil {
		return Agent{}, Unavailable(err, "checking the API key")
	}
	if !a.Active {
		return Agent{}, Errorf(CodeUnauthorized, ReasonAgentInactive, "agent %d is not active", a.ID)
	}
	return a, nil
}

// StatementLine is one ledger entry on an agent's statement.
type StatementLine struct {
	ID        int64
	At        time.Time
	Amount    Money
	Balance   Money // the running balance after the entry
	Memo      string
	Reference string // the vend's reference, when the entry belongs to a vend
}
