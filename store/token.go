package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
)

var _ backoffice.TokenStore = (*DB)(nil)

// apiTokenRow is a row of api_tokens; permissions are space-separated and sorted.
type apiTokenRow struct {
	bun.BaseModel `bun:"table:api_tokens,alias:at"`

	ID           int64     `bun:"id,pk,autoincrement"`
	OperatorID   int64     `bun:"operator_id"`
	Label        string    `bun:"label"`
	Permissions  string    `bun:"permissions"`
	TokenHash    string    `bun:"token_hash"`
	SecondFactor bool      `bun:"second_factor"`
	CreatedAt    time.Time `bun:"created_at"`
	ExpiresAt    time.Time `bun:"expires_at"`
	RevokedAt    time.Time `bun:"revoked_at,nullzero"`
}

func fromAPIToken(t *backoffice.APIToken) apiTokenRow {
	return apiTokenRow{ID: t.ID, OperatorID: t.OperatorID, Label: t.Label, Permissions: joinPermissions(t.Permissions),
		TokenHash: t.TokenHash, SecondFactor: t.SecondFactor, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(), RevokedAt: t.RevokedAt.UTC()}
}

func toAPIToken(r apiTokenRow) backoffice.APIToken {
	t := backoffice.APIToken{ID: r.ID, OperatorID: r.OperatorID, Label: r.Label, Permissions: splitPermissions(r.Permissions),
		TokenHash: r.TokenHash, SecondFactor: r.SecondFactor, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if !r.RevokedAt.IsZero() {
		t.RevokedAt = r.RevokedAt.UTC()
	}
	return t
}

// CreateAPIToken inserts a token.
func (db *DB) CreateAPIToken(ctx context.Context, t *backoffice.APIToken) error {
	r := fromAPIToken(t)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return dbError(err)
	}
	t.ID = r.ID
	return nil
}

// APIToken returns a token by ID.
func (db *DB) APIToken(ctx context.Context, id int64) (backoffice.APIToken, error) {
	return db.apiTokenWhere(ctx, "id = ?", id)
}

// APITokenByHash returns the token of a hash.
func (db *DB) APITokenByHash(ctx context.Context, tokenHash string) (backoffice.APIToken, error) {
	return db.apiTokenWhere(ctx, "token_hash = ?", tokenHash)
}

func (db *DB) apiTokenWhere(ctx context.Context, where string, arg any) (backoffice.APIToken, error) {
	var r apiTokenRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where(where, arg).Scan(ctx); err != nil {
		return backoffice.APIToken{}, dbError(err)
	}
	return toAPIToken(r), nil
}

// RevokeAPIToken revokes one token.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := revoke(ctx, db.idb(ctx).NewUpdate().Model((*apiTokenRow)(nil)).Where("id = ?", id), at)
	return n == 1, err
}

// RevokeAPITokens revokes the valid tokens of an operator.
func (db *DB) RevokeAPITokens(ctx context.Context, operatorID int64, at time.Time) (int, error) {
	return revoke(ctx, db.idb(ctx).NewUpdate().Model((*apiTokenRow)(nil)).Where("operator_id = ?", operatorID).Where("expires_at > ?", at.UTC()), at)
}

// ValidAPITokens returns the valid tokens of an operator, newest first.
func (db *DB) ValidAPITokens(ctx context.Context, operatorID int64, at time.Time) ([]backoffice.APIToken, error) {
	var rows []apiTokenRow
	err := db.idb(ctx).NewSelect().Model(&rows).Where("operator_id = ?", operatorID).Where("revoked_at IS NULL").
		Where("expires_at > ?", at.UTC()).Order("id DESC").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.APIToken, len(rows))
	for i, r := range rows {
		out[i] = toAPIToken(r)
	}
	return out, nil
}

// joinPermissions and splitPermissions are how a column holds a set of permissions: sorted,
// space-separated.
func joinPermissions(perms []backoffice.Permission) string {
	s := make([]string, len(perms))
	for i, p := range perms {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

func splitPermissions(s string) []backoffice.Permission {
	var out []backoffice.Permission
	for _, p := range strings.Fields(s) {
		out = append(out, backoffice.Permission(p))
	}
	return out
}
