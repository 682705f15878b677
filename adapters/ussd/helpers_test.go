package ussd_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/adapters/ussd"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

var zar = core.Currency{Code: "ZAR", Exponent: 2}

// vendNow is the vendor's fixed clock: a base date 2014 key issues TIDs for it.
var vendNow = time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)

const (
	sgcCode   = 123456
	phone     = "27821234567" // the customer's phone
	ussdCode  = "*404#"
	shortCode = "40404"
)

var vendingKey = mustHex("abababababababab")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// eachDB runs fn as the subtests SQLite and PostgreSQL, each on a fresh, migrated database.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	testkit.EachDB(t, fn)
}

// recordingVendor is the real vendor, with the requests it got.
type recordingVendor struct {
	v    *core.Vendor
	mu   sync.Mutex
	reqs []core.VendRequest
}

func (r *recordingVendor) Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.v.Vend(ctx, req)
}

func (r *recordingVendor) CheckAmount(a core.Money) error { return r.v.CheckAmount(a) }

func (r *recordingVendor) Sellable(ctx context.Context, agentID int64, number string) (core.MeterView, core.Agent, error) {
	return r.v.Sellable(ctx, agentID, number)
}

// sms is one SMS the handler queued through Replies.
type sms struct {
	route, sender, recipient, body string
	vendID                         int64
}

type replies struct {
	mu   sync.Mutex
	sent []sms
}

func (r *replies) Reply(_ context.Context, route, sender, recipient, body string, vendID int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, sms{route, sender, recipient, body, vendID})
	return nil
}

// fixture is a seeded database, the real vendor and the handler over real HTTP.
type fixture struct {
	db       *store.DB
	vendor   *recordingVendor
	replies  *replies
	handler  *ussd.Handler
	srv      *httptest.Server
	utility  core.Utility
	group    core.SupplyGroup
	tariff   core.Tariff
	customer core.Customer
	telco    core.Agent
	meter    core.Meter
	logs     *testkit.Logs
	mu       sync.Mutex
	now      time.Time // the handler's clock
	seq      int
	meters   []core.Meter // every meter newMeter stored
}

// seed stores a utility (ZAR), supply group 123456 KRN 1, a flat tariff of 2.50 a kWh, the
// customer Thandi Mokoena (phone +27821234567, no language) with one meter, a telco agent with
// a float, its USSD service code *404# (route "mtn") and SMS short code 40404; it serves the
// handler on an httptest.Server.
func seed(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	sealer, err := core.NewSealer(master)
	must(t, err)
	f := &fixture{db: db, replies: &replies{}, now: time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)}
	f.utility = core.Utility{Name: "City Power", Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: time.UTC,
		DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: time.Hour}
	must(t, db.CreateUtility(ctx, &f.utility))
	f.group = core.SupplyGroup{UtilityID: f.utility.ID, SGC: sgcCode, KRN: 1, DKGA: sts.DKGA02, Name: "Soweto"}
	must(t, core.ImportVendingKey(ctx, db, sealer, &f.group, vendingKey))
	f.tariff = core.Tariff{UtilityID: f.utility.ID, Name: "Homelight", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("250")}}}
	must(t, db.CreateTariff(ctx, &f.tariff))
	f.customer = core.Customer{Name: "Thandi Mokoena", Address: "12 Vilakazi St", Phone: "+" + phone}
	must(t, db.CreateCustomer(ctx, &f.customer))
	f.meter = f.newMeter(t, core.MeterActive)
	f.telco = core.Agent{UtilityID: f.utility.ID, Name: "MTN", Kind: core.AgentTelco, CommissionRate: decimal.Zero, Active: true}
	must(t, db.CreateAgent(ctx, &f.telco))
	_, err = db.TopUp(ctx, f.telco.ID, 10_000_00, "opening float")
	must(t, err)
	must(t, db.CreateServiceCode(ctx, core.ServiceCode{Code: ussdCode, Channel: core.ChannelUSSD, AgentID: f.telco.ID, Route: "mtn", Active: true}))
	must(t, db.CreateServiceCode(ctx, core.ServiceCode{Code: shortCode, Channel: core.ChannelSMS, AgentID: f.telco.ID, Route: "mtn", Active: true}))
	f.vendor = &recordingVendor{v: &core.Vendor{
		Meters: db, Agents: db, Utilities: db, Vends: db,
		Issuer: &core.SoftIssuer{Keys: db, Sealer: sealer},
		Clock:  func() time.Time { return vendNow },
		Random: rand.Reader,
	}}
	cat, err := lang.Load()
	must(t, err)
	var log zerolog.Logger
	log, f.logs = testkit.CaptureLogs(t)
	t.Cleanup(func() { testkit.AssertNoSecrets(t, "the USSD handler's logs", f.logs.String(), f.secrets(t, master)) })
	f.handler = ussd.New(ussd.Config{
		Vendor: f.vendor, Mobile: &core.Mobile{Store: db, Clock: f.clock}, Sessions: db,
		Replies: f.replies, Catalog: cat, Service: "City Power", SMS: true,
		Logger: log, Clock: f.clock, Timeout: 3 * time.Minute,
		Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	})
	mux := http.NewServeMux()
	mux.Handle("POST "+ussd.Path, f.handler)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// newMeter stores a meter of the customer under KRN 1, on the fixture's tariff and of its kind.
