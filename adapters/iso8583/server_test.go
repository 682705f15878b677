package iso8583_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

func TestNewRequiresDependencies(t *testing.T) {
	f := memstore.NewBank(t, fixed)
	cases := map[string]iso.Config{
		"NoVendor":       {Institutions: f.Store},
		"NoInstitutions": {Vendor: f.Vendor},
		"BadFraming":     {Vendor: f.Vendor, Institutions: f.Store, Framing: 9},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := iso.New(cfg); err == nil {
				t.Errorf("New: got nil error, want one")
			}
		})
	}
}

func TestSignOn(t *testing.T) {
	cases := []struct {
		name        string
		institution string
		wantRC      string
		wantClosed  bool
	}{
		{"OK", memstore.BankCode, "00", false},
		{"ErrUnknownInstitution", "999999", "58", true},
		{"ErrInactive", memstore.InactiveBankCode, "58", true},
		{"ErrAddressNotAllowed", memstore.FarBankCode, "58", true},
		{"ErrFormat", "12AB", "30", false},
	}
	ts := MustServe(t, iso.Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := MustClient(t, ts, "")
			r, err := signOnAs(cl, c.institution)
			if err != nil {
				t.Fatal(err)
			}
			if r.RC != c.wantRC {
				t.Errorf("field 39: got %s, want %s", r.RC, c.wantRC)
			}
			select {
			case <-cl.Done():
				if !c.wantClosed {
					t.Errorf("connection: got closed, want open")
				}
			case <-time.After(300 * time.Millisecond):
				if c.wantClosed {
					t.Errorf("connection: got open, want closed")
				}
			}
		})
	}
}

// signOnAs sends a sign-on for institution on a client that dialled without one.
func signOnAs(cl *atm.Client, institution string) (atm.Response, error) {
	return cl.Send(newNetwork(iso.NetSignOn, institution))
}

func TestBeforeSignOn(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, "")
	cl2 := MustClient(t, ts, memstore.BankCode) // sign-on is per connection
	t.Run("EchoOK", func(t *testing.T) {
		r, err := cl.Network(iso.NetEcho)
		if err != nil || r.RC != "00" {
			t.Errorf("echo: got %q, %v, want 00", r.RC, err)
		}
	})
	t.Run("PurchaseRefused91", func(t *testing.T) {
		r, err := cl.Send(purchaseAs(cl, memstore.BankCode, memstore.MeterOK, 5000))
		if err != nil || r.RC != "91" {
			t.Errorf("purchase: got %q, %v, want 91", r.RC, err)
		}
		if got := ts.fake.Completed(); got != 0 {
			t.Errorf("vends: got %d, want 0", got)
		}
	})
	t.Run("AfterSignOffRefused91", func(t *testing.T) {
		c := MustClient(t, ts, memstore.BankCode)
		if r, err := c.Network(iso.NetSignOff); err != nil || r.RC != "00" {
			t.Fatalf("sign-off: got %q, %v, want 00", r.RC, err)
		}
		r, err := c.Send(c.Purchase(memstore.MeterOK, 5000))
		if err != nil || r.RC != "91" {
			t.Errorf("purchase: got %q, %v, want 91", r.RC, err)
		}
	})
	t.Run("OtherInstitution58", func(t *testing.T) {
		r, err := cl2.Send(purchaseAs(cl2, memstore.PoorBankCode, memstore.MeterOK, 5000))
		if err != nil || r.RC != "58" {
			t.Errorf("purchase: got %q, %v, want 58", r.RC, err)
		}
	})
}

