package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

var zar = core.Currency{Code: "ZAR", Exponent: 2}

// now is the tests' fixed clock: a base date 2014 key issues TIDs for it (1993's range has ended).
var now = time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)

const sgcCode = 123456

// vendingKey is supply group 123456 KRN 1's DKGA02 vending key; vendingKey2 is KRN 2's.
var (
	vendingKey  = mustHex("abababababababab")
	vendingKey2 = mustHex("0123456789abcdef")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fixture is a seeded database and a vendor running on it.
type fixture struct {
	db       *store.DB
	sealer   *core.Sealer
	vendor   *core.Vendor
	utility  core.Utility
	group    core.SupplyGroup
	group2   core.SupplyGroup // same SGC, KRN 2: the target of key changes
	tariff   core.Tariff
	customer core.Customer
	agent    core.Agent
	seq      int // meter serials handed out
}

// seed stores a utility (ZAR, VAT 0.15, debt recovery 0.25, no fixed charge, UTC), supply group
// 123456 KRN 1 DKGA02 with vending key abababababababab (and KRN 2 for key changes), a flat
// tariff, a customer and an agent with a credit limit and a top-up, and builds a core.Vendor on
// the store with a SoftIssuer, a fixed clock and crypto/rand.
func seed(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	sealer, err := core.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, sealer: sealer}
	f.utility = core.Utility{
		Name: "City Power", Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: time.UTC,
		DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: time.Hour,
	}
	must(t, db.CreateUtility(ctx, &f.utility))
	for _, g := range []struct {
		g  *core.SupplyGroup
		kr uint8
		vk []byte
	}{{&f.group, 1, vendingKey}, {&f.group2, 2, vendingKey2}} {
		*g.g = core.SupplyGroup{UtilityID: f.utility.ID, SGC: sgcCode, KRN: g.kr, DKGA: sts.DKGA02, Name: fmt.Sprintf("Soweto KRN %d", g.kr)}
		must(t, core.ImportVendingKey(ctx, db, sealer, g.g, g.vk))
	}
	f.tariff = core.Tariff{UtilityID: f.utility.ID, Name: "Homelight", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("250")}}}
	must(t, db.CreateTariff(ctx, &f.tariff))
	f.customer = core.Customer{Name: "Thandi Mokoena", Address: "12 Vilakazi St", Phone: "+27821234567", Language: "zu"}
	must(t, db.CreateCustomer(ctx, &f.customer))
	f.agent = f.newAgent(t, 100_00, 1_000_000_00)
	f.vendor = &core.Vendor{
		Meters: db, Agents: db, Utilities: db, Vends: db,
		Issuer: &core.SoftIssuer{Keys: db, Sealer: sealer},
		Clock:  func() time.Time { return now },
		Random: rand.Reader,
	}
	return f
}

// newAgent stores an active agent with a credit limit and tops it up.
func (f *fixture) newAgent(t *testing.T, creditLimit, topUp core.Money) core.Agent {
	t.Helper()
	ctx := context.Background()
	a := core.Agent{UtilityID: f.utility.ID, Name: fmt.Sprintf("Spaza %d", time.Now().UnixNano()), Kind: core.AgentRetail,
		CreditLimit: creditLimit, CommissionRate: decimal.RequireFromString("0.02"), Active: true}
	must(t, f.db.CreateAgent(ctx, &a))
	if topUp > 0 {
		bal, err := f.db.TopUp(ctx, a.ID, topUp, "opening float")
		must(t, err)
		a.Balance = bal
	}
	return a
}

