package atm_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/testkit/vendfake"
)

func TestLoad(t *testing.T) {
	fake := vendfake.New()
	srv, err := iso.New(iso.Config{Vendor: fake, Institutions: fake, Logger: zerolog.Nop()})
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
		Client: atm.Config{Addr: ln.Addr().String(), Institution: vendfake.BankCode},
		Conns:  2, InFlight: 4, Duration: 500 * time.Millisecond,
		Meters: []string{vendfake.MeterOK, vendfake.MeterOK2}, Amount: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Vends == 0 || res.Errors != 0 || len(res.Declined) != 0 {
		t.Errorf("got %s, want vends and no errors or declines", res)
	}
	if got := fake.Vends(); got != res.Vends {
		t.Errorf("vends in the store: got %d, want %d (one per approved purchase)", got, res.Vends)
	}
	if res.P50 <= 0 || res.P99 < res.P50 {
		t.Errorf("latencies: got p50 %s p99 %s, want 0 < p50 <= p99", res.P50, res.P99)
	}
}

func TestLoadNeedsConfig(t *testing.T) {
	if _, err := atm.Load(context.Background(), atm.LoadConfig{}); err == nil {
		t.Error("got nil error, want one")
	}
}
