package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// cmpCore compares core values: decimals by value, locations by name, PANs by value.
var cmpCore = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() }),
	cmp.Comparer(func(a, b sts.PAN) bool { return a == b }),
	cmp.Comparer(func(a, b sts.Token) bool { return a == b }),
}

func TestConvertersRoundTrip(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		joburg, err := time.LoadLocation("Africa/Johannesburg")
		must(t, err)
		u := core.Utility{
			Name: "Eskom Direct", Currency: zar, TaxRate: decimal.RequireFromString("0.155"), Location: joburg,
			DebtRecoveryRate: decimal.RequireFromString("0.3"),
			ReversalWindow:   30 * time.Minute,
		}
		must(t, db.CreateUtility(ctx, &u))
		g := core.SupplyGroup{UtilityID: u.ID, SGC: 654321, KRN: 3, DKGA: sts.DKGA02, Name: "Tembisa"}
		sealed, err := f.sealer.Seal(vendingKey, g.SGC, g.KRN, g.DKGA)
		must(t, err)
		must(t, db.CreateSupplyGroup(ctx, &g, sealed))
		g2 := core.SupplyGroup{UtilityID: u.ID, SGC: 654321, KRN: 4, DKGA: sts.DKGA02, Name: "Tembisa KRN 4"}
		must(t, db.CreateSupplyGroup(ctx, &g2, sealed))
		tariff := core.Tariff{UtilityID: u.ID, Name: "Stepped", Kind: core.Water, MonthlyFixedCharge: 15_00, FreeBasicEnergy: 60, Blocks: []core.TariffBlock{
			{UpTo: 500, Price: decimal.RequireFromString("180.5")},
			{UpTo: 6000, Price: decimal.RequireFromString("210.0125")},
			{Price: decimal.RequireFromString("300")},
		}}
		must(t, db.CreateTariff(ctx, &tariff))
		cust := core.Customer{Name: "Sipho Dlamini", Address: "4 Main Rd", Phone: "+27711112222", Language: "st", FreeBasic: true}
		must(t, db.CreateCustomer(ctx, &cust))
		number := meterNumber(t, 777)
		key := meterKey(t, number, 3)
		key.SGC, key.TI, key.KEN = 654321, 7, 200
		pending := key
		pending.KRN, pending.TI, pending.BaseDate, pending.KEN = 4, 8, sts.BaseDate2035, sts.NoExpiry
		m := core.Meter{Number: number, Kind: core.Water, Status: core.MeterActive, Key: key,
			SupplyGroupID: g.ID, CustomerID: cust.ID, TariffID: tariff.ID, PendingKey: &pending, PendingRollover: true}
		must(t, db.CreateMeter(ctx, &m, 123_45))
		if m.ID == 0 || u.ID == 0 || g.ID == 0 || tariff.ID == 0 || cust.ID == 0 {
			t.Fatalf("IDs not set: meter %d utility %d group %d tariff %d customer %d", m.ID, u.ID, g.ID, tariff.ID, cust.ID)
		}

		got, err := db.MeterByNumber(ctx, number)
		must(t, err)
		want := core.MeterView{Meter: m, Customer: cust, Tariff: tariff, Utility: u, Arrears: 123_45}
		if diff := cmp.Diff(want, got, cmpCore); diff != "" {
			t.Errorf("MeterByNumber (-want +got):\n%s", diff)
		}
		if c := counters(t, db, m.ID); c.Arrears != 123_45 || c.LastTID != 0 || c.TIDKey != "" {
			t.Errorf("a new meter's counters: %+v", c)
		}

		a := core.Agent{UtilityID: u.ID, Name: "First National", Kind: core.AgentBank, Balance: 999,
			CreditLimit: 5_000_000_00, CommissionRate: decimal.RequireFromString("0.0125"), Active: true}
		must(t, db.CreateAgent(ctx, &a))
		if a.Balance != 0 {
			t.Errorf("a new agent's balance is %d, want 0", a.Balance)
		}
		gotAgent, err := db.Agent(ctx, a.ID)
		must(t, err)
		a.Currency = u.Currency // read from the utility
		if diff := cmp.Diff(a, gotAgent, cmpCore); diff != "" {
			t.Errorf("Agent (-want +got):\n%s", diff)
		}

		gotSealed, err := db.SealedVendingKey(ctx, 654321, 3, sts.DKGA02)
		must(t, err)
		if vk, err := f.sealer.Open(gotSealed, 654321, 3, sts.DKGA02); err != nil || string(vk) != string(vendingKey) {
			t.Errorf("the sealed vending key does not open to the vending key: %v", err)
		}
	})
}

