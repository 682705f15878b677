package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// eachDBOneClock runs fn on both databases with the seeded fixture and a back office whose test
// clock the vendor reads too: a version's effective time is then the same instant for the change
// and the vend. The store keeps its own clock (the real one): a vend must be priced at the time
// it records, not at the store's.
func eachDBOneClock(t *testing.T, fn func(t *testing.T, f *fixture, bo *testkit.BackOffice)) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		f.vendor.Clock = bo.Clock.Now
		fn(t, f, bo)
	})
}

// recompute prices a stored vend again with the tariff and the utility parameters in effect at its
// time, from empty counters (the vends of these tests are on a flat tariff with no arrears).
func recompute(t *testing.T, f *fixture, m core.Meter, v *core.Vend) core.Breakdown {
	t.Helper()
	ctx := context.Background()
	tariff, err := f.db.TariffAt(ctx, m.TariffID, v.CreatedAt)
	must(t, err)
	u, err := f.db.UtilityAt(ctx, v.UtilityID, v.CreatedAt)
	must(t, err)
	b, _, err := core.Price(core.MeterView{Meter: m, Customer: f.customer, Tariff: tariff, Utility: u}, v.Breakdown.Paid, core.MeterCounters{})
	must(t, err)
	b.Commission = v.Breakdown.Commission
	return b
}

// TestTariffVersionPricesFromItsTime: a new version of a tariff prices the vends made from its
// effective time on, to the second, although the store had cached the tariff before; the vends
// made before keep their price, and recomputing any vend with the version of its time gives its
// breakdown.
func TestTariffVersionPricesFromItsTime(t *testing.T) {
	eachDBOneClock(t, func(t *testing.T, f *fixture, bo *testkit.BackOffice) {
		ctx := context.Background()
		m := f.newMeter(t, 0)
		// 115.00 with VAT at 15% is 100.00 of energy: 40.0 kWh at 2.50, 20.0 kWh at 5.00.
		before := mustVend(t, f, m, "before-change", 115_00)

		hist, err := bo.Svc.TariffHistory(ctx, bo.Admin, f.tariff.ID)
		must(t, err)
		if len(hist) != 1 || hist[0].Version != 1 || !hist[0].EffectiveFrom.Equal(time.Unix(0, 0)) {
			t.Fatalf("history of a new tariff: %+v, want version 1 from the epoch", hist)
		}
		eff := bo.Clock.Now().Add(time.Hour).Truncate(time.Second)
		head := headSeq(t, f.db)
		v2, err := bo.Svc.ChangeTariff(ctx, bo.Admin, backoffice.TariffChange{TariffID: f.tariff.ID, AfterVersion: 1, EffectiveFrom: eff,
			Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("500")}}, Reason: "the regulator's new rates"})
		must(t, err)
		if v2.Version != 2 || !v2.EffectiveFrom.Equal(eff) || v2.CreatedBy != "admin" {
			t.Fatalf("the new version: %+v", v2)
		}
		if e := auditSince(t, f.db, head); len(e) != 1 || e[0].Action != backoffice.ActionTariffChange || e[0].Outcome != backoffice.OutcomeDone ||
			len(e[0].Before) == 0 || len(e[0].After) == 0 {
			t.Fatalf("audit of the change: %+v", e)
		}

		bo.Clock.Advance(time.Hour - time.Second)
		justBefore := mustVend(t, f, m, "just-before", 115_00)
		bo.Clock.Advance(time.Second)
		from := mustVend(t, f, m, "from-effective", 115_00)
		if before.Breakdown.Energy != 400 || justBefore.Breakdown.Energy != 400 || from.Breakdown.Energy != 200 {
			t.Fatalf("energy %s, %s, %s: want 40.0 kWh, 40.0 kWh (version 1) and 20.0 kWh (version 2)",
				before.Breakdown.Energy, justBefore.Breakdown.Energy, from.Breakdown.Energy)
		}
		for _, v := range []*core.Vend{before, justBefore, from} {
			stored, err := f.db.Vend(ctx, v.ID)
			must(t, err)
			if got := recompute(t, f, m, stored); got != stored.Breakdown || stored.Breakdown != v.Breakdown {
				t.Errorf("vend %s: stored %+v, recomputed %+v, sold %+v", v.IdempotencyKey, stored.Breakdown, got, v.Breakdown)
			}
		}
		for _, c := range []struct {
			v    *core.Vend
			want int64
		}{{before, 1}, {justBefore, 1}, {from, 2}} {
			got, err := bo.Svc.TariffVersionAt(ctx, bo.Admin, f.tariff.ID, c.v.CreatedAt)
			must(t, err)
			if got.Version != c.want {
				t.Errorf("vend %s: version %d in effect, want %d", c.v.IdempotencyKey, got.Version, c.want)
			}
		}
		checkLedger(t, f.db)
	})
}