func TestLookup(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	cases := []struct {
		name, meter, wantRC string
	}{
		{"OK", memstore.MeterOK, "00"},
		{"ErrUnknownMeter", memstore.MeterUnknown, "14"},
		{"ErrBadCheckDigit", "01234567890", "14"},
		{"ErrBlocked", memstore.MeterBlocked, "57"},
		{"ErrDecommissioned", memstore.MeterDecommissioned, "57"},
		{"ErrOtherUtility", memstore.MeterOtherUtility, "14"}, // not found, as an unknown meter
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := cl.Send(cl.Lookup(c.meter))
			if err != nil {
				t.Fatal(err)
			}
			if r.MTI != "0110" || r.RC != c.wantRC {
				t.Errorf("got %s %s, want 0110 %s", r.MTI, r.RC, c.wantRC)
			}
			if c.wantRC != "00" {
				return
			}
			if r.Customer != "Thandi Mokoena" {
				t.Errorf("field 48.02: got %q, want Thandi Mokoena", r.Customer)
			}
			if want := "Customer:  Thandi Mokoena"; !slices.Contains(r.Display, want) {
				t.Errorf("field 62: got %q, want a line %q", r.Display, want)
			}
		})
	}
	t.Run("InquiryOn0200", func(t *testing.T) {
		r, err := cl.Send(cl.Financial(iso.MTIFinancialRequest, "310000", memstore.MeterOK, 0))
		if err != nil || r.MTI != "0210" || r.RC != "00" || r.Customer != "Thandi Mokoena" || len(r.Tokens) != 0 {
			t.Errorf("got %s %s %q tokens %d, %v; want 0210 00 Thandi Mokoena, no token", r.MTI, r.RC, r.Customer, len(r.Tokens), err)
		}
	})
	if got := ts.fake.Completed(); got != 0 {
		t.Errorf("vends after lookups: got %d, want 0", got)
	}
}

func TestPurchase(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	before := ts.fake.Balance(t, ts.fake.BankAgent.ID)

	req := cl.Purchase(memstore.MeterOK, 5000)
	r, err := cl.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.MTI != "0210" || r.RC != "00" {
		t.Fatalf("got %s %s, want 0210 00", r.MTI, r.RC)
	}
	if len(r.Tokens) != 1 || len(r.Tokens[0]) != 20 || strings.Trim(r.Tokens[0], "0123456789") != "" {
		t.Errorf("field 63 tokens: got %q, want one of 20 digits", r.Tokens)
	}
	if len(r.AuthCode) != 6 {
		t.Errorf("field 38: got %q, want 6 characters", r.AuthCode)
	}
	if len(r.Receipt) == 0 {
		t.Errorf("field 63 receipt: got none, want lines")
	}
	for _, l := range r.Receipt {
		if len(l) > iso.ReceiptColumns {
			t.Errorf("receipt line %q: got %d columns, want at most 40", l, len(l))
		}
	}
	if got, want := ts.fake.Balance(t, ts.fake.BankAgent.ID), before-5000; got != want {
		t.Errorf("balance: got %d, want %d", got, want)
	}

	t.Run("RepeatSameToken", func(t *testing.T) {
		again, err := cl.Send(req)
		if err != nil {
			t.Fatal(err)
		}
		if again.RC != "00" || !slices.Equal(again.Tokens, r.Tokens) {
			t.Errorf("got %s %v, want 00 %v", again.RC, again.Tokens, r.Tokens)
		}
		if got, want := ts.fake.Balance(t, ts.fake.BankAgent.ID), before-5000; got != want {
			t.Errorf("balance: got %d, want %d (one debit)", got, want)
		}
	})
	t.Run("SameKeyOtherContent94", func(t *testing.T) {
		other := clone(t, req)
		_ = other.Field(4, "000000009900")
		got, err := cl.Send(other)
		if err != nil || got.RC != "94" || len(got.Tokens) != 0 {
			t.Errorf("got %q %v, %v; want 94 with no token", got.RC, got.Tokens, err)
		}
	})

	cases := []struct {
		name   string
		edit   func(*testing.T, *atm.Client) *atmMessage
		wantRC string
	}{
		{"ErrNoAmount30", func(t *testing.T, c *atm.Client) *atmMessage { return c.Purchase(memstore.MeterOK, 0) }, "30"},
		{"ErrUnknownMeter14", func(t *testing.T, c *atm.Client) *atmMessage { return c.Purchase(memstore.MeterUnknown, 5000) }, "14"},
		{"ErrBlocked57", func(t *testing.T, c *atm.Client) *atmMessage { return c.Purchase(memstore.MeterBlocked, 5000) }, "57"},
		{"ErrAmountLetters30", func(t *testing.T, c *atm.Client) *atmMessage {
			m := c.Purchase(memstore.MeterOK, 5000)
			_ = m.Field(4, "0000000050AB")
			return m
		}, "30"},
		{"ErrAmountZeros13", func(t *testing.T, c *atm.Client) *atmMessage {
			m := c.Purchase(memstore.MeterOK, 5000)
			_ = m.Field(4, "000000000000")
			return m
		}, "13"},
		{"ErrCurrency12", func(t *testing.T, c *atm.Client) *atmMessage {
			m := c.Purchase(memstore.MeterOK, 5000)
			_ = m.Field(49, "840")
			return m
		}, "12"},
		{"ErrProcessingCode12", func(t *testing.T, c *atm.Client) *atmMessage {
			return c.Financial(iso.MTIFinancialRequest, "010000", memstore.MeterOK, 5000)
		}, "12"},
		{"ErrRRNNotPrintable30", func(t *testing.T, c *atm.Client) *atmMessage {
			m := c.Purchase(memstore.MeterOK, 5000)
			_ = m.Field(37, "ABC\x01DEFGHIJK")
			return m
		}, "30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cl.Send(c.edit(t, cl))
			if err != nil {
				t.Fatal(err)
			}
			if got.RC != c.wantRC || len(got.Tokens) != 0 {
				t.Errorf("got %s with %d tokens, want %s with none", got.RC, len(got.Tokens), c.wantRC)
			}
		})
	}
	t.Run("ErrInsufficientFunds51", func(t *testing.T) {
		poor := MustClient(t, ts, memstore.PoorBankCode)
		got, err := poor.Send(poor.Purchase(memstore.MeterOK, 5000))
		if err != nil || got.RC != "51" {
			t.Errorf("got %q, %v; want 51", got.RC, err)
		}
	})
}