func TestNotFoundAndDuplicate(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		if _, err := db.MeterByNumber(ctx, meterNumber(t, 999)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("MeterByNumber(unknown): got %v, want core.ErrNotFound", err)
		}
		if _, err := db.Agent(ctx, 424242); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Agent(unknown): got %v, want core.ErrNotFound", err)
		}
		if _, err := db.SealedVendingKey(ctx, 111111, 1, sts.DKGA02); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("SealedVendingKey(unknown): got %v, want core.ErrNotFound", err)
		}
		if _, err := db.Vend(ctx, 424242); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Vend(unknown): got %v, want core.ErrNotFound", err)
		}
		if _, err := db.VendByKey(ctx, core.ChannelREST, "nope"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("VendByKey(unknown): got %v, want core.ErrNotFound", err)
		}
		if _, err := db.TopUp(ctx, 424242, 100, ""); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("TopUp(unknown agent): got %v, want core.ErrNotFound", err)
		}
		dupGroup := f.group
		dupGroup.ID = 0
		if err := db.CreateSupplyGroup(ctx, &dupGroup, []byte("sealed")); !errors.Is(err, core.ErrDuplicate) {
			t.Errorf("a second supply group 123456/1/02: got %v, want core.ErrDuplicate", err)
		}
		dupMeter := m
		dupMeter.ID = 0
		if err := db.CreateMeter(ctx, &dupMeter, 0); !errors.Is(err, core.ErrDuplicate) {
			t.Errorf("a second meter %s: got %v, want core.ErrDuplicate", m.Number, err)
		}
	})
}

func TestCreateMeterChecks(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		number := meterNumber(t, 4242)
		water := core.Tariff{UtilityID: f.utility.ID, Name: "Water domestic", Kind: core.Water, Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("1800")}}}
		must(t, db.CreateTariff(ctx, &water))
		good := func() core.Meter {
			return core.Meter{Number: number, Key: meterKey(t, number, 1), SupplyGroupID: f.group.ID, CustomerID: f.customer.ID, TariffID: f.tariff.ID}
		}
		for _, tc := range []struct {
			name   string
			change func(m *core.Meter)
			reason core.Reason
		}{
			{"InvalidNumber", func(m *core.Meter) { m.Number = "01234567890" }, "invalid_meter_number"},
			{"OtherMetersPAN", func(m *core.Meter) { m.Key = meterKey(t, meterNumber(t, 1), 1) }, "invalid_meter_key"},
			{"KeyNotTheGroups", func(m *core.Meter) { m.SupplyGroupID = f.group2.ID }, "invalid_meter_key"},
			{"UnknownGroup", func(m *core.Meter) { m.SupplyGroupID = 4242 }, "unknown_supply_group"},
			{"UnknownTariff", func(m *core.Meter) { m.TariffID = 4242 }, "unknown_tariff"},
			{"GasMeterWaterTariff", func(m *core.Meter) { m.Kind, m.TariffID = core.Gas, water.ID }, "tariff_other_kind"},
			{"WaterMeterElectricityTariff", func(m *core.Meter) { m.Kind = core.Water }, "tariff_other_kind"},
			{"UnknownKind", func(m *core.Meter) { m.Kind = "steam" }, "invalid_meter_kind"},
			{"UnknownCustomer", func(m *core.Meter) { m.CustomerID = 4242 }, "unknown_reference"},
			{"BadBaseDate", func(m *core.Meter) { m.Key.BaseDate = 2000 }, "invalid_meter_key"},
			{"KeyChangeOfEA", func(m *core.Meter) { p := m.Key; p.KRN, p.EA = 2, sts.EA11; m.PendingKey = &p }, "invalid_key_change"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := good()
				tc.change(&m)
				wantCode(t, db.CreateMeter(ctx, &m, 0), core.CodeInvalid, tc.reason)
			})
		}
		m := good()
		m.Key.PAN = sts.PAN{}
		must(t, db.CreateMeter(ctx, &m, 0))
		if m.Kind != core.Electricity || m.Status != core.MeterActive || m.Key.PAN.DRN() != number {
			t.Errorf("defaults: kind %q status %q PAN %s", m.Kind, m.Status, m.Key.PAN)
		}
	})
}