// TestTariffChangeRefusals: a change in the past, one that takes effect before the latest
// version, and one made on a stale version are refused, and none adds a version.
func TestTariffChangeRefusals(t *testing.T) {
	eachDBOneClock(t, func(t *testing.T, f *fixture, bo *testkit.BackOffice) {
		ctx := context.Background()
		change := func(after int64, eff time.Time) error {
			_, err := bo.Svc.ChangeTariff(ctx, bo.Admin, backoffice.TariffChange{TariffID: f.tariff.ID, AfterVersion: after, EffectiveFrom: eff,
				Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("300")}}, Reason: "test"})
			return err
		}
		now := bo.Clock.Now()
		wantReasonOn(t, change(1, now.Add(-time.Second)), core.CodeInvalid, backoffice.ReasonInvalidEffectiveFrom, "effective_from")
		must(t, change(1, now.Add(2*time.Hour)))
		wantReasonOn(t, change(2, now.Add(time.Hour)), core.CodeInvalid, backoffice.ReasonInvalidEffectiveFrom, "effective_from")
		wantReasonOn(t, change(1, now.Add(3*time.Hour)), core.CodeConflict, backoffice.ReasonStaleVersion, "after_version")
		_, err := bo.Svc.ChangeTariff(ctx, bo.Admin, backoffice.TariffChange{TariffID: f.tariff.ID, AfterVersion: 2, Reason: "free energy", EffectiveFrom: now.Add(3 * time.Hour),
			Blocks: []core.TariffBlock{{Price: decimal.Zero}}})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidTariffChange, "blocks")
		hist, err := bo.Svc.TariffHistory(ctx, bo.Admin, f.tariff.ID)
		must(t, err)
		if len(hist) != 2 {
			t.Fatalf("%d versions after one accepted change, want 2", len(hist))
		}
		// A version effective now is rounded up to the next whole second.
		bo.Clock.Advance(2*time.Hour + 300*time.Millisecond)
		v3, err := bo.Svc.ChangeTariff(ctx, bo.Admin, backoffice.TariffChange{TariffID: f.tariff.ID, AfterVersion: 2, Reason: "now",
			Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("310")}}})
		must(t, err)
		if want := bo.Clock.Now().Truncate(time.Second).Add(time.Second); !v3.EffectiveFrom.Equal(want) {
			t.Errorf("a change effective now takes effect at %s, want %s", v3.EffectiveFrom, want)
		}
	})
}

// TestParameterChangeRefusals: each bad value is refused naming its field, and a stale or past
// change is refused; none adds a version.
func TestParameterChangeRefusals(t *testing.T) {
	eachDBOneClock(t, func(t *testing.T, f *fixture, bo *testkit.BackOffice) {
		ctx := context.Background()
		dec := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
		dur := func(d time.Duration) *time.Duration { return &d }
		money := func(m core.Money) *core.Money { return &m }
		for _, c := range []struct {
			change backoffice.ParameterChange
			code   core.Code
			reason core.Reason
			field  string
		}{
			{backoffice.ParameterChange{TaxRate: dec("1.5")}, core.CodeInvalid, backoffice.ReasonInvalidParameters, "tax_rate"},
			{backoffice.ParameterChange{DebtRecoveryRate: dec("-0.1")}, core.CodeInvalid, backoffice.ReasonInvalidParameters, "debt_recovery_rate"},
			{backoffice.ParameterChange{ReversalWindow: dur(1500 * time.Millisecond)}, core.CodeInvalid, backoffice.ReasonInvalidParameters, "reversal_window"},
			{backoffice.ParameterChange{MaxVendAmount: money(-1)}, core.CodeInvalid, backoffice.ReasonInvalidParameters, "max_vend_amount"},
			{backoffice.ParameterChange{AfterVersion: 2, TaxRate: dec("0.1")}, core.CodeConflict, backoffice.ReasonStaleVersion, "after_version"},
			{backoffice.ParameterChange{EffectiveFrom: bo.Clock.Now().Add(-time.Minute), TaxRate: dec("0.1")}, core.CodeInvalid, backoffice.ReasonInvalidEffectiveFrom, "effective_from"},
			{backoffice.ParameterChange{TaxRate: dec("0.1"), Reason: " "}, core.CodeInvalid, backoffice.ReasonInvalidParameters, "reason"},
		} {
			c.change.UtilityID = f.utility.ID
			if c.change.AfterVersion == 0 {
				c.change.AfterVersion = 1
			}
			if c.change.Reason == "" {
				c.change.Reason = "test"
			}
			_, err := bo.Svc.ChangeParameters(ctx, bo.Admin, c.change)
			wantReasonOn(t, err, c.code, c.reason, c.field)
		}
		hist, err := bo.Svc.ParameterHistory(ctx, bo.Admin, f.utility.ID)
		must(t, err)
		if len(hist) != 1 {
			t.Fatalf("%d versions after refused changes, want 1", len(hist))
		}
	})
}

