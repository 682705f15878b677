package memstore

import (
	"context"
	"io"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// The fixtures of a Bank: meters of the World's utility and the institutions of two banks.
const (
	MeterOK             = "01234567897" // active, customer Thandi Mokoena
	MeterOK2            = "01234567822" // active, customer Sipho Dlamini
	MeterBlocked        = "01234567806"
	MeterDecommissioned = "01234567814"
	MeterOtherUtility   = "04000000010" // active, of another utility
	MeterUnknown        = "11111111115" // valid, not registered

	BankCode         = "123456" // First Bank's institution: loopback allowed
	InactiveBankCode = "654321" // an institution of First Bank that is not active
	FarBankCode      = "777777" // an institution of First Bank that allows 10.0.0.0/8 only
	PoorBankCode     = "888888" // Poor Bank's institution: loopback allowed, a float of ZAR 1.00
)

// Bank is a World seen from a bank switch: its meters (MeterOK ...), First Bank (a float of ZAR
// 10 000.00), Poor Bank and two more banks with their institutions (BankCode ...), and the real core.Vendor over
// the store, whose randomness is seeded so that its tokens and references repeat run after run.
type Bank struct {
	*World
	Vendor        *core.Vendor
	BankAgent     core.Agent
	PoorBankAgent core.Agent

	delayMu sync.Mutex
	delay   time.Duration
}

// NewBank seeds a Bank whose clock shows now.
func NewBank(tb testing.TB, now time.Time) *Bank {
	tb.Helper()
	ctx := context.Background()
	w := NewWorld(tb)
	w.Advance(now.Sub(w.Now()))
	b := &Bank{World: w}
	b.Vendor = w.Vendor(func(v *core.Vendor) { v.Random = SeededRandom(1) })
	sipho := core.Customer{Name: "Sipho Dlamini", Phone: "+27831234567"}
	must(tb, w.Store.CreateCustomer(ctx, &sipho))
	for _, m := range []struct {
		number   string
		status   core.MeterStatus
		customer int64
	}{
		{MeterOK, core.MeterActive, w.Customer.ID}, {MeterOK2, core.MeterActive, sipho.ID},
		{MeterBlocked, core.MeterBlocked, w.Customer.ID}, {MeterDecommissioned, core.MeterDecommissioned, w.Customer.ID},
	} {
		w.AddMeter(tb, w.Site, func(mt *core.Meter, _ *core.Money) {
			mt.Number, mt.Status, mt.CustomerID = m.number, m.status, m.customer
		})
	}
	other := w.AddSite(tb, core.Utility{Name: "Other Utility", Currency: w.Utility.Currency, Location: time.UTC, ReversalWindow: 24 * time.Hour}, sts.SGC(654321))
	w.AddMeter(tb, other, func(mt *core.Meter, _ *core.Money) { mt.Number = MeterOtherUtility })

	b.BankAgent = w.AddAgent(tb, core.Agent{UtilityID: w.Utility.ID, Name: "First Bank", Kind: core.AgentBank, Active: true}, 10_000_00)
	b.PoorBankAgent = w.AddAgent(tb, core.Agent{UtilityID: w.Utility.ID, Name: "Poor Bank", Kind: core.AgentBank, Active: true}, 100)
	closed := w.AddAgent(tb, core.Agent{UtilityID: w.Utility.ID, Name: "Closed Bank", Kind: core.AgentBank, Active: true}, 10_000_00)
	far := w.AddAgent(tb, core.Agent{UtilityID: w.Utility.ID, Name: "Far Bank", Kind: core.AgentBank, Active: true}, 10_000_00)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, in := range []core.Institution{ // one institution per agent, as the SQL store has it
		{Code: BankCode, Name: "First Bank", AgentID: b.BankAgent.ID, Allowed: loopback, Active: true},
		{Code: InactiveBankCode, Name: "Closed Bank", AgentID: closed.ID, Allowed: loopback, Active: false},
		{Code: FarBankCode, Name: "Far Bank", AgentID: far.ID, Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Active: true},
		{Code: PoorBankCode, Name: "Poor Bank", AgentID: b.PoorBankAgent.ID, Allowed: loopback, Active: true},
	} {
		must(tb, w.Store.CreateInstitution(ctx, in))
	}
	w.Store.SetFault(b.slow)
	return b
}

// SetDelay makes every meter lookup wait d, or until its context ends (then it fails as a
// database does): a slow database.
func (b *Bank) SetDelay(d time.Duration) {
	b.delayMu.Lock()
	b.delay = d
	b.delayMu.Unlock()
}

func (b *Bank) slow(ctx context.Context, op string) error {
	b.delayMu.Lock()
	d := b.delay
	b.delayMu.Unlock()
	if d <= 0 || op != "MeterByNumber" {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Completed returns the number of completed vends.
func (b *Bank) Completed() int {
	n := 0
	for _, v := range b.Store.Vends() {
		if v.Status == core.VendCompleted {
			n++
		}
	}
	return n
}

// Tokens returns every token the store holds, for the secrets a test looks for in logs.
func (b *Bank) Tokens() []string {
	var out []string
	for _, v := range b.Store.Vends() {
		for _, t := range v.Tokens {
			out = append(out, t.Token.String())
		}
	}
	return out
}

// SeededRandom returns a source of bytes that is the same for the same seed (for references and
// token RND values that repeat), safe for concurrent use.
func SeededRandom(seed uint64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return &lockedReader{r: rand.NewChaCha8(s)}
}

type lockedReader struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
