package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/vendgate/vendgate/core"
)

// dialect is the database behind the store. Everything that differs between the two lives in
// this file; the SQL elsewhere is the same for both (ON CONFLICT, RETURNING, no FOR UPDATE).
type dialect string

const (
	sqlite   dialect = "sqlite"
	postgres dialect = "postgres"
)

// maxConns bounds the connection pool.
func (d dialect) maxConns() int {
	if d == sqlite {
		return 8
	}
	return 16
}

// maxWriters bounds the write transactions in flight, below maxConns, so that a read made while
// a transaction is open (core's token issuer reads the sealed vending key inside the vend
// transaction) always finds a free connection: with every connection held by a transaction
// waiting for a lock, that read would wait forever. SQLite has one writer anyway: its
// transactions queue here, in order, rather than in SQLite's sleeping busy handler.
func (d dialect) maxWriters() int {
	if d == sqlite {
		return 1
	}
	return d.maxConns() - 4
}

// forUpdate is the suffix that locks the rows a SELECT reads until the transaction ends. SQLite
// needs none: its transactions begin IMMEDIATE and hold the one write lock. A lock that writes
// nothing leaves no dead row version behind, unlike UPDATE ... SET x = x. PostgreSQL's NO KEY
// UPDATE is the lock an UPDATE of non-key columns takes: it does not conflict with the KEY SHARE
// locks that foreign key checks (a vend row referencing the meter) take, which FOR UPDATE would,
// deadlocking two vends of one meter.
func (d dialect) forUpdate() string {
	if d == postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// migrationLockKey is the PostgreSQL advisory lock that serialises migrations across processes.
const migrationLockKey = 0x76656e6467617465 // "vendgate"

// lockMigrations keeps concurrent processes from migrating at once. PostgreSQL: a session
// advisory lock on a connection of its own. SQLite: one process owns the file, so nothing.
func (d dialect) lockMigrations(ctx context.Context, db *bun.DB) (unlock func(), err error) {
	if d == sqlite {
		return func() {}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(migrationLockKey)); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", int64(migrationLockKey))
		_ = conn.Close()
	}, nil
}

// sqliteHasReturning reports whether an SQLite version ("3.46.1") supports RETURNING (3.35).
func sqliteHasReturning(version string) bool {
	parts := strings.Split(version, ".")
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && (major > 3 || major == 3 && minor >= 35)
}

// Constraint violations: PostgreSQL SQLSTATE classes, SQLite extended result codes.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"

	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintForeignKey = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
)

type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
)

// classify tells a constraint violation from any other error, on either database.
func classify(err error) violation {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case pgUniqueViolation:
			return uniqueViolation
		case pgForeignKeyViolation:
			return foreignKeyViolation
		}
		return noViolation
	}
	// modernc.org/sqlite's *sqlite.Error reports the extended result code.
	var liteErr interface{ Code() int }
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return uniqueViolation
		case sqliteConstraintForeignKey:
			return foreignKeyViolation
		}
	}
	return noViolation
}

// dbError turns database errors into core's vocabulary: no row is core.ErrNotFound, a unique
// violation core.ErrDuplicate, a foreign key violation an invalid reference. Everything else is
// returned as it is (core treats it as unavailable).
func dbError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return core.ErrNotFound
	}
	switch classify(err) {
	case uniqueViolation:
		return fmt.Errorf("%w: %w", core.ErrDuplicate, err)
	case foreignKeyViolation:
		return &core.Error{Code: core.CodeInvalid, Reason: core.ReasonUnknownReference, Message: "a record it refers to does not exist", Err: err}
	}
	return err
}
