package memstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

// VendingKey is the vending key of every supply group a World seeds (DKGA02, 8 bytes).
var VendingKey = []byte{0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab}

// Start is a World's clock when it begins: a time base date 2014 keys issue TIDs for.
var Start = time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)

// World is a Store seeded for vending, with the real core.Vendor over it: a utility (ZAR, VAT
// 15 %, debt recovery 25 %, reversal window 24 h) with a supply group whose vending key is
// sealed under a fresh master key, a flat tariff of 2.50 a kWh, a customer and a retail agent
// with a float of ZAR 10 000.00. Its clock stands still until Advance.
type World struct {
	Store  *Store
	Sealer *core.Sealer
	Site
	Agent core.Agent

	mu  sync.Mutex
	now time.Time
	seq int
}

// Site is a utility with its supply group, tariff and customer.
type Site struct {
	Utility  core.Utility
	Group    core.SupplyGroup
	Tariff   core.Tariff
	Customer core.Customer
}

// NewWorld seeds a World; utility, when given, changes the utility before it is stored.
func NewWorld(tb testing.TB, utility ...func(*core.Utility)) *World {
	tb.Helper()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		tb.Fatal(err)
	}
	sealer, err := core.NewSealer(master)
	must(tb, err)
	w := &World{Store: New(), Sealer: sealer, now: Start}
	w.Store.Clock = w.Now
	u := core.Utility{
		Name: "City Power", Currency: core.Currency{Code: "ZAR", Exponent: 2}, TaxRate: decimal.RequireFromString("0.15"),
		Location: time.UTC, DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: 24 * time.Hour,
	}
	for _, f := range utility {
		f(&u)
	}
	w.Site = w.AddSite(tb, u, 123456)
	w.Agent = w.AddAgent(tb, core.Agent{UtilityID: w.Utility.ID, Name: "Corner Shop", Kind: core.AgentRetail, Active: true,
		CommissionRate: decimal.RequireFromString("0.02")}, 10_000_00)
	return w
}

// AddSite stores a utility with a supply group of sgc (KRN 1, DKGA02, VendingKey), a flat tariff
// of 2.50 a kWh and a customer (phone +27821234567).
func (w *World) AddSite(tb testing.TB, u core.Utility, sgc sts.SGC) Site {
	tb.Helper()
	ctx := context.Background()
	s := Site{Utility: u}
	must(tb, w.Store.CreateUtility(ctx, &s.Utility))
	s.Group = w.AddGroup(tb, s.Utility.ID, sgc, 1)
	s.Tariff = core.Tariff{UtilityID: s.Utility.ID, Name: "Homelight", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("250")}}}
	must(tb, w.Store.CreateTariff(ctx, &s.Tariff))
	s.Customer = core.Customer{Name: "Thandi Mokoena", Address: "12 Vilakazi St", Phone: "+27821234567"}
	must(tb, w.Store.CreateCustomer(ctx, &s.Customer))
	return s
}

// AddGroup stores a supply group of a utility with VendingKey sealed under the World's master key.
func (w *World) AddGroup(tb testing.TB, utilityID int64, sgc sts.SGC, krn uint8) core.SupplyGroup {
	tb.Helper()
	g := core.SupplyGroup{UtilityID: utilityID, SGC: sgc, KRN: krn, DKGA: sts.DKGA02, Name: fmt.Sprintf("SGC %s KRN %d", sgc, krn)}
	sealed, err := w.Sealer.Seal(VendingKey, g.SGC, g.KRN, g.DKGA)
	must(tb, err)
	must(tb, w.Store.CreateSupplyGroup(context.Background(), &g, sealed))
	return g
}

// AddAgent stores an agent and tops its float up by float (when positive).
func (w *World) AddAgent(tb testing.TB, a core.Agent, float core.Money) core.Agent {
	tb.Helper()
	ctx := context.Background()
	must(tb, w.Store.CreateAgent(ctx, &a))
	if float > 0 {
		b, err := w.Store.TopUp(ctx, a.ID, float, "opening float")
		must(tb, err)
		a.Balance = b
	}
	return a
}

// AddMeter stores an active electricity meter of site's customer, tariff and supply group, with
// a key of KRN 1, TI 1, EA07, base date 2014 that never expires; mod changes it before it is
// stored (an empty Number is a new valid one).
func (w *World) AddMeter(tb testing.TB, site Site, mod func(m *core.Meter, arrears *core.Money)) core.Meter {
	tb.Helper()
	m := core.Meter{
		Kind: core.Electricity, Status: core.MeterActive, SupplyGroupID: site.Group.ID, CustomerID: site.Customer.ID, TariffID: site.Tariff.ID,
		Key: core.MeterKey{SGC: site.Group.SGC, KRN: site.Group.KRN, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07,
			BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry},
	}
	var arrears core.Money
	if mod != nil {
		mod(&m, &arrears)
	}
	if m.Number == "" {
		w.mu.Lock()
		w.seq++
		n := w.seq
		w.mu.Unlock()
		m.Number = MeterNumber(tb, n)
	}
	must(tb, w.Store.CreateMeter(context.Background(), &m, arrears))
	return m
}

// Vendor returns the real core.Vendor over the World's store, with a software issuer, the
// World's clock and crypto/rand; mod changes it before it is returned.
func (w *World) Vendor(mod ...func(*core.Vendor)) *core.Vendor {
	v := &core.Vendor{
		Meters: w.Store, Agents: w.Store, Utilities: w.Store, Vends: w.Store,
		Issuer: &core.SoftIssuer{Keys: w.Store, Sealer: w.Sealer},
		Clock:  w.Now, Random: rand.Reader,
	}
	for _, f := range mod {
		f(v)
	}
	return v
}

// Now is the World's clock.
func (w *World) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// Advance moves the World's clock on.
func (w *World) Advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

// Balance returns an agent's float as stored.
func (w *World) Balance(tb testing.TB, agentID int64) core.Money {
	tb.Helper()
	a, err := w.Store.Agent(context.Background(), agentID)
	must(tb, err)
	return a.Balance
}

// VirtualMeter returns the keypad meter a stored meter's key stands for in the field.
func VirtualMeter(tb testing.TB, k core.MeterKey) *meter.Meter {
	tb.Helper()
	dk, err := sts.DeriveKey(k.DKGA, VendingKey, sts.KeyParams{PAN: k.PAN, KT: k.KT, SGC: k.SGC, TI: k.TI, KRN: k.KRN, BaseDate: k.BaseDate, EA: k.EA})
	must(tb, err)
	m, err := meter.New(meter.Config{Key: dk, EA: k.EA, KT: k.KT, KRN: k.KRN, TI: k.TI, SGC: k.SGC, BaseDate: k.BaseDate, KEN: k.KEN})
	must(tb, err)
	return m
}

// MeterNumber returns a valid 11-digit meter number: "01", an 8-digit serial and its check digit.
func MeterNumber(tb testing.TB, serial int) string {
	tb.Helper()
	base := fmt.Sprintf("01%08d", serial)
	for d := '0'; d <= '9'; d++ {
		if sts.CheckDRN(sts.IIN, base+string(d)) == nil {
			return base + string(d)
		}
	}
	tb.Fatalf("no check digit makes %s valid", base)
	return ""
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
