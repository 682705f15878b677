package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
	"github.com/uptrace/bun/migrate"

	"github.com/vendgate/vendgate/store/internal/migrations"
)

// DB is Vendgate's database: PostgreSQL or the embedded SQLite. It is safe for concurrent use.
type DB struct {
	bun     *bun.DB
	dialect dialect
	now     func() time.Time
	// writers bounds the write transactions in flight (see dialect.maxWriters), so that reads
	// made while a transaction is open always find a free connection.
	writers chan struct{}
	// locations caches time zones by name: time.LoadLocation reads a file each time.
	locations sync.Map
	refs      refCache
	stmts     sync.Map // query -> *sql.Stmt, see prepared.go
	queries   queries
	health    availability
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock for the times the store stamps itself (top-ups, API keys). Vends
// carry their own times from core's clock.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// Open opens the database: an empty databaseURL means the embedded SQLite at
// dataDir/vendgate.db (dataDir is created with mode 0700), a postgres:// URL means PostgreSQL.
// It checks the connection; it does not migrate (see Migrate).
func Open(ctx context.Context, databaseURL, dataDir string, opts ...Option) (*DB, error) {
	var (
		sqldb *sql.DB
		d     dialect
	)
	switch {
	case databaseURL == "":
		if dataDir == "" {
			return nil, errors.New("store: the data directory is required for the embedded SQLite database")
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("store: creating the data directory: %w", err)
		}
		path := filepath.Join(dataDir, embeddedName)
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		dsn := sqliteDSN(path)
		var err error
		if sqldb, err = sql.Open(sqliteshim.ShimName, dsn); err != nil {
			return nil, fmt.Errorf("store: opening SQLite: %w", err)
		}
		d = sqlite
	default:
		u, err := url.Parse(databaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// The URL is never printed: it may hold a password.
			scheme := "unparseable"
			if err == nil {
				scheme = fmt.Sprintf("%q", u.Scheme)
			}
			return nil, fmt.Errorf("store: the database URL must be a postgres:// URL, or empty for the embedded SQLite (got scheme %s)", scheme)
		}
		sqldb = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(databaseURL)))
		d = postgres
	}
	sqldb.SetMaxOpenConns(d.maxConns())
	sqldb.SetMaxIdleConns(d.maxConns())
	db := &DB{dialect: d, now: time.Now, writers: make(chan struct{}, d.maxWriters())}
	switch d {
	case sqlite:
		db.bun = bun.NewDB(sqldb, sqlitedialect.New())
	default:
		db.bun = bun.NewDB(sqldb, pgdialect.New())
	}
	for _, o := range opts {
		o(db)
	}
	if db.health.report != nil {
		db.health.now = db.now
		db.bun = db.bun.WithQueryHook(availabilityHook{&db.health})
	}
	db.queries = newQueries(db.bun)
	if err := db.check(ctx); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	return db, nil
}

// embeddedName is the embedded database's file in the data directory.
const embeddedName = "vendgate.db"

// EmbeddedExists reports whether dataDir holds an embedded database.
func EmbeddedExists(dataDir string) bool {
	fi, err := os.Stat(filepath.Join(dataDir, embeddedName))
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}

// createPrivate makes the embedded database's file readable by its owner only (it holds tokens
// and sealed keys), before SQLite creates it with the umask's mode; SQLite gives its -wal and
// -shm files the database file's mode. An existing file open to others is restricted too.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: creating the database file: %w", err)
	}
	fi, err := f.Stat()
	f.Close()
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		return fmt.Errorf("store: restricting the database file to its owner: %w", err)
	}
	return nil
}

// sqliteDSN is the DSN of the embedded database: WAL, a busy timeout, foreign keys enforced and
// write transactions that take the write lock when they begin (docs/design.md, "SQLite and
// PostgreSQL").
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// check pings the database and makes sure it can run the store's SQL.
func (db *DB) check(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("store: connecting to %s: %w", db.dialect, err)
	}
	if db.dialect == sqlite {
		var version string
		if err := db.bun.NewRaw("SELECT sqlite_version()").Scan(ctx, &version); err != nil {
			return fmt.Errorf("store: reading the SQLite version: %w", err)
		}
		if !sqliteHasReturning(version) {
			return fmt.Errorf("store: SQLite %s is too old: 3.35 or later is needed for RETURNING", version)
		}
	}
	return nil
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// Ping checks the connection.
func (db *DB) Ping(ctx context.Context) error { return db.bun.PingContext(ctx) }

// Close closes the database.
func (db *DB) Close() error {
	db.closeStatements()
	return db.bun.Close()
}

// Migrate brings the schema up to date with the store's migrations; running it again does
// nothing. Migrations that fail are not recorded, and each runs in its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	unlock, err := db.dialect.lockMigrations(ctx, db.bun)
	if err != nil {
		return fmt.Errorf("store: locking migrations: %w", err)
	}
	defer unlock()
	m := migrate.NewMigrator(db.bun, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: creating the migrations table: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrating: %w", err)
	}
	return nil
}

// txKey is the context key of the transaction InTx opened.
type txKey struct{}

// InTx runs fn in one write transaction, committed if fn returns nil and rolled back otherwise.
// Every store method called with the ctx fn receives joins that transaction (see inTx and idb),
// so that the back office's change and its audit entry commit together. InTx inside InTx joins
// the outer transaction.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.inTx(ctx, func(ctx context.Context, _ bun.Tx) error { return fn(ctx) })
}

// idb is what a query runs on: the transaction ctx carries (InTx), or the pool.
func (db *DB) idb(ctx context.Context) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return db.bun
}

// sqlTx is the transaction ctx carries (InTx) for the prepared statements of scanP, or nil.
func sqlTx(ctx context.Context) *sql.Tx {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx.Tx
	}
	return nil
}

// inTx runs fn in a write transaction, committed if fn returns nil and rolled back otherwise. A
// ctx that carries a transaction already (InTx) runs fn in it: the outer transaction commits or
// rolls back everything.
func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return fn(ctx, tx)
	}
	select {
	case db.writers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writers }()
	var committed []func()
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), commitKey{}, &committed), tx)
	})
	if err == nil {
		for _, f := range committed {
			f()
		}
	}
	return err
}

// commitKey is the context key of the functions to run once the transaction has committed.
type commitKey struct{}

// afterCommit runs f once the transaction ctx carries has committed (never if it rolls back), or
// now when ctx carries none.
func afterCommit(ctx context.Context, f func()) {
	if fs, ok := ctx.Value(commitKey{}).(*[]func()); ok {
		*fs = append(*fs, f)
		return
	}
	f()
}

// utc returns the store's clock in UTC, to the microsecond both databases keep.
func (db *DB) utc() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// location returns a time zone by name, cached.
func (db *DB) location(name string) (*time.Location, error) {
	if l, ok := db.locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	db.locations.Store(name, l)
	return l, nil
}

// Empty reports whether the database has no utility yet: a new installation.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	n, err := db.bun.NewSelect().Model((*utilityRow)(nil)).Count(ctx)
	if err != nil {
		return false, dbError(err)
	}
	return n == 0, nil
}
