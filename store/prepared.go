package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The statements on a vend's path run as prepared statements. bun writes every argument into the
// query text, so the server parses and plans each statement anew on every call; prepared, each is
// parsed once per connection and PostgreSQL soon settles on a generic plan. On PostgreSQL the
// planning alone was a third of its CPU time per vend (pg_stat_statements, docs/performance.md).
//
// Queries are written once, with ? placeholders, for both databases; rebind numbers them for
// PostgreSQL. A prepared *sql.Stmt belongs to the pool and is prepared on each connection the
// first time that connection runs it (database/sql keeps track).

// queries are the prepared reads that bun writes from the row structs (so that their column
// lists follow the structs), with ? placeholders left in place.
type queries struct {
	meterByNumber, agent, agentByAPIKeyHash string
}

func newQueries(b *bun.DB) queries {
	ph := bun.Safe("?")
	return queries{
		meterByNumber: b.NewSelect().Model((*meterRow)(nil)).Relation("Customer").Where("m.number = ?", ph).String(),
		agent:         b.NewSelect().Model((*agentRow)(nil)).Where("a.id = ?", ph).String(),
		agentByAPIKeyHash: b.NewSelect().Model((*agentRow)(nil)).Column("a.*").ColumnExpr("k.terminal_id").
			Join("JOIN api_keys AS k ON k.agent_id = a.id").Where("k.hash = ? AND k.revoked_at IS NULL", ph).String(),
	}
}

// prepared returns the pool's prepared statement for a query, preparing it on first use.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.bun.DB.PrepareContext(ctx, db.dialect.rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// closeStatements closes the prepared statements (before the pool closes).
func (db *DB) closeStatements() {
	db.stmts.Range(func(k, s any) bool {
		_ = s.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
}

// stmtIn returns the prepared statement for query, bound to tx when tx is not nil.
func (db *DB) stmtIn(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s, err := db.prepared(ctx, query)
	if err != nil || tx == nil {
		return s, err
	}
	return tx.StmtContext(ctx, s), nil
}

// execP runs a prepared statement that returns no rows.
func (db *DB) execP(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	s, err := db.stmtIn(ctx, tx, query)
	if err != nil {
		db.health.observe(err)
		return nil, err
	}
	res, err := s.ExecContext(ctx, db.args(args)...)
	db.health.observe(err)
	return res, err
}

// execN runs a statement of n rows (a multi-row insert): prepared when n is 1, the shape every
// single vend uses; otherwise sent as it is, since preparing every size a batch can have would
// keep hundreds of statements on every connection.
func (db *DB) execN(ctx context.Context, tx *sql.Tx, n int, query string, args ...any) (sql.Result, error) {
	if n == 1 {
		return db.execP(ctx, tx, query, args...)
	}
	res, err := tx.ExecContext(ctx, db.dialect.rebind(query), db.args(args)...)
	db.health.observe(err)
	return res, err
}

// queryN runs a query of n rows the way execN runs a statement.
func (db *DB) queryN(ctx context.Context, tx *sql.Tx, n int, query string, args ...any) (*sql.Rows, error) {
	if n == 1 {
		s, err := db.stmtIn(ctx, tx, query)
		if err != nil {
			db.health.observe(err)
			return nil, err
		}
		rows, err := s.QueryContext(ctx, db.args(args)...)
		db.health.observe(err)
		return rows, err
	}
	rows, err := tx.QueryContext(ctx, db.dialect.rebind(query), db.args(args)...)
	db.health.observe(err)
	return rows, err
}

// scanP runs a prepared query and scans its first row into dest (a struct, or pointers to
// values) with bun's scanner; no row is sql.ErrNoRows.
func (db *DB) scanP(ctx context.Context, tx *sql.Tx, dest any, query string, args ...any) error {
	s, err := db.stmtIn(ctx, tx, query)
	if err != nil {
		db.health.observe(err)
		return err
	}
	rows, err := s.QueryContext(ctx, db.args(args)...)
	db.health.observe(err)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := db.bun.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// args converts arguments to what both drivers store the way bun does: times as UTC text in
// bun's layout (SQLite keeps times as text), a zero time as NULL.
func (db *DB) args(args []any) []any {
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if t.IsZero() {
				args[i] = nil
			} else {
				args[i] = t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
			}
		}
	}
	return args
}

// rebind numbers a query's ? placeholders ($1, $2 ...) for PostgreSQL. The store's prepared
// queries have no ? inside string literals.
func (d dialect) rebind(query string) string {
	if d != postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// placeholderRows returns "(?, ?), (?, ?)" for rows of cols values each: the VALUES of a
// multi-row insert.
func placeholderRows(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}
