package store

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestAvailabilityOncePerChange: an outage of many failed queries is reported twice, when it
// begins and, with the count, when it ends; queries' ordinary outcomes are no outage.
func TestAvailabilityOncePerChange(t *testing.T) {
	var reports []Availability
	a := &availability{now: time.Now, report: func(r Availability) { reports = append(reports, r) }}
	a.observe(nil)
	a.observe(sql.ErrNoRows)
	a.observe(fmt.Errorf("scan: %w", sql.ErrNoRows))
	if len(reports) != 0 {
		t.Fatalf("reports without an outage: %+v", reports)
	}
	down := errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	for range 1000 {
		a.observe(down)
	}
	a.observe(nil)
	a.observe(nil)
	if len(reports) != 2 || reports[0].Up || !errors.Is(reports[0].Err, down) || !reports[1].Up || reports[1].Failures != 1000 {
		t.Fatalf("reports %+v, want one down and one up with 1000 failures", reports)
	}
}