func (f *fixture) newMeter(t *testing.T, status core.MeterStatus) core.Meter {
	t.Helper()
	f.seq++
	number := meterNumber(t, f.seq)
	pan, err := sts.NewPAN(sts.IIN, number)
	must(t, err)
	m := core.Meter{Number: number, Kind: f.tariff.Kind, Status: status, SupplyGroupID: f.group.ID, CustomerID: f.customer.ID, TariffID: f.tariff.ID,
		Key: core.MeterKey{PAN: pan, SGC: sgcCode, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}}
	must(t, f.db.CreateMeter(context.Background(), &m, 0))
	f.meters = append(f.meters, m)
	return m
}

// secrets is what the handler's logs must never carry: every token sold to the fixture's meters
// (the final screens and the SMS show them), the meters' PANs and decoder keys, the vending key
// and the master key.
func (f *fixture) secrets(t *testing.T, master []byte) testkit.Secrets {
	t.Helper()
	s := testkit.Secrets{Keys: [][]byte{vendingKey, master}}
	for _, m := range f.meters {
		s.PANs = append(s.PANs, m.Key.PAN.String())
		s.Keys = append(s.Keys, virtualMeter(t, m.Key).Key().Key)
		vs, err := f.db.VendsByMeter(context.Background(), m.Number, 0, 1000)
		must(t, err)
		for _, v := range vs {
			for _, tk := range v.Tokens {
				s.Tokens = append(s.Tokens, tk.Token.String())
			}
		}
	}
	return s
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

// virtualMeter returns the keypad meter a stored meter is in the field.
func virtualMeter(t *testing.T, k core.MeterKey) *meter.Meter {
	t.Helper()
	dk, err := sts.DeriveKey(k.DKGA, vendingKey, sts.KeyParams{PAN: k.PAN, KT: k.KT, SGC: k.SGC, TI: k.TI, KRN: k.KRN, BaseDate: k.BaseDate, EA: k.EA})
	must(t, err)
	m, err := meter.New(meter.Config{Key: dk, EA: k.EA, KT: k.KT, KRN: k.KRN, TI: k.TI, SGC: k.SGC, BaseDate: k.BaseDate, KEN: sts.NoExpiry})
	must(t, err)
	return m
}

// post sends a form callback and returns the status and body.
func (f *fixture) post(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(f.srv.URL+ussd.Path, form)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	return resp.StatusCode, string(b)
}

// dial sends one callback of session id from the customer's phone on *404# and checks that the
// answer is 200, CON or END, and a screen of at most 182 characters.
func (f *fixture) dial(t *testing.T, session, text string) string {
	t.Helper()
	status, body := f.post(t, url.Values{"sessionId": {session}, "serviceCode": {ussdCode}, "phoneNumber": {"+" + phone}, "text": {text}})
	if status != http.StatusOK {
		t.Fatalf("text %q: status %d (%s), want 200", text, status, body)
	}
	checkScreen(t, body)
	return body
}

func checkScreen(t *testing.T, body string) {
	t.Helper()
	screen, ok := strings.CutPrefix(body, "CON ")
	if !ok {
		if screen, ok = strings.CutPrefix(body, "END "); !ok {
			t.Fatalf("answer %q begins with neither CON nor END", body)
		}
	}
	if n := lang.USSDLen(screen); n > lang.MaxUSSD {
		t.Errorf("screen of %d characters, want at most %d: %q", n, lang.MaxUSSD, screen)
	}
}

var tokenRE = regexp.MustCompile(`\d{4}-\d{4}-\d{4}-\d{4}-\d{4}`)

// tokenOf returns the token shown on a screen.
func tokenOf(t *testing.T, screen string) string {
	t.Helper()
	tok := tokenRE.FindString(screen)
	if tok == "" {
		t.Fatalf("no token on the screen %q", screen)
	}
	return tok
}

// vendCount returns how many vends a meter has.
func (f *fixture) vendCount(t *testing.T, number string) int {
	t.Helper()
	vs, err := f.db.VendsByMeter(context.Background(), number, 0, 100)
	must(t, err)
	return len(vs)
}

func (f *fixture) balance(t *testing.T) core.Money {
	t.Helper()
	a, err := f.db.Agent(context.Background(), f.telco.ID)
	must(t, err)
	return a.Balance
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantPrefix(t *testing.T, got, prefix, contains string) {
	t.Helper()
	if !strings.HasPrefix(got, prefix) || !strings.Contains(got, contains) {
		t.Fatalf("got %q, want %q... containing %q", got, prefix, contains)
	}
}