// meterKey returns the KT 2, TI 1, EA07, base date 2014 key of a meter number under KRN krn.
func meterKey(t *testing.T, number string, krn uint8) core.MeterKey {
	t.Helper()
	pan, err := sts.NewPAN(sts.IIN, number)
	if err != nil {
		t.Fatal(err)
	}
	return core.MeterKey{PAN: pan, SGC: sgcCode, KRN: krn, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02,
		EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
}

// meterNumber returns a valid 11-digit DRN: a 10-digit serial and its Luhn check digit.
func meterNumber(t *testing.T, serial int) string {
	t.Helper()
	base := fmt.Sprintf("01%08d", serial)
	for d := '0'; d <= '9'; d++ {
		if sts.CheckDRN(sts.IIN, base+string(d)) == nil {
			return base + string(d)
		}
	}
	t.Fatalf("no check digit makes %s valid", base)
	return ""
}

// newMeter stores an active meter of the fixture's customer under KRN 1.
func (f *fixture) newMeter(t *testing.T, arrears core.Money) core.Meter {
	t.Helper()
	return f.meterOn(t, f.customer.ID, f.tariff, arrears)
}

// meterOn stores an active meter of a customer under KRN 1, of the tariff's kind, on the tariff.
func (f *fixture) meterOn(t *testing.T, customerID int64, tariff core.Tariff, arrears core.Money) core.Meter {
	t.Helper()
	f.seq++
	number := meterNumber(t, f.seq)
	m := core.Meter{Number: number, Kind: tariff.Kind, Status: core.MeterActive, Key: meterKey(t, number, 1),
		SupplyGroupID: f.group.ID, CustomerID: customerID, TariffID: tariff.ID}
	must(t, f.db.CreateMeter(context.Background(), &m, arrears))
	return m
}

// virtualMeter returns the keypad meter that a stored meter is in the field: its decoder key
// derived from the vending key with the same parameters, its manufacturer code its DRN's.
func virtualMeter(t *testing.T, k core.MeterKey, vk []byte) *meter.Meter {
	t.Helper()
	dk, err := sts.DeriveKey(k.DKGA, vk, sts.KeyParams{PAN: k.PAN, KT: k.KT, SGC: k.SGC, TI: k.TI, KRN: k.KRN, BaseDate: k.BaseDate, EA: k.EA})
	if err != nil {
		t.Fatal(err)
	}
	m, err := meter.New(meter.Config{Key: dk, EA: k.EA, KT: k.KT, KRN: k.KRN, TI: k.TI, SGC: k.SGC, BaseDate: k.BaseDate, KEN: sts.NoExpiry,
		Manufacturer: k.PAN.ManufacturerCode()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// counters reads a meter's counters the way a vend does, in a transaction that is rolled back.
func counters(t *testing.T, db *store.DB, meterID int64) core.MeterCounters {
	t.Helper()
	var c core.MeterCounters
	errRollback := errors.New("rollback")
	err := db.InVendTx(context.Background(), func(tx core.VendTx) error {
		ms, err := tx.LockMeters(context.Background(), []int64{meterID})
		if err != nil {
			return err
		}
		c = ms[meterID].Counters
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("reading meter %d's counters: %v", meterID, err)
	}
	return c
}

// checkLedger checks that every agent's balance equals the sum of its ledger entries and every
// customer's debt and every charge's remainder minus the sum of their account (store.CheckLedger).
func checkLedger(t *testing.T, db *store.DB) {
	t.Helper()
	r, err := db.CheckLedger(context.Background(), 0)
	must(t, err)
	if !r.OK() {
		t.Errorf("the ledger check found differences: agents %+v, customers %+v, charges %+v", r.Differences, r.CustomerDifferences, r.ChargeDifferences)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode checks a core error's code and, when given, its reason.
func wantCode(t *testing.T, err error, code core.Code, reason core.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	e := core.AsError(err)
	if e.Code != code || reason != "" && e.Reason != reason {
		t.Fatalf("got %s/%s (%v), want %s/%s", e.Code, e.Reason, err, code, reason)
	}
}

// sameTokens reports whether two vends carry the same tokens.
func sameTokens(a, b *core.Vend) bool {
	if len(a.Tokens) != len(b.Tokens) {
		return false
	}
	for i := range a.Tokens {
		if a.Tokens[i] != b.Tokens[i] {
			return false
		}
	}
	return true
}
