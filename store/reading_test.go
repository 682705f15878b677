package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestReadingsAndExceptions: readings recorded by hand and imported give each meter's
// consumption over a period; the exceptions list names the meter that consumed with no purchase
// and the meter that was sold energy but consumed nothing, and not the meter that did both;
// tamper suspects are the meters consuming far beyond their credit. A dry run writes nothing, a
// bad row is named, and an operator without meters.readings is refused with one denied entry.
func TestReadingsAndExceptions(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := seedEngineering(t, db)
		thief, idle, normal := e.newMeter(t, 0), e.newMeter(t, 0), e.newMeter(t, 0)
		start := e.bo.Clock.Now().Add(-20 * 24 * time.Hour)
		reader := e.bo.Operator(t, "reader", backoffice.RoleCashier)
		for i, m := range []core.Meter{thief, idle, normal} {
			_, err := e.svc.RecordReading(ctx, reader, backoffice.NewReading{MeterNumber: m.Number, Reading: core.Energy(1000 * (i + 1)), ReadAt: start})
			must(t, err)
		}
		for _, m := range []core.Meter{idle, normal} {
			_, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "r-"+m.Number, 100_00))
			must(t, err)
		}
		end := e.bo.Clock.Now()
		csv := fmt.Sprintf("meter_number,reading,read_at\n%s,1500.0,%s\n%s,200,%s\n%s,330.0,%s\n",
			thief.Number, end.Format(time.RFC3339), idle.Number, end.Format(time.RFC3339), normal.Number, end.Format(time.RFC3339))

		dry, err := e.svc.ImportReadings(ctx, reader, strings.NewReader(csv), true)
		must(t, err)
		if !dry.DryRun || dry.Rows != 3 {
			t.Errorf("dry run %+v, want 3 rows checked", dry)
		}
		from, to := start.Add(-time.Hour), end.Add(time.Hour)
		if rs, err := e.svc.MeterReadingsOf(ctx, reader, thief.Number, from, to); err != nil || len(rs) != 1 {
			t.Fatalf("after a dry run: %d readings (%v), want the one recorded", len(rs), err)
		}
		badCSV := csv + "01000099990,5,2025-01-01\n"
		_, err = e.svc.ImportReadings(ctx, reader, strings.NewReader(badCSV), false)
		wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidReadingRow)
		if !strings.Contains(err.Error(), "row 5, column meter_number") {
			t.Errorf("%v does not name row 5's meter number", err)
		}
		imp, err := e.svc.ImportReadings(ctx, reader, strings.NewReader(csv), false)
		must(t, err)
		if imp.Rows != 3 || imp.DryRun {
			t.Errorf("import %+v, want 3 rows written", imp)
		}

		c, err := e.svc.MeterConsumption(ctx, reader, normal.Number, from, to)
		must(t, err)
		if c.Opening != 3000 || c.Closing != 3300 || c.Consumed != 300 || c.Purchases != 1 || c.Credited <= 0 {
			t.Errorf("normal meter's consumption %+v, want 30.0 units from 300.0 to 330.0, with its purchase", c)
		}
		ex, err := e.svc.Exceptions(ctx, reader, e.utility.ID, from, to)
		must(t, err)
		names := func(cs []backoffice.Consumption) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.MeterNumber)
			}
			return out
		}
		if got := names(ex.NoPurchases); len(got) != 1 || got[0] != thief.Number {
			t.Errorf("consumption without purchases: %v, want only %s", got, thief.Number)
		}
		if got := names(ex.NoConsumption); len(got) != 1 || got[0] != idle.Number {
			t.Errorf("purchases without consumption: %v, want only %s", got, idle.Number)
		}
		for _, c := range ex.NoPurchases {
			if c.Consumed != 15000-1000 || c.Purchases != 0 {
				t.Errorf("thief: %+v, want 1400.0 units consumed, no purchases", c)
			}
		}
		suspects, err := e.svc.TamperSuspects(ctx, reader, e.utility.ID, from, to, 150)
		must(t, err)
		if got := names(suspects); len(got) != 1 || got[0] != thief.Number {
			t.Errorf("tamper suspects %v, want %s", got, thief.Number)
		}

		ro := e.bo.Operator(t, "viewer", backoffice.RoleReadOnly)
		seq := auditSeq(t, db)
		_, err = e.svc.RecordReading(ctx, ro, backoffice.NewReading{MeterNumber: thief.Number, Reading: 1, ReadAt: end})
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		wantDenied(t, db, seq, "viewer", backoffice.ActionReadingRecord)
		_, err = e.svc.RecordReading(ctx, reader, backoffice.NewReading{MeterNumber: thief.Number, Reading: -1, ReadAt: end})
		wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidReading)
	})
}