func TestReversal(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	before := ts.fake.Balance(t, ts.fake.BankAgent.ID)
	purchase := cl.Purchase(memstore.MeterOK, 5000)
	if r, err := cl.Send(purchase); err != nil || r.RC != "00" {
		t.Fatalf("purchase: got %q, %v, want 00", r.RC, err)
	}

	steps := []struct {
		name   string
		msg    *atmMessage
		wantRC string
	}{
		{"Reversal", atm.Reversal(purchase, false), "00"},
		{"Repeat0421", atm.Reversal(purchase, true), "00"},
		{"PurchaseRepeatAfterReversal12", purchase, "12"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r, err := cl.Send(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			if r.RC != s.wantRC || len(r.Tokens) != 0 {
				t.Errorf("got %s %s with %d tokens, want %s with none", r.MTI, r.RC, len(r.Tokens), s.wantRC)
			}
		})
	}
	if got := ts.fake.Balance(t, ts.fake.BankAgent.ID); got != before {
		t.Errorf("balance after reversal: got %d, want %d (restored)", got, before)
	}

	t.Run("UnknownThenLateOriginal", func(t *testing.T) {
		unseen := cl.Purchase(memstore.MeterOK, 2000)
		r, err := cl.Send(atm.Reversal(unseen, false))
		if err != nil || r.MTI != "0430" || r.RC != "00" {
			t.Fatalf("reversal of an unknown purchase: got %s %q, %v; want 0430 00", r.MTI, r.RC, err)
		}
		r, err = cl.Send(unseen)
		if err != nil || r.RC != "12" || len(r.Tokens) != 0 {
			t.Errorf("late original: got %q %v, %v; want 12 with no token", r.RC, r.Tokens, err)
		}
		if got := ts.fake.Balance(t, ts.fake.BankAgent.ID); got != before {
			t.Errorf("balance: got %d, want %d", got, before)
		}
	})
	t.Run("OtherAmount94", func(t *testing.T) {
		p := cl.Purchase(memstore.MeterOK, 3000)
		if r, err := cl.Send(p); err != nil || r.RC != "00" {
			t.Fatalf("purchase: got %q, %v", r.RC, err)
		}
		rev := atm.Reversal(p, false)
		_ = rev.Field(4, "000000003100")
		r, err := cl.Send(rev)
		if err != nil || r.RC != "94" {
			t.Errorf("got %q, %v; want 94", r.RC, err)
		}
	})
	t.Run("ErrField90Letters30", func(t *testing.T) {
		rev := atm.Reversal(cl.Purchase(memstore.MeterOK, 3000), false)
		_ = rev.Field(90, strings.Repeat("X", 42))
		r, err := cl.Send(rev)
		if err != nil || r.RC != "30" {
			t.Errorf("got %q, %v; want 30", r.RC, err)
		}
	})
}

