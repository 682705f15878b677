package rest_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/rest"
)

const metricsToken = "metrics-token-for-tests-0123"

// TestMetricsToken puts /metrics behind a bearer token: refused (401) without it, with an API key
// or with a wrong one; served with it.
func TestMetricsToken(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) { c.MetricsToken = metricsToken })
	for name, auth := range map[string]string{
		"ErrNoToken":    "",
		"ErrAPIKey":     "Bearer " + keySeven,
		"ErrWrongToken": "Bearer " + metricsToken + "x",
		"ErrNotBearer":  "Basic " + metricsToken,
	} {
		t.Run(name, func(t *testing.T) {
			rec := e.do(t, request(http.MethodGet, "/metrics", "", "Authorization", auth))
			if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "vendgate_") {
				t.Errorf("got %d %s, want 401 without metrics", rec.Code, rec.Body)
			}
		})
	}
	rec := e.do(t, request(http.MethodGet, "/metrics", "", "Authorization", "Bearer "+metricsToken))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "vendgate_http_request_duration_seconds") {
		t.Errorf("with the token: got %d %.200s, want 200 with the metrics", rec.Code, rec.Body)
	}
	if strings.Contains(e.logs.String(), metricsToken) {
		t.Errorf("the logs carry the metrics token:\n%s", e.logs)
	}
}

// TestMetricsApart serves /metrics on an address of its own over TCP: the API no longer answers
// it, the metrics address answers it and nothing else.
func TestMetricsApart(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) { c.MetricsApart = true })
	rec := httptest.NewRecorder() // not e.do: the document describes /metrics on the API
	e.srv.Handler().ServeHTTP(rec, request(http.MethodGet, "/metrics", "", "Authorization", ""))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics on the API: got %d, want 404", rec.Code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- rest.Serve(ctx, ln, e.srv.Metrics(), rest.Limits{}, zerolog.Nop()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "vendgate_http_request_duration_seconds") {
		t.Errorf("GET /metrics on its address: got %d %.200s, want 200 with the metrics", code, body)
	}
	if code, _ := get("/v1/agent"); code != http.StatusNotFound {
		t.Errorf("GET /v1/agent on the metrics address: got %d, want 404", code)
	}
}
