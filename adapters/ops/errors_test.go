package ops_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/adapters/ops"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit"
)

// TestEveryReasonHasAStatus checks the one table from core's codes to HTTP status against every
// code and every reason the operator API can answer (core's, the back office's, httpkit's and
// its own): a reason whose code the table lacks would be answered 500.
func TestEveryReasonHasAStatus(t *testing.T) {
	for _, code := range core.Codes() {
		if httpkit.StatusOf[code] == 0 {
			t.Errorf("code %s has no HTTP status", code)
		}
	}
	lists := map[string]map[core.Reason]core.Code{"core": core.Reasons(), "backoffice": backoffice.Reasons(), "ops": ops.OwnReasons()}
	for list, reasons := range lists {
		for reason, code := range reasons {
			if httpkit.StatusOf[code] == 0 {
				t.Errorf("%s reason %s: code %s has no HTTP status", list, reason, code)
			}
		}
	}
	if got := httpkit.StatusOf[core.CodeForbidden]; got != http.StatusForbidden {
		t.Errorf("forbidden is %d, want 403", got)
	}
	if got := httpkit.StatusOf[core.CodeUnauthorized]; got != http.StatusUnauthorized {
		t.Errorf("unauthorized is %d, want 401", got)
	}
}

// TestForbiddenNamesThePermission: a read-only operator is refused a change and the audit trail,
// each 403 naming the permission needed, and the refusal is in the audit trail.
func TestForbiddenNamesThePermission(t *testing.T) {
	e := newEnv(t)
	oneTime := e.newOperator(t, "zanele", backoffice.RoleReadOnly)
	c := e.client(t)
	if a := c.signIn(t, "zanele", oneTime, ""); a.status != http.StatusCreated {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	if a := c.send(t, http.MethodPost, "/ops/v1/me/password", map[string]string{"current_password": oneTime, "password": testkit.Password}); a.status != http.StatusNoContent {
		t.Fatalf("password: %d %s", a.status, a.body)
	}
	if a := c.signIn(t, "zanele", testkit.Password, ""); a.status != http.StatusCreated {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	for _, r := range []struct {
		method, path string
		body         any
		perm         backoffice.Permission
	}{
		{http.MethodPost, "/ops/v1/operators", map[string]any{"username": "mallory", "roles": []string{"administrator"}}, backoffice.PermOperatorsManage},
		{http.MethodGet, "/ops/v1/audit", nil, backoffice.PermAuditRead},
		{http.MethodGet, "/ops/v1/audit/verify", nil, backoffice.PermAuditRead},
		{http.MethodGet, "/ops/v1/audit/export?format=json", nil, backoffice.PermAuditRead},
	} {
		p := c.send(t, r.method, r.path, r.body).wantProblem(t, http.StatusForbidden, string(backoffice.ReasonPermissionDenied))
		if p["permission"] != string(r.perm) || p["code"] != "forbidden" {
			t.Errorf("%s %s: permission %v code %v, want %s forbidden", r.method, r.path, p["permission"], p["code"], r.perm)
		}
	}
	denied, err := e.bo.Svc.AuditTrail(context.Background(), e.bo.Admin, backoffice.AuditQuery{ActorName: "zanele", Action: backoffice.ActionOperatorCreate})
	if err != nil || len(denied) != 1 || denied[0].Outcome != backoffice.OutcomeDenied {
		t.Errorf("the refusal's audit entries: %v, %v", denied, err)
	}
}

// TestBodyProblems: bodies the API cannot take are refused before the back office sees them,
// each naming what is wrong.
func TestBodyProblems(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	big := `{"username":"` + strings.Repeat("a", ops.DefaultMaxBodyBytes) + `","password":"x"}`
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		reason, field           string
	}{
		{"Malformed", `{"username":`, "application/json", 400, "malformed_json", ""},
		{"NotAnObject", `["admin"]`, "application/json", 400, "malformed_json", ""},
		{"Empty", ``, "application/json", 400, "malformed_json", ""},
		{"UnknownField", `{"username":"admin","password":"x","remember":true}`, "application/json", 400, "unknown_field", "remember"},
		{"DuplicateField", `{"username":"admin","username":"root","password":"x"}`, "application/json", 400, "duplicate_field", "username"},
		{"WrongType", `{"username":7,"password":"x"}`, "application/json", 400, "wrong_type", "username"},
		{"Missing", `{"username":"admin"}`, "application/json", 400, "missing_field", "password"},
		{"TrailingData", `{"username":"admin","password":"x"} {}`, "application/json", 400, "malformed_json", ""},
		{"NotJSON", `username=admin`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"TooLarge", big, "application/json", 413, "body_too_large", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.do(t, http.MethodPost, "/ops/v1/session", tc.body, "Content-Type", tc.contentType).wantProblem(t, tc.status, tc.reason)
			if tc.field != "" && p["field"] != tc.field {
				t.Errorf("field %v, want %s", p["field"], tc.field)
			}
		})
	}
}

// TestUnmatched: no such route is 404, no such method on a route 405 with Allow, both problems.
func TestUnmatched(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.do(t, http.MethodGet, "/ops/v1/nothing", nil).wantProblem(t, http.StatusNotFound, "route_not_found")
	a := c.do(t, http.MethodPut, "/ops/v1/session", nil)
	a.wantProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := a.header.Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "DELETE") {
		t.Errorf("Allow %q, want POST and DELETE", allow)
	}
}

// panickingAccount's ChangePassword panics with the password it was given, as a careless bug
// might.
type panickingAccount struct{ ops.Account }

func (panickingAccount) ChangePassword(_ context.Context, _ backoffice.Actor, current, next string) error {
	panic(errors.New("hashing " + next + " failed"))
}

// TestPanicIsInternal: a panic in a handler is a 500 problem, logged at error level with its
// stack but not the value it panicked with (it may hold a secret), and the server serves on.
func TestPanicIsInternal(t *testing.T) {
	bo := testkit.NewBackOffice(t, testkit.OpenDB(t, ""))
	log, logs := testkit.CaptureLogs(t)
	e := &env{bo: bo, logs: logs}
	cfg := config(bo, log)
	cfg.Account = panickingAccount{bo.Svc}
	e.srv = ops.New(cfg)
	e.ts = newServer(t, e)
	c := e.client(t)
	c.bearer = e.token(t, bo.Admin)
	const secret = "panic horse battery staple"
	a := c.do(t, http.MethodPost, "/ops/v1/me/password", map[string]string{"current_password": testkit.Password, "password": secret})
	p := a.wantProblem(t, http.StatusInternalServerError, "internal")
	if p["detail"] != "internal error" {
		t.Errorf("detail %v", p["detail"])
	}
	if lines := logs.String(); !strings.Contains(lines, `"level":"error"`) || !strings.Contains(lines, "goroutine") {
		t.Errorf("log %s: want an error line with the stack", lines)
	}
	e.secretsAbsent(t, secret)
	if a := c.do(t, http.MethodGet, "/ops/v1/me", nil); a.status != http.StatusOK {
		t.Errorf("after the panic: %d", a.status)
	}
}
