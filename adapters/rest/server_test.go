package rest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
)

// TestLogLine: one JSON line per request with its ID, method, route, status and latency; never
// the Authorization header, the key, or a token the answer carries.
func TestLogLine(t *testing.T) {
	e := newEnv(t)
	rec := e.do(t, postVend(vendBody, "X-Request-Id", "till-4:0042")())
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("X-Request-Id"); got != "till-4:0042" {
		t.Errorf("X-Request-Id %q, want the caller's echoed", got)
	}
	lines := e.logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), e.logs)
	}
	l := lines[0]
	for k, want := range map[string]any{
		"level": "info", "request_id": "till-4:0042", "method": "POST", "route": "/v1/vends", "status": 201.0, "agent_id": 7.0, "message": "request",
	} {
		if l[k] != want {
			t.Errorf("log %s = %v, want %v", k, l[k], want)
		}
	}
	if _, ok := l["latency_ms"].(float64); !ok {
		t.Errorf("log latency_ms = %v, want a number", l["latency_ms"])
	}
	log := e.logs.String()
	for _, secret := range append(tokensOf(sampleVend(101, 7)), keySeven, core.MaskSecret(keySeven), "Bearer", "Authorization") {
		if strings.Contains(log, secret) {
			t.Errorf("the log carries %q: %s", secret, log)
		}
	}
}

func TestRequestIDGenerated(t *testing.T) {
	for _, given := range []string{"", "has space", `quote"s`, strings.Repeat("a", 65), "new\nline"} {
		e := newEnv(t)
		rec := e.do(t, request(http.MethodGet, "/healthz", "", "X-Request-Id", given))
		id := rec.Header().Get("X-Request-Id")
		if id == "" || id == given {
			t.Errorf("X-Request-Id %q given: got %q, want a new ID", given, id)
		}
		if lines := e.logs.lines(t); len(lines) != 1 || lines[0]["request_id"] != id {
			t.Errorf("X-Request-Id %q given: log %v, want request_id %s", given, lines, id)
		}
	}
}

func TestUnmatchedRouteLabel(t *testing.T) {
	e := newEnv(t)
	e.do(t, request(http.MethodGet, "/v1/meters/"+meterOK+"/no/such/thing", ""))
	if l := e.logs.lines(t); len(l) != 1 || l[0]["route"] != "unmatched" || l[0]["status"] != 404.0 {
		t.Errorf("log %v: want route unmatched and status 404", l)
	}
}

// TestSharedRegistry: two adapters on one registry share vendgate_vends_total instead of
// failing to register it twice.
func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newEnv(t, func(c *rest.Config) { c.Registry = reg })
	b := newEnv(t, func(c *rest.Config) { c.Registry = reg })
	a.do(t, postVend(vendBody)())
	b.do(t, postVend(vendBody)())
	rec := a.do(t, request(http.MethodGet, "/metrics", "", "Authorization", ""))
	if want := `vendgate_vends_total{channel="rest",outcome="ok"} 2`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

func TestNewPanicsWithoutDependency(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Health") {
			t.Errorf("recovered %v, want a panic naming Config.Health", r)
		}
	}()
	newEnv(t, func(c *rest.Config) { c.Health = nil })
}

// TestServeGracefulShutdown boots the server on :0, starts a vend that core holds, cancels the
// context, and checks the vend is still answered before Serve returns nil.
func TestServeGracefulShutdown(t *testing.T) {
	inCore, release := make(chan struct{}), make(chan struct{})
	e := newEnv(t)
	e.vendor.fn = func(r core.VendRequest) (*core.Vend, error) {
		close(inCore)
		<-release
		return sampleVend(101, r.AgentID), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- rest.Serve(ctx, ln, e.srv.Handler(), rest.Limits{}, zerolog.Nop()) }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
	}

	type result struct {
		status int
		err    error
	}
	vended := make(chan result, 1)
	go func() {
		req := request(http.MethodPost, base+"/v1/vends", vendBody, "Idempotency-Key", "k-graceful")
		req.RequestURI = ""
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			vended <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		vended <- result{status: resp.StatusCode}
	}()
	<-inCore
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a vend in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-vended; r.err != nil || r.status != http.StatusCreated {
		t.Errorf("the vend in flight: %d %v, want 201", r.status, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestServeListenerError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	e := newEnv(t, func(c *rest.Config) { c.Logger = zerolog.Nop() })
	if err := rest.Serve(context.Background(), ln, e.srv.Handler(), rest.Limits{}, zerolog.Nop()); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener: %v, want its error", err)
	}
}
