package ops_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/testkit"
)

// operatorPage is GET /ops/v1/operators's answer.
type operatorPage struct {
	Items     []backoffice.OperatorView `json:"items"`
	NextAfter *int64                    `json:"next_after"`
}

// adminSession signs the bootstrapped administrator in through the browser's way, with its
// second factor.
func (e *env) adminSession(t *testing.T) *client {
	t.Helper()
	c := e.client(t)
	e.bo.Clock.Advance(30 * time.Second)
	if a := c.signIn(t, "admin", testkit.Password, e.bo.Code(t, e.bo.TOTP["admin"])); a.status != http.StatusCreated {
		t.Fatalf("admin sign-in: %d %s", a.status, a.body)
	}
	return c
}

// TestOperatorsByHTTP lists, filters, shows and changes operators; a stale version is 409.
func TestOperatorsByHTTP(t *testing.T) {
	e := newEnv(t)
	e.newOperator(t, "cashier1", backoffice.RoleCashier)
	e.newOperator(t, "cashier2", backoffice.RoleCashier)
	e.newOperator(t, "auditor1", backoffice.RoleAuditor)
	c := e.adminSession(t)

	var p operatorPage
	c.do(t, http.MethodGet, "/ops/v1/operators?limit=2", nil).decode(t, &p)
	if len(p.Items) != 2 || p.NextAfter == nil || *p.NextAfter != p.Items[1].ID {
		t.Fatalf("first page: %+v", p)
	}
	var rest operatorPage
	c.do(t, http.MethodGet, "/ops/v1/operators?limit=2&after="+strconv.FormatInt(*p.NextAfter, 10), nil).decode(t, &rest)
	if len(rest.Items) != 2 || rest.Items[0].ID <= p.Items[1].ID {
		t.Fatalf("second page: %+v", rest)
	}
	var cashiers operatorPage
	c.do(t, http.MethodGet, "/ops/v1/operators?role=cashier&q=cashier2", nil).decode(t, &cashiers)
	if len(cashiers.Items) != 1 || cashiers.Items[0].Username != "cashier2" || cashiers.NextAfter != nil {
		t.Fatalf("filtered: %+v", cashiers)
	}
	c.do(t, http.MethodGet, "/ops/v1/operators?status=sleeping", nil).wantProblem(t, http.StatusBadRequest, string(backoffice.ReasonInvalidOperator))

	id := strconv.FormatInt(cashiers.Items[0].ID, 10)
	var o backoffice.OperatorView
	c.do(t, http.MethodGet, "/ops/v1/operators/"+id, nil).decode(t, &o)
	if o.Username != "cashier2" || o.Version == 0 {
		t.Fatalf("show: %+v", o)
	}
	c.do(t, http.MethodGet, "/ops/v1/operators/999", nil).wantProblem(t, http.StatusNotFound, "not_found")
	if p := c.do(t, http.MethodGet, "/ops/v1/operators/x", nil).wantProblem(t, http.StatusBadRequest, "invalid_parameter"); p["field"] != "id" {
		t.Errorf("field %v", p["field"])
	}

	// A PATCH changes what it names and keeps the rest.
	a := c.send(t, http.MethodPatch, "/ops/v1/operators/"+id, map[string]any{"version": o.Version, "full_name": "Busi Nkosi"})
	var changed backoffice.OperatorView
	a.decode(t, &changed)
	if a.status != http.StatusOK || changed.FullName != "Busi Nkosi" || changed.Version <= o.Version || len(changed.Roles) != 1 || changed.Roles[0] != backoffice.RoleCashier {
		t.Fatalf("patch: %d %s", a.status, a.body)
	}
	// The second editor, still at the old version, gets a conflict, not an overwrite.
	c.send(t, http.MethodPatch, "/ops/v1/operators/"+id, map[string]any{"version": o.Version, "email": "busi@example.org"}).
		wantProblem(t, http.StatusConflict, string(backoffice.ReasonStaleVersion))
	c.send(t, http.MethodPatch, "/ops/v1/operators/"+id, map[string]any{"full_name": "x"}).wantProblem(t, http.StatusBadRequest, "missing_field")

	// The account actions.
	var deact backoffice.OperatorView
	c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/deactivate", nil).decode(t, &deact)
	if deact.Status != backoffice.OperatorDeactivated {
		t.Errorf("deactivate: %+v", deact)
	}
	c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/deactivate", nil).wantProblem(t, http.StatusConflict, string(backoffice.ReasonOperatorState))
	if a := c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/reactivate", nil); a.status != http.StatusOK {
		t.Errorf("reactivate: %d %s", a.status, a.body)
	}
	if a := c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/unlock", "{}"); a.status != http.StatusOK {
		t.Errorf("unlock: %d %s", a.status, a.body)
	}
	var creds backoffice.Credentials
	c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/reset-password", nil).decode(t, &creds)
	if creds.Password == "" || !creds.Operator.MustChangePassword {
		t.Errorf("reset-password: %+v", creds)
	}
	if a := c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/reset-totp", nil); a.status != http.StatusOK {
		t.Errorf("reset-totp: %d %s", a.status, a.body)
	}
	c.send(t, http.MethodPost, "/ops/v1/operators/"+id+"/unlock", `{"why":"x"}`).wantProblem(t, http.StatusBadRequest, "unknown_field")
}