// TestParameterVersionReversalWindow: a shorter reversal window, a lower tax rate and a limit of
// one purchase apply from their effective time: a reversal just before it is judged by the old
// window, one after by the new; a vend after it pays the new tax and is held to the limit.
func TestParameterVersionReversalWindow(t *testing.T) {
	eachDBOneClock(t, func(t *testing.T, f *fixture, bo *testkit.BackOffice) {
		ctx := context.Background()
		m := f.newMeter(t, 0)
		first := mustVend(t, f, m, "first", 115_00)
		window, tax, limit := 5*time.Minute, decimal.RequireFromString("0.10"), core.Money(200_00)
		eff := bo.Clock.Now().Add(10 * time.Minute).Truncate(time.Second)
		p, err := bo.Svc.ChangeParameters(ctx, bo.Admin, backoffice.ParameterChange{UtilityID: f.utility.ID, AfterVersion: 1, EffectiveFrom: eff,
			ReversalWindow: &window, TaxRate: &tax, MaxVendAmount: &limit, Reason: "policy of 2027"})
		must(t, err)
		if p.Version != 2 || p.ReversalWindow != window || !p.TaxRate.Equal(tax) || p.MaxVendAmount != limit || !p.DebtRecoveryRate.Equal(f.utility.DebtRecoveryRate) {
			t.Fatalf("the new parameters: %+v", p)
		}
		reverse := func(v *core.Vend) error {
			_, err := f.vendor.Reverse(ctx, core.ReversalRequest{VendID: v.ID, AgentID: f.agent.ID, Reason: "no answer"})
			return err
		}

		bo.Clock.Advance(9 * time.Minute) // 9 minutes old: inside the old hour, outside the new 5 minutes
		must(t, reverse(first))
		second := mustVend(t, f, m, "second", 115_00)
		if second.Breakdown.Tax != 15_00 {
			t.Errorf("tax before the change %d, want 15.00", second.Breakdown.Tax)
		}
		_ = mustVend(t, f, m, "large-before", 250_00)
		bo.Clock.Advance(7 * time.Minute) // the new window applies: 7 minutes is too old
		wantReasonOn(t, reverse(second), core.CodeConflict, core.ReasonReversalWindowPassed, "")
		third := mustVend(t, f, m, "third", 110_00)
		if third.Breakdown.Tax != 10_00 {
			t.Errorf("tax after the change %d, want 10.00", third.Breakdown.Tax)
		}
		_, err = f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "large-after", 250_00))
		wantReasonOn(t, err, core.CodeInvalid, core.ReasonAmountTooLarge, "")
		if got := recompute(t, f, m, third); got != third.Breakdown {
			t.Errorf("recomputed %+v, sold %+v", got, third.Breakdown)
		}

		hist, err := bo.Svc.ParameterHistory(ctx, bo.Admin, f.utility.ID)
		must(t, err)
		if len(hist) != 2 || hist[0].ReversalWindow != time.Hour || hist[0].MaxVendAmount != 0 || hist[1].MaxVendAmount != limit ||
			hist[1].CreatedBy != "admin" || !hist[1].EffectiveFrom.Equal(eff) {
			t.Fatalf("parameter history %+v", hist)
		}
		at, err := bo.Svc.ParametersAt(ctx, bo.Admin, f.utility.ID, second.CreatedAt)
		must(t, err)
		if at.Version != 1 {
			t.Errorf("the parameters of the second vend's time are version %d, want 1", at.Version)
		}
		checkLedger(t, f.db)
	})
}

