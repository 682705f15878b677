package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Availability is a change of the database's state as the store sees it: every query that
// reaches the database and fails for a reason other than its data (no row, a constraint) counts
// as a failure; the first query that succeeds after failures ends the outage.
type Availability struct {
	Up bool
	// Since is when the state began: the first failure of an outage, or the recovery.
	Since time.Time
	// Failures is, on recovery, how many queries failed during the outage.
	Failures int
	// Err is the first failure of an outage (nil on recovery).
	Err error
}

// WithAvailabilityReport calls report once per change of the database's availability, instead
// of every request that fails during an outage saying so: one line when it goes down, one with
// the count when it comes back.
func WithAvailabilityReport(report func(Availability)) Option {
	return func(db *DB) { db.health.report = report }
}

// availability tracks outages for WithAvailabilityReport.
type availability struct {
	now    func() time.Time
	report func(Availability)

	mu       sync.Mutex
	down     bool
	since    time.Time
	failures int
}

// observe records the outcome of one query.
func (a *availability) observe(err error) {
	if a.report == nil {
		return
	}
	outage := isOutage(err)
	a.mu.Lock()
	var change *Availability
	switch {
	case outage && !a.down:
		a.down, a.since, a.failures = true, a.now(), 1
		change = &Availability{Up: false, Since: a.since, Err: err}
	case outage:
		a.failures++
	case !outage && a.down:
		change = &Availability{Up: true, Since: a.now(), Failures: a.failures}
		a.down, a.failures = false, 0
	}
	a.mu.Unlock()
	if change != nil {
		a.report(*change)
	}
}

// isOutage tells a failure of the database from a query's ordinary outcomes: success, no row, a
// constraint that refused the data, a caller that went away.
func isOutage(err error) bool {
	return err != nil && !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, context.Canceled) && classify(err) == noViolation
}

// availabilityHook feeds every bun query's outcome (transactions' BEGIN and COMMIT included) to
// the tracker; the prepared statements of the vend path report theirs in prepared.go.
type availabilityHook struct{ a *availability }

func (h availabilityHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h availabilityHook) AfterQuery(_ context.Context, e *bun.QueryEvent) { h.a.observe(e.Err) }
