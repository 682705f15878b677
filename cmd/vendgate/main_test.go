package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

// bootEmbedded starts the whole program on 127.0.0.1:0 with a new embedded database, as make run
// does on a fresh machine, and stops it when the test ends.
func bootEmbedded(t *testing.T) (*Main, *testkit.Logs) {
	t.Helper()
	return bootWith(t, nil)
}

// bootWith is bootEmbedded with the configuration changed by edit first. When the test ends the
// server's logs are checked for secrets (serverSecrets).
func bootWith(t *testing.T, edit func(*config.Config)) (*Main, *testkit.Logs) {
	t.Helper()
	return bootOpened(t, edit, nil)
}

// bootOpened is bootWith that calls opened (when not nil) between Open and Run, when the program
// is wired and serves nothing yet.
func bootOpened(t *testing.T, edit func(*config.Config), opened func(*Main)) (*Main, *testkit.Logs) {
	t.Helper()
	cfg := config.Defaults()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.ISO8583Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	var out bytes.Buffer
	log, logs := testkit.CaptureLogs(t)
	m := &Main{Config: cfg, Stdout: &out, Terminal: true, Logger: log}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if opened != nil {
		opened(m)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		assertLogsClean(t, m, logs)
		m.Close()
	})
	if m.Demo == nil {
		t.Fatal("a new embedded database was not seeded with the demo")
	}
	if !strings.Contains(out.String(), m.Demo.APIKey) || !strings.Contains(out.String(), "curl") {
		t.Fatalf("start-up output lacks the API key or the curl command:\n%s", out.String())
	}
	if ops := m.Demo.Operators; len(ops) != 3 || ops[0].Operator.Username != "admin" || ops[1].Operator.Roles[0] != "supervisor" || ops[2].Operator.Roles[0] != "cashier" {
		t.Fatalf("the demo's operators: %+v; want the administrator, a supervisor and a cashier", ops)
	}
	for _, c := range m.Demo.Operators {
		if c.Password == "" || strings.Count(out.String(), c.Password) != 1 {
			t.Fatalf("start-up output shows %s's one-time password %d times, want once:\n%s", c.Operator.Username, strings.Count(out.String(), c.Password), out.String())
		}
	}
	return m, logs
}

type vendJSON struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
	EnergyKWh string `json:"energy_kwh"`
	FreeKWh   string `json:"free_energy_kwh"`
	Tokens    []struct {
		Purpose   string `json:"purpose"`
		Token     string `json:"token"`
		EnergyKWh string `json:"energy_kwh"`
	} `json:"tokens"`
	Receipt []string `json:"receipt"`
}

func post(t *testing.T, m *Main, path, key, idem, body string) (int, []byte) {
	t.Helper()
	status, _, b := postWithHeaders(t, m, path, key, idem, body)
	return status, b
}

// demoMeterFor builds the virtual meter that demo.json describes.
func demoMeterFor(t *testing.T, d demoMeter) *meter.Meter {
	t.Helper()
	a, _ := sts.ParseDKGA(d.DKGA)
	ea, _ := sts.ParseEA(d.EA)
	bd, _ := sts.ParseBaseDate(d.BaseDate)
	sgc, _ := sts.ParseSGC(d.SGC)
	pan, err := sts.ParsePAN(d.PAN)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := hex.DecodeString(d.VendingKey)
	dk, err := sts.DeriveKey(a, vk, sts.KeyParams{PAN: pan, KT: sts.KeyType(d.KT), SGC: sgc, TI: 1, KRN: uint8(d.KRN), BaseDate: bd, EA: ea})
	if err != nil {
		t.Fatal(err)
	}
	mt, err := meter.New(meter.Config{Key: dk, EA: ea, KT: sts.KeyType(d.KT), KRN: uint8(d.KRN), TI: 1, SGC: sgc, BaseDate: bd, KEN: sts.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

// TestVendOverHTTPAcceptedByMeter is the newcomer's path: start, buy a token with one request,
// type it into the virtual meter, which accepts it with the kWh on the receipt.
func TestVendOverHTTPAcceptedByMeter(t *testing.T) {
	m, logs := bootEmbedded(t)
	var secrets []string // the tokens the responses carried: they must never reach a log line
	t.Cleanup(func() {
		if !strings.Contains(logs.String(), "/v1/vends") {
			t.Errorf("no request was logged:\n%s", logs.String())
		}
		assertLogsClean(t, m, logs, secrets...)
	})
	for i, dm := range m.Demo.Meters {
		t.Run(dm.Number, func(t *testing.T) {
			body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":5000,"currency":"ZAR"}`, dm.Number)
			idem := fmt.Sprintf("e2e-%d", i)
			status, raw := post(t, m, "/v1/vends", m.Demo.APIKey, idem, body)
			if status != http.StatusOK && status != http.StatusCreated {
				t.Fatalf("POST /v1/vends: status %d: %s", status, raw)
			}
			var v vendJSON
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			mt := demoMeterFor(t, dm)
			for _, tok := range v.Tokens {
				secrets = append(secrets, tok.Token)
				if r := mt.Enter(tok.Token); !r.Code.OK() {
					t.Fatalf("meter refused the %s token: %v", tok.Purpose, r)
				}
			}
			want := mustTenths(t, v.EnergyKWh)
			if v.FreeKWh != "" {
				want += mustTenths(t, v.FreeKWh)
			}
			if got := mt.Credit(0); got != want || got == 0 {
				t.Fatalf("meter credit %s kWh, vend %s + %s kWh", sts.FormatTenths(got), v.EnergyKWh, v.FreeKWh)
			}
			if !strings.Contains(strings.Join(v.Receipt, "\n"), v.EnergyKWh+" kWh") {
				t.Fatalf("receipt does not show %s kWh:\n%s", v.EnergyKWh, strings.Join(v.Receipt, "\n"))
			}
			// A replay returns the same tokens and never makes new ones.
			status, raw2 := post(t, m, "/v1/vends", m.Demo.APIKey, idem, body)
			var v2 vendJSON
			if err := json.Unmarshal(raw2, &v2); err != nil || status >= 300 {
				t.Fatalf("replay: status %d: %s", status, raw2)
			}
			if v2.Reference != v.Reference || v2.Tokens[0].Token != v.Tokens[0].Token {
				t.Fatalf("replay: got %s %s, want %s %s", v2.Reference, v2.Tokens[0].Token, v.Reference, v.Tokens[0].Token)
			}
		})
	}
}

func TestReadyAndHealth(t *testing.T) {
	m, _ := bootEmbedded(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/metrics"} {
		res, err := http.Get("http://" + m.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
	}
}

func mustTenths(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := sts.ParseTenths(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDatabaseDown: with the database gone, a vend gets a retryable 503 problem, readiness says
// so, and the server keeps serving.
func TestDatabaseDown(t *testing.T) {
	m, _ := bootEmbedded(t)
	if err := m.DB.Close(); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":5000,"currency":"ZAR"}`, m.Demo.Meters[0].Number)
	status, raw := post(t, m, "/v1/vends", m.Demo.APIKey, "db-down", body)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(raw), `"code":"unavailable"`) {
		t.Fatalf("vend with the database closed: status %d: %s", status, raw)
	}
	res, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: status %d, want 503", res.StatusCode)
	}
	if res, err := http.Get("http://" + m.Addr() + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
}