// TestTokensByHTTP: a session issues an API token (its secret shown once), the token acts as its
// operator without CSRF, cannot issue another, is listed without its secret, and once revoked
// is refused.
func TestTokensByHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.adminSession(t)
	a := c.send(t, http.MethodPost, "/ops/v1/tokens", map[string]any{"label": "nightly export", "permissions": []string{"audit.read", "operators.read"}, "ttl": 3600})
	var g backoffice.TokenGrant
	a.decode(t, &g)
	if a.status != http.StatusCreated || len(g.Token) < 20 || g.Token[:4] != "vgo_" {
		t.Fatalf("issue: %d %s", a.status, a.body)
	}
	script := e.client(t)
	script.bearer = g.Token
	if a := script.do(t, http.MethodGet, "/ops/v1/audit?limit=1", nil); a.status != http.StatusOK {
		t.Errorf("token read: %d %s", a.status, a.body)
	}
	p := script.do(t, http.MethodPost, "/ops/v1/operators", map[string]any{"username": "eve", "roles": []string{"cashier"}}).
		wantProblem(t, http.StatusForbidden, string(backoffice.ReasonPermissionDenied))
	if p["permission"] != string(backoffice.PermOperatorsManage) {
		t.Errorf("permission %v", p["permission"])
	}
	script.do(t, http.MethodPost, "/ops/v1/tokens", map[string]any{"label": "again", "permissions": []string{"audit.read"}}).
		wantProblem(t, http.StatusForbidden, string(backoffice.ReasonTokenScope))

	var list struct {
		Items []backoffice.TokenView `json:"items"`
	}
	a = c.do(t, http.MethodGet, "/ops/v1/tokens", nil)
	a.decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != g.ID || list.Items[0].Label != "nightly export" {
		t.Fatalf("list: %s", a.body)
	}
	c.do(t, http.MethodGet, "/ops/v1/operators/1/tokens", nil).decode(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("the admin's tokens: %+v", list.Items)
	}
	if a := c.send(t, http.MethodDelete, "/ops/v1/tokens/"+strconv.FormatInt(g.ID, 10), nil); a.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	c.send(t, http.MethodDelete, "/ops/v1/tokens/"+strconv.FormatInt(g.ID, 10), nil).wantProblem(t, http.StatusConflict, string(backoffice.ReasonTokenRevoked))
	script.do(t, http.MethodGet, "/ops/v1/me", nil).wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonTokenInvalid))
	e.mu.Lock()
	e.bodies = nil // the answer held the secret, as it must; none after it may
	e.mu.Unlock()
	c.do(t, http.MethodGet, "/ops/v1/tokens", nil)
	c.do(t, http.MethodGet, "/ops/v1/audit", nil)
	e.secretsAbsent(t, g.Token)
}