func TestKeyChange(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		wantCode(t, db.ConfirmKeyChange(ctx, m.ID), core.CodeConflict, "no_key_change_pending")
		if err := db.ConfirmKeyChange(ctx, 4242); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("ConfirmKeyChange(unknown meter): got %v, want core.ErrNotFound", err)
		}
		if err := db.SetPendingKeyChange(ctx, 4242, nil, false); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("SetPendingKeyChange(unknown meter): got %v, want core.ErrNotFound", err)
		}
		bad := meterKey(t, m.Number, 9) // no supply group 123456 KRN 9
		wantCode(t, db.SetPendingKeyChange(ctx, m.ID, &bad, false), core.CodeInvalid, "unknown_supply_group")

		next := meterKey(t, m.Number, 2)
		next.PAN = sts.PAN{} // the meter's
		must(t, db.SetPendingKeyChange(ctx, m.ID, &next, true))
		v, err := db.MeterByNumber(ctx, m.Number)
		must(t, err)
		if v.Meter.PendingKey == nil || *v.Meter.PendingKey != meterKey(t, m.Number, 2) || !v.Meter.PendingRollover {
			t.Fatalf("pending key %+v rollover %v, want KRN 2 with rollover", v.Meter.PendingKey, v.Meter.PendingRollover)
		}
		must(t, db.SetPendingKeyChange(ctx, m.ID, nil, false))
		if v, _ = db.MeterByNumber(ctx, m.Number); v.Meter.PendingKey != nil || v.Meter.PendingRollover {
			t.Fatalf("after cancelling: pending key %+v rollover %v", v.Meter.PendingKey, v.Meter.PendingRollover)
		}
		must(t, db.SetPendingKeyChange(ctx, m.ID, &next, false))
		must(t, db.ConfirmKeyChange(ctx, m.ID))
		v, err = db.MeterByNumber(ctx, m.Number)
		must(t, err)
		if v.Meter.Key != meterKey(t, m.Number, 2) || v.Meter.PendingKey != nil || v.Meter.SupplyGroupID != f.group2.ID {
			t.Errorf("after confirming: key %+v pending %+v group %d, want KRN 2, none, %d", v.Meter.Key, v.Meter.PendingKey, v.Meter.SupplyGroupID, f.group2.ID)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		key, hash, err := core.NewAPIKey()
		must(t, err)
		id, err := db.IssueAPIKey(ctx, f.agent.ID, hash, "till 1")
		must(t, err)
		got, err := core.Authenticate(ctx, db, key)
		must(t, err)
		if got.ID != f.agent.ID {
			t.Errorf("the key's agent is %d, want %d", got.ID, f.agent.ID)
		}
		if _, err := db.IssueAPIKey(ctx, f.agent.ID, hash, "again"); !errors.Is(err, core.ErrDuplicate) {
			t.Errorf("the same hash again: got %v, want core.ErrDuplicate", err)
		}
		must(t, db.RevokeAPIKey(ctx, id))
		if _, err := db.AgentByAPIKeyHash(ctx, hash); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("a revoked key: got %v, want core.ErrNotFound", err)
		}
		if err := db.RevokeAPIKey(ctx, id); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("revoking twice: got %v, want core.ErrNotFound", err)
		}
	})
}