// TestSlowDatabase: a store slower than the deadline gets 91 in time, and the purchase is
// reversed (voided) so that it never stands.
func TestSlowDatabase(t *testing.T) {
	ts := MustServe(t, iso.Config{Deadline: 200 * time.Millisecond})
	cl := MustClient(t, ts, memstore.BankCode)
	ts.fake.SetDelay(2 * time.Second)
	start := time.Now()
	req := cl.Purchase(memstore.MeterOK, 5000)
	r, err := cl.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); r.RC != "91" || took > time.Second {
		t.Errorf("got %s after %s, want 91 within the deadline", r.RC, took)
	}
	ts.fake.SetDelay(0)
	// The reversal after the deadline runs once the store answers again.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v, err := ts.fake.Store.VendByKey(context.Background(), core.ChannelISO8583, keyOf(req)); err == nil && v.Status == core.VendVoided {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r, _ := cl.Send(req); r.RC != "12" {
		t.Errorf("the purchase again after 91: got %s, want 12 (reversed)", r.RC)
	}
	if got := ts.fake.Completed(); got != 0 {
		t.Errorf("vends: got %d, want 0", got)
	}
}

func keyOf(m *atmMessage) string {
	get := func(id int) string { s, _ := m.GetString(id); return s }
	return strings.Join([]string{get(32), get(41), get(11), get(37), get(7)}, "/")
}

// TestPipelined sends many purchases at once on one connection: each gets its own answer (by
// STAN) and its own token.
func TestPipelined(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	const n = 64
	var (
		mu     sync.Mutex
		tokens = map[string]bool{}
		wg     sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			meter := memstore.MeterOK
			if i%2 == 1 {
				meter = memstore.MeterOK2
			}
			r, err := cl.Buy(meter, int64(1000+i))
			if err != nil {
				t.Errorf("purchase %d: %v", i, err)
				return
			}
			mu.Lock()
			tokens[r.Tokens[0]] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(tokens) != n {
		t.Errorf("distinct tokens: got %d, want %d", len(tokens), n)
	}
}

// TestOutOfOrder: a slow lookup does not hold up a fast echo sent after it on the same connection.
func TestOutOfOrder(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	ts.fake.SetDelay(500 * time.Millisecond)
	slow := make(chan time.Time, 1)
	go func() {
		_, _ = cl.Send(cl.Lookup(memstore.MeterOK))
		slow <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond)
	if r, err := cl.Network(iso.NetEcho); err != nil || r.RC != "00" {
		t.Fatalf("echo: got %q, %v", r.RC, err)
	}
	echoed := time.Now()
	if done := <-slow; !done.After(echoed) {
		t.Errorf("the slow lookup was answered before the echo sent after it: want out of order")
	}
}

// TestMalformed: an unreadable message with a readable STAN gets 30; one without is dropped;
// either way the connection carries on.
func TestMalformed(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	conn := MustRaw(t, ts)
	conn.write(pack(t, "0800", network("000001", "001")))
	if rc := field(mustUnpack(t, conn.read(5*time.Second)), 39); rc != "00" {
		t.Fatalf("sign-on: got %s, want 00", rc)
	}
	cases := []struct {
		name   string
		raw    []byte
		wantRC string // "" for dropped
	}{
		{"Garbage", []byte("hello, world"), ""},
		{"BadBitmap", []byte("0200ZZZZZZZZZZZZZZZZ"), ""},
		{"UnknownField", []byte("02000000000000000001"), ""},
		{"TruncatedAfterSTAN", pack(t, "0200", fields{11: "000077", 2: goldenPAN, 4: "000000001000", 41: "ATM00001"})[:60], "30"},
		{"TooLong", make([]byte, iso.MaxMessageLength+1), ""},
		{"Empty", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn.write(c.raw)
			got := conn.read(300 * time.Millisecond)
			switch {
			case c.wantRC == "" && got != nil:
				t.Errorf("got a response %q, want none", got)
			case c.wantRC != "" && got == nil:
				t.Errorf("got no response, want %s", c.wantRC)
			case c.wantRC != "":
				m := mustUnpack(t, got)
				if rc := field(m, 39); rc != c.wantRC || field(m, 11) != "000077" {
					t.Errorf("got rc %s STAN %s, want %s 000077", rc, field(m, 11), c.wantRC)
				}
			}
			conn.write(pack(t, "0800", network("000002", "301")))
			if echo := conn.read(5 * time.Second); echo == nil || field(mustUnpack(t, echo), 39) != "00" {
				t.Errorf("echo after it: got %q, want 00", echo)
			}
		})
	}
	if logs := ts.logs.String(); !strings.Contains(logs, "476173******0119") {
		t.Errorf("logs: got no masked PAN for the malformed message with one:\n%s", logs)
	}
}

