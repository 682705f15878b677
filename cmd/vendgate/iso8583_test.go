package main

import (
	"context"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/core"
)

// TestISO8583EndToEnd drives the demo bank over real TCP against the server, the core and the
// embedded store: sign-on, lookup, purchase (the token accepted by the virtual meter), repeat,
// reversal (the bank's balance restored), a late original after its reversal, and echo.
func TestISO8583EndToEnd(t *testing.T) {
	m, logs := bootEmbedded(t)
	ctx := context.Background()
	if m.Demo.Bank.Institution != "999999" || m.Demo.Bank.Addr != m.ISO8583Addr() {
		t.Fatalf("demo.json bank: %+v, want institution 999999 at %s", m.Demo.Bank, m.ISO8583Addr())
	}
	c, err := atm.Dial(ctx, atm.Config{Addr: m.ISO8583Addr(), Institution: m.Demo.Bank.Institution})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SignOn(); err != nil {
		t.Fatal(err)
	}
	dm := m.Demo.Meters[0]
	balance := func() core.Money {
		t.Helper()
		a, err := m.DB.Agent(ctx, m.Demo.Bank.Agent)
		if err != nil {
			t.Fatal(err)
		}
		return a.Balance
	}
	before := balance()

	look, err := c.Send(c.Lookup(dm.Number))
	if err != nil || look.RC != "00" || look.Customer != dm.Customer {
		t.Fatalf("lookup: %+v, %v; want 00 with customer %q", look, err, dm.Customer)
	}

	purchase := c.Purchase(dm.Number, 5000)
	res, err := c.Send(purchase)
	if err != nil || res.RC != "00" || len(res.Tokens) != 1 {
		t.Fatalf("purchase: %+v, %v; want 00 with one token", res, err)
	}
	mt := demoMeterFor(t, dm)
	r := mt.Enter(res.Tokens[0])
	if !r.Code.OK() || r.Added == 0 {
		t.Fatalf("the virtual meter took the ATM's token as %v", r)
	}
	for _, line := range res.Receipt {
		if len(line) > 40 {
			t.Errorf("receipt line wider than 40 columns: %q", line)
		}
	}
	if receipt := strings.Join(res.Receipt, "\n"); !strings.Contains(receipt, dm.Number) {
		t.Errorf("the receipt does not name meter %s:\n%s", dm.Number, receipt)
	}
	if got := before - balance(); got != 5000 {
		t.Errorf("the bank's settlement account moved by %d, want 5000", got)
	}

	again, err := c.Send(purchase)
	if err != nil || again.RC != "00" || len(again.Tokens) != 1 || again.Tokens[0] != res.Tokens[0] {
		t.Fatalf("repeated purchase: %+v, %v; want 00 with the same token", again, err)
	}

	rev, err := c.Send(atm.Reversal(purchase, false))
	if err != nil || rev.RC != "00" {
		t.Fatalf("reversal: %+v, %v; want 00", rev, err)
	}
	if got := balance(); got != before {
		t.Errorf("the bank's balance after the reversal: %d, want %d", got, before)
	}
	if rep, err := c.Send(atm.Reversal(purchase, true)); err != nil || rep.RC != "00" {
		t.Errorf("0421 repeat: %+v, %v; want 00", rep, err)
	}

	// A reversal for a purchase never seen, then that purchase arriving late: refused.
	late := c.Purchase(dm.Number, 3000)
	if unseen, err := c.Send(atm.Reversal(late, false)); err != nil || unseen.RC != "00" {
		t.Fatalf("reversal of an unknown purchase: %+v, %v; want 00", unseen, err)
	}
	if got, err := c.Send(late); err != nil || got.RC == "00" || len(got.Tokens) != 0 {
		t.Fatalf("a purchase after its reversal: %+v, %v; want a refusal without tokens", got, err)
	}
	if got := balance(); got != before {
		t.Errorf("the bank's balance at the end: %d, want %d", got, before)
	}
	if echo, err := c.Network("301"); err != nil || echo.RC != "00" {
		t.Errorf("echo: %+v, %v; want 00", echo, err)
	}
	assertLogsClean(t, m, logs, res.Tokens[0])
}
