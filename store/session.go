package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
)

var _ backoffice.SessionStore = (*DB)(nil)

// sessionRow is a row of operator_sessions.
type sessionRow struct {
	bun.BaseModel `bun:"table:operator_sessions,alias:os"`

	ID           int64     `bun:"id,pk,autoincrement"`
	OperatorID   int64     `bun:"operator_id"`
	TokenHash    string    `bun:"token_hash"`
	CSRF         string    `bun:"csrf"`
	CreatedAt    time.Time `bun:"created_at"`
	LastSeen     time.Time `bun:"last_seen"`
	ExpiresAt    time.Time `bun:"expires_at"`
	From         string    `bun:"from_addr"`
	SecondFactor bool      `bun:"second_factor"`
	RevokedAt    time.Time `bun:"revoked_at,nullzero"`
}

func fromSession(s *backoffice.Session) sessionRow {
	return sessionRow{ID: s.ID, OperatorID: s.OperatorID, TokenHash: s.TokenHash, CSRF: s.CSRF, CreatedAt: s.CreatedAt.UTC(),
		LastSeen: s.LastSeen.UTC(), ExpiresAt: s.ExpiresAt.UTC(), From: s.From, SecondFactor: s.SecondFactor, RevokedAt: s.RevokedAt.UTC()}
}

func toSession(r sessionRow) backoffice.Session {
	s := backoffice.Session{ID: r.ID, OperatorID: r.OperatorID, TokenHash: r.TokenHash, CSRF: r.CSRF, CreatedAt: r.CreatedAt.UTC(),
		LastSeen: r.LastSeen.UTC(), ExpiresAt: r.ExpiresAt.UTC(), From: r.From, SecondFactor: r.SecondFactor}
	if !r.RevokedAt.IsZero() {
		s.RevokedAt = r.RevokedAt.UTC()
	}
	return s
}

// CreateSession inserts a session.
func (db *DB) CreateSession(ctx context.Context, s *backoffice.Session) error {
	r := fromSession(s)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return dbError(err)
	}
	s.ID = r.ID
	return nil
}

// SessionByHash returns the session of a token hash.
func (db *DB) SessionByHash(ctx context.Context, tokenHash string) (backoffice.Session, error) {
	var r sessionRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("token_hash = ?", tokenHash).Scan(ctx); err != nil {
		return backoffice.Session{}, dbError(err)
	}
	return toSession(r), nil
}

// TouchSession sets a session's last request.
func (db *DB) TouchSession(ctx context.Context, id int64, lastSeen time.Time) error {
	_, err := db.idb(ctx).NewUpdate().Model((*sessionRow)(nil)).Set("last_seen = ?", lastSeen.UTC()).Where("id = ?", id).Exec(ctx)
	return dbError(err)
}

// RevokeSession ends one open session.
func (db *DB) RevokeSession(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := revoke(ctx, db.idb(ctx).NewUpdate().Model((*sessionRow)(nil)).Where("id = ?", id), at)
	return n == 1, err
}

// RevokeSessions ends the open sessions of an operator.
func (db *DB) RevokeSessions(ctx context.Context, operatorID int64, at time.Time) (int, error) {
	return revoke(ctx, db.idb(ctx).NewUpdate().Model((*sessionRow)(nil)).Where("operator_id = ?", operatorID).Where("expires_at > ?", at.UTC()), at)
}

// OpenSessions returns the open sessions of an operator, newest first.
func (db *DB) OpenSessions(ctx context.Context, operatorID int64, at time.Time) ([]backoffice.Session, error) {
	var rows []sessionRow
	err := db.idb(ctx).NewSelect().Model(&rows).Where("operator_id = ?", operatorID).Where("revoked_at IS NULL").
		Where("expires_at > ?", at.UTC()).Order("id DESC").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Session, len(rows))
	for i, r := range rows {
		out[i] = toSession(r)
	}
	return out, nil
}

// revoke sets revoked_at on the rows q selects that are not revoked yet, and returns how many.
func revoke(ctx context.Context, q *bun.UpdateQuery, at time.Time) (int, error) {
	res, err := q.Set("revoked_at = ?", at.UTC()).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, dbError(err)
	}
	n, err := res.RowsAffected()
	return int(n), dbError(err)
}
