package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
)

// goldenBodies returns testdata/vend-bodies: name to body.
func goldenBodies(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob("testdata/vend-bodies/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden bodies: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

// TestVendBodyGolden: an ok-* body reaches core; a bad-<reason>* body is a 400 of that reason.
func TestVendBodyGolden(t *testing.T) {
	for name, body := range goldenBodies(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			rec := e.do(t, postVend(string(body))())
			if ok := strings.HasPrefix(name, "ok-"); ok {
				if rec.Code != http.StatusCreated || len(e.vendor.requests()) != 1 {
					t.Fatalf("status %d, core called %d times; want 201 and 1: %s", rec.Code, len(e.vendor.requests()), rec.Body)
				}
				return
			}
			reason, _, _ := strings.Cut(strings.TrimPrefix(name, "bad-"), "-")
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			if p := decodeProblem(t, rec); p["reason"] != reason {
				t.Errorf("reason %v, want %s (%v)", p["reason"], reason, p["detail"])
			}
			if n := len(e.vendor.requests()); n != 0 {
				t.Errorf("core called %d times, want 0", n)
			}
		})
	}
}

// TestMaxBodyBytes: the limit is the configured one.
func TestMaxBodyBytes(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) { c.MaxBodyBytes = 64 })
	body := `{"meter_number":"01234567897","amount_minor":5000,"currency":"ZAR"}` // 66 bytes
	if rec := e.do(t, postVend(body)()); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("66 bytes over a limit of 64: status %d, want 413", rec.Code)
	}
	if rec := e.do(t, postVend(`{"meter_number":"01234567897","amount_minor":5000}`)()); rec.Code != http.StatusCreated {
		t.Errorf("50 bytes under a limit of 64: status %d, want 201", rec.Code)
	}
}

func TestVendMetrics(t *testing.T) {
	e := newEnv(t)
	e.do(t, postVend(vendBody)())
	e.do(t, postVend(vendBody)())
	e.vendor.fn = func(core.VendRequest) (*core.Vend, error) {
		return nil, core.Errorf(core.CodeInsufficientFunds, "insufficient_funds", "no float")
	}
	e.do(t, postVend(vendBody)())
	e.do(t, postVend(`{"bad json`)()) // never reaches core: not counted
	rec := e.do(t, request(http.MethodGet, "/metrics", "", "Authorization", ""))
	body := rec.Body.String()
	for _, want := range []string{
		`vendgate_vends_total{channel="rest",outcome="ok"} 2`,
		`vendgate_vends_total{channel="rest",outcome="insufficient_funds"} 1`,
		`vendgate_http_request_duration_seconds_count{method="POST",route="/v1/vends",status="201"} 2`,
		`vendgate_http_request_duration_seconds_count{method="POST",route="/v1/vends",status="402"} 1`,
		`vendgate_http_request_duration_seconds_count{method="POST",route="/v1/vends",status="400"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `outcome="invalid"`) {
		t.Error("a body core never saw was counted as a vend")
	}
}

// FuzzVendBody: any body either reaches core as a request that encoding/json reads the same way,
// or is answered with a 400 problem (413 only past the size limit), and never panics.
func FuzzVendBody(f *testing.F) {
	for _, b := range goldenBodies(f) {
		f.Add(b)
	}
	e := newEnv(f, func(c *rest.Config) { c.Logger = zerolog.Nop() })
	var (
		mu  sync.Mutex
		got *core.VendRequest
	)
	e.vendor.fn = func(r core.VendRequest) (*core.Vend, error) {
		mu.Lock()
		got = &r
		mu.Unlock()
		return sampleVend(101, r.AgentID), nil
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		mu.Lock()
		got = nil
		mu.Unlock()
		req := request(http.MethodPost, "/v1/vends", "x", "Idempotency-Key", "fuzz")
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		rec := e.do(t, req)
		mu.Lock()
		r := got
		mu.Unlock()
		switch rec.Code {
		case http.StatusCreated:
			if r == nil {
				t.Fatal("201 without a call to core")
			}
			var std struct {
				MeterNumber *string `json:"meter_number"`
				AmountMinor *int64  `json:"amount_minor"`
				Currency    string  `json:"currency"`
			}
			if err := json.Unmarshal(body, &std); err != nil {
				t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
			}
			if std.MeterNumber == nil || *std.MeterNumber != r.MeterNumber || std.AmountMinor == nil || *std.AmountMinor != int64(r.Amount) || std.Currency != r.Currency {
				t.Fatalf("%q became %+v; encoding/json reads %+v", body, r, std)
			}
		case http.StatusBadRequest:
			if r != nil {
				t.Fatal("400 after calling core")
			}
			decodeProblem(t, rec)
		case http.StatusRequestEntityTooLarge:
			if len(body) <= rest.DefaultMaxBodyBytes {
				t.Fatalf("413 for %d bytes", len(body))
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