// TestTariffChangeRefused: an operator without tariffs.manage, or of another utility, is refused
// with one denied audit entry each, and no version is written.
func TestTariffChangeRefused(t *testing.T) {
	eachDBOneClock(t, func(t *testing.T, f *fixture, bo *testkit.BackOffice) {
		ctx := context.Background()
		other := core.Utility{Name: "Lakeside Water", Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: time.UTC}
		must(t, f.db.CreateUtility(ctx, &other))
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		outsider := bo.OperatorIn(t, "lakeside", other.ID, backoffice.RoleAdministrator)
		rate := decimal.RequireFromString("0.2")
		for _, c := range []struct {
			who    backoffice.Actor
			reason core.Reason
		}{{cashier, backoffice.ReasonPermissionDenied}, {outsider, backoffice.ReasonOutOfScope}} {
			head := headSeq(t, f.db)
			_, err := bo.Svc.ChangeTariff(ctx, c.who, backoffice.TariffChange{TariffID: f.tariff.ID, AfterVersion: 1,
				Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("999")}}, Reason: "not mine"})
			wantReasonOn(t, err, core.CodeForbidden, c.reason, "")
			_, err = bo.Svc.ChangeParameters(ctx, c.who, backoffice.ParameterChange{UtilityID: f.utility.ID, AfterVersion: 1, TaxRate: &rate, Reason: "not mine"})
			wantReasonOn(t, err, core.CodeForbidden, c.reason, "")
			entries := auditSince(t, f.db, head)
			if len(entries) != 2 {
				t.Fatalf("%s: %d audit entries, want one denial per refusal: %+v", c.who.Name(), len(entries), entries)
			}
			for _, e := range entries {
				if e.Outcome != backoffice.OutcomeDenied || e.Permission != backoffice.PermTariffsManage || e.ActorName != c.who.Name() {
					t.Errorf("entry %+v: want denied tariffs.manage by %s", e, c.who.Name())
				}
			}
		}
		hist, err := bo.Svc.TariffHistory(ctx, cashier, f.tariff.ID) // a cashier may read tariffs
		must(t, err)
		params, err := f.db.ParameterVersions(ctx, f.utility.ID)
		must(t, err)
		if len(hist) != 1 || len(params) != 1 {
			t.Fatalf("after the refusals: %d tariff versions, %d parameter versions; want 1 and 1", len(hist), len(params))
		}
		_, err = bo.Svc.TariffHistory(ctx, outsider, f.tariff.ID)
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
	})
}

// TestMigrateVersions: the tariffs and utilities stored before the versions' migration become
// their version 1, effective from the epoch, and still price as before.
func TestMigrateVersions(t *testing.T) {
	ctx := context.Background()
	for name, url := range map[string]func() string{"SQLite": func() string { return "" }, "PostgreSQL": func() string { return testkit.PostgresURL(t) }} {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, url(), t.TempDir())
			must(t, err)
			t.Cleanup(func() { _ = db.Close() })
			must(t, db.MigrateBefore(ctx, "20261203185000"))
			for _, q := range []string{
				`INSERT INTO utilities (name, currency, tax_rate, time_zone, debt_recovery_rate, reversal_window_seconds)
					VALUES ('Old Power', 'ZAR', '0.15', 'UTC', '0.25', 3600)`,
				`INSERT INTO tariffs (utility_id, name, blocks, kind, monthly_fixed_charge, free_basic_energy)
					VALUES (1, 'Domestic', '[{"up_to":0,"price":"200"}]', 'electricity', 1500, 0)`,
			} {
				must(t, db.Exec(ctx, q))
			}
			must(t, db.Migrate(ctx))
			tv, err := db.TariffVersions(ctx, 1)
			must(t, err)
			if len(tv) != 1 || tv[0].Version != 1 || !tv[0].EffectiveFrom.Equal(time.Unix(0, 0)) || tv[0].CreatedBy != "migration" ||
				tv[0].MonthlyFixedCharge != 1500 || len(tv[0].Blocks) != 1 || !tv[0].Blocks[0].Price.Equal(decimal.NewFromInt(200)) {
				t.Errorf("tariff versions after the migration: %+v", tv)
			}
			pv, err := db.ParameterVersions(ctx, 1)
			must(t, err)
			if len(pv) != 1 || pv[0].CreatedBy != "migration" || pv[0].ReversalWindow != time.Hour || !pv[0].TaxRate.Equal(decimal.RequireFromString("0.15")) {
				t.Errorf("parameter versions after the migration: %+v", pv)
			}
			must(t, db.RollbackLast(ctx))
			must(t, db.Migrate(ctx))
		})
	}
}
