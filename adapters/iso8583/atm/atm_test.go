package atm_test

import (
	"context"
	"net"
	"testing"
	"time"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

func TestLoad(t *testing.T) {
	bank := memstore.NewBank(t, time.Now())
	// Enough float that the load never runs out of it.
	if _, err := bank.Store.TopUp(context.Background(), bank.BankAgent.ID, 1_000_000_000_00, "load"); err != nil {
		t.Fatal(err)
	}
	log, logs := testkit.CaptureLogs(t)
	srv, err := iso.New(iso.Config{Vendor: bank.Vendor, Institutions: bank.Store, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()

	res, err := atm.Load(context.Background(), atm.LoadConfig{
		Client: atm.Config{Addr: ln.Addr().String(), Institution: memstore.BankCode},
		Conns:  2, InFlight: 4, Duration: 500 * time.Millisecond,
		Meters: []string{memstore.MeterOK, memstore.MeterOK2}, Amount: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Vends == 0 || res.Errors != 0 || len(res.Declined) != 0 {
		t.Errorf("got %s, want vends and no errors or declines", res)
	}
	if got := bank.Completed(); got != res.Vends {
		t.Errorf("vends in the store: got %d, want %d (one per approved purchase)", got, res.Vends)
	}
	if res.P50 <= 0 || res.P99 < res.P50 {
		t.Errorf("latencies: got p50 %s p99 %s, want 0 < p50 <= p99", res.P50, res.P99)
	}
	testkit.AssertNoSecrets(t, "the ISO 8583 server's logs", logs.String(),
		testkit.Secrets{Tokens: bank.Tokens(), PANs: []string{"4761739001010119"}, Keys: [][]byte{memstore.VendingKey}})
}

func TestLoadNeedsConfig(t *testing.T) {
	if _, err := atm.Load(context.Background(), atm.LoadConfig{}); err == nil {
		t.Error("got nil error, want one")
	}
}
