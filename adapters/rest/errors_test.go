package rest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestStatusOfCode drives every core code through POST /v1/vends and checks the one table from
// code to status, the headers that go with some statuses, and that a cause never reaches the
// answer.
func TestStatusOfCode(t *testing.T) {
	cause := errors.New("pq: password authentication failed for user vendgate")
	cases := []struct {
		name   string
		err    error
		status int
		code   string
		reason string
		header [2]string
	}{
		{"ErrInvalid", core.Errorf(core.CodeInvalid, "meter_blocked", "meter 01234567897 is blocked"), 400, "invalid", "meter_blocked", [2]string{}},
		{"ErrInvalidCurrency", core.Errorf(core.CodeInvalid, "currency_mismatch", "meter is sold in ZAR, not USD"), 400, "invalid", "currency_mismatch", [2]string{}},
		{"ErrNotFound", core.Errorf(core.CodeNotFound, "meter_not_found", "meter is not registered"), 404, "not_found", "meter_not_found", [2]string{}},
		{"ErrInsufficientFunds", core.Errorf(core.CodeInsufficientFunds, "insufficient_funds", "the float does not cover ZAR 49.00"), 402, "insufficient_funds", "insufficient_funds", [2]string{}},
		{"ErrDuplicate", core.Errorf(core.CodeDuplicate, "", "it exists already"), 409, "duplicate", "duplicate", [2]string{}},
		{"ErrConflict", core.Errorf(core.CodeConflict, "already_reversed", "the vend is reversed already"), 409, "conflict", "already_reversed", [2]string{}},
		// idempotency_key_reused is answered with the caller's own key: TestIdempotencyConflictNamesCallersKey in cmd/vendgate.
		{"ErrUnavailable", &core.Error{Code: core.CodeUnavailable, Reason: "unavailable", Message: "the database failed; try again", Err: cause}, 503, "unavailable", "unavailable", [2]string{"Retry-After", "5"}},
		{"ErrUnauthorized", core.Errorf(core.CodeUnauthorized, "agent_inactive", "agent 7 is not active"), 401, "unauthorized", "agent_inactive", [2]string{"WWW-Authenticate", `Bearer realm="vendgate", error="invalid_token"`}},
		{"ErrInternal", core.Internal(cause, "making a reference"), 500, "internal", "internal", [2]string{}},
		{"ErrNotACoreError", fmt.Errorf("wrapped: %w", cause), 500, "internal", "internal", [2]string{}},
		{"ErrUnknownCode", &core.Error{Code: "teapot", Message: "?"}, 500, "internal", "internal", [2]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.vendor.fn = func(core.VendRequest) (*core.Vend, error) { return nil, c.err }
			rec := e.do(t, postVend(vendBody)())
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			p := decodeProblem(t, rec)
			if p["code"] != c.code || p["reason"] != c.reason {
				t.Errorf("code %v reason %v, want %s %s", p["code"], p["reason"], c.code, c.reason)
			}
			if c.header[0] != "" && rec.Header().Get(c.header[0]) != c.header[1] {
				t.Errorf("%s %q, want %q", c.header[0], rec.Header().Get(c.header[0]), c.header[1])
			}
			if strings.Contains(rec.Body.String(), "password") {
				t.Errorf("the cause reached the answer: %s", rec.Body)
			}
			var ce *core.Error
			if errors.As(c.err, &ce) && c.code != "internal" && p["detail"] != ce.Message {
				t.Errorf("detail %v, want core's message %q", p["detail"], ce.Message)
			}
			// Only internal errors are logged at error level, with their cause.
			lines := e.logs.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(lines))
			}
			level := lines[0]["level"]
			switch c.code {
			case "internal":
				if level != "error" || !strings.Contains(fmt.Sprint(lines[0]["error"]), "password authentication failed") && c.name != "ErrUnknownCode" {
					t.Errorf("log line %v: want level error with the cause", lines[0])
				}
			default: // unavailable too: the store reports an outage once, not each request

				if level != "info" {
					t.Errorf("log level %v, want info", level)
				}
			}
		})
	}
}

func TestProblemFormat(t *testing.T) {
	e := newEnv(t)
	rec := e.do(t, request(http.MethodGet, "/v1/meters/"+meterBadLuhn, "", "X-Request-Id", "pos-17.req:42"))
	if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", got)
	}
	p := decodeProblem(t, rec)
	want := map[string]any{
		"type":       "https://vendgate.dev/problems/invalid_meter_number",
		"title":      "Invalid meter number",
		"status":     400.0,
		"code":       "invalid",
		"reason":     "invalid_meter_number",
		"field":      "number",
		"request_id": "pos-17.req:42",
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if d, _ := p["detail"].(string); d == "" || strings.HasPrefix(d, "sts:") {
		t.Errorf("detail %q: want core's message", d)
	}
}

func TestPanicIsInternal(t *testing.T) {
	e := newEnv(t)
	e.vendor.fn = func(core.VendRequest) (*core.Vend, error) { panic("nil map in the pipeline") }
	rec := e.do(t, postVend(vendBody)())
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if p := decodeProblem(t, rec); p["code"] != "internal" || strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("problem %s: want internal without the panic", rec.Body)
	}
	lines := e.logs.lines(t)
	if len(lines) != 1 || lines[0]["level"] != "error" || !strings.Contains(fmt.Sprint(lines[0]["error"]), "nil map in the pipeline") ||
		!strings.Contains(fmt.Sprint(lines[0]["stack"]), "goroutine") {
		t.Errorf("log %v: want one error line with the panic and its stack", lines)
	}
	// The server still serves.
	e.vendor.fn = nil
	if rec := e.do(t, postVend(vendBody)()); rec.Code != http.StatusCreated {
		t.Errorf("after a panic: status %d, want 201", rec.Code)
	}
}