// TestIdleEcho: Vendgate echoes a silent connection.
func TestIdleEcho(t *testing.T) {
	ts := MustServe(t, iso.Config{EchoInterval: 100 * time.Millisecond})
	conn := MustRaw(t, ts)
	got := conn.read(3 * time.Second)
	if got == nil {
		t.Fatal("got no echo, want an 0800")
	}
	m := mustUnpack(t, got)
	if mti, _ := m.GetMTI(); mti != "0800" || field(m, 70) != "301" {
		t.Errorf("got %s field 70 %s, want 0800 301", mti, field(m, 70))
	}
}

func TestSignOnTimeout(t *testing.T) {
	ts := MustServe(t, iso.Config{SignOnTimeout: 100 * time.Millisecond})
	cl := MustClient(t, ts, "")
	select {
	case <-cl.Done():
	case <-time.After(3 * time.Second):
		t.Errorf("connection without sign-on: got open, want closed")
	}
}

func TestASCII4Framing(t *testing.T) {
	ts := MustServe(t, iso.Config{Framing: iso.ASCII4})
	cl, err := atm.Dial(context.Background(), atm.Config{Addr: ts.addr, Institution: memstore.BankCode, Framing: iso.ASCII4})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.SignOn(); err != nil {
		t.Fatal(err)
	}
	if r, err := cl.Buy(memstore.MeterOK, 5000); err != nil || len(r.Tokens) != 1 {
		t.Errorf("purchase: got %v, %v; want one token", r.Tokens, err)
	}
}

func TestTLS(t *testing.T) {
	cert := testkit.SelfSigned(t)
	ts := MustServe(t, iso.Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	cl, err := atm.Dial(context.Background(), atm.Config{Addr: ts.addr, Institution: memstore.BankCode,
		TLS: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.SignOn(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Buy(memstore.MeterOK, 5000); err != nil {
		t.Errorf("purchase over TLS: %v", err)
	}
}

// TestShutdownAnswersInFlight: Shutdown lets a request in progress answer before it closes.
func TestShutdownAnswersInFlight(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	cl := MustClient(t, ts, memstore.BankCode)
	ts.fake.SetDelay(300 * time.Millisecond)
	answered := make(chan atm.Response, 1)
	go func() {
		r, _ := cl.Send(cl.Purchase(memstore.MeterOK, 5000))
		answered <- r
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if r := <-answered; r.RC != "00" {
		t.Errorf("in-flight purchase: got %q, want 00", r.RC)
	}
}