// TestSessionsByHTTP: an administrator sees another operator's open session and revokes it;
// that operator's cookie is then refused.
func TestSessionsByHTTP(t *testing.T) {
	e := newEnv(t)
	oneTime := e.newOperator(t, "kagiso", backoffice.RoleReadOnly)
	k := e.client(t)
	a := k.signIn(t, "kagiso", oneTime, "")
	var s struct {
		Operator backoffice.OperatorView `json:"operator"`
	}
	a.decode(t, &s)
	id := strconv.FormatInt(s.Operator.ID, 10)
	admin := e.adminSession(t)
	var list struct {
		Items []backoffice.SessionView `json:"items"`
	}
	admin.do(t, http.MethodGet, "/ops/v1/operators/"+id+"/sessions", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].OperatorID != s.Operator.ID {
		t.Fatalf("sessions: %+v", list.Items)
	}
	var revoked struct {
		Revoked int `json:"revoked"`
	}
	admin.send(t, http.MethodDelete, "/ops/v1/operators/"+id+"/sessions", nil).decode(t, &revoked)
	if revoked.Revoked != 1 {
		t.Errorf("revoked %d, want 1", revoked.Revoked)
	}
	k.do(t, http.MethodGet, "/ops/v1/me", nil).wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonSessionInvalid))
}

// TestRolesByHTTP creates, changes and deactivates a custom role; built-in roles do not change.
func TestRolesByHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.adminSession(t)
	var roles struct {
		Items []backoffice.RoleView `json:"items"`
	}
	c.do(t, http.MethodGet, "/ops/v1/roles", nil).decode(t, &roles)
	if len(roles.Items) != len(backoffice.BuiltInRoles()) {
		t.Fatalf("%d roles, want the %d built in", len(roles.Items), len(backoffice.BuiltInRoles()))
	}
	a := c.send(t, http.MethodPost, "/ops/v1/roles", map[string]any{"name": "meter_reader", "summary": "reads meters", "permissions": []string{"meters.read"}})
	var r backoffice.RoleView
	a.decode(t, &r)
	if a.status != http.StatusCreated || r.Name != "meter_reader" || a.header.Get("Location") != "/ops/v1/roles/meter_reader" {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	c.send(t, http.MethodPost, "/ops/v1/roles", map[string]any{"name": "meter_reader", "permissions": []string{"meters.read"}}).
		wantProblem(t, http.StatusConflict, string(backoffice.ReasonDuplicateRole))
	var changed backoffice.RoleView
	a = c.send(t, http.MethodPatch, "/ops/v1/roles/meter_reader", map[string]any{"version": r.Version, "permissions": []string{"meters.read", "customers.read"}})
	a.decode(t, &changed)
	if a.status != http.StatusOK || len(changed.Permissions) != 2 || changed.Summary != "reads meters" {
		t.Fatalf("patch: %d %s", a.status, a.body)
	}
	c.send(t, http.MethodPatch, "/ops/v1/roles/meter_reader", map[string]any{"version": r.Version, "summary": "x"}).
		wantProblem(t, http.StatusConflict, string(backoffice.ReasonStaleVersion))
	c.send(t, http.MethodPatch, "/ops/v1/roles/cashier", map[string]any{"version": 1, "summary": "x"}).
		wantProblem(t, http.StatusConflict, string(backoffice.ReasonBuiltInRole))
	c.send(t, http.MethodPost, "/ops/v1/roles", map[string]any{"name": "wizard", "permissions": []string{"magic.cast"}}).
		wantProblem(t, http.StatusBadRequest, string(backoffice.ReasonUnknownPermission))
	if a := c.send(t, http.MethodPost, "/ops/v1/roles/meter_reader/deactivate", nil); a.status != http.StatusOK || !json200Has(a, `"active":false`) {
		t.Errorf("deactivate: %d %s", a.status, a.body)
	}
}
