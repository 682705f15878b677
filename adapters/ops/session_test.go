package ops_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestBrowserSession drives a new operator through the console's way in, over HTTP with a real
// cookie jar: sign in with the one-time password, set a password and a second factor, sign out,
// sign in with the code and create an operator. Every change made by cookie needs the CSRF token;
// the ended session's cookie is refused; no password or session token reaches an answer's body
// or the log. It runs on both databases.
func TestBrowserSession(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) { browserSession(t, newEnvOn(t, db)) })
}

func browserSession(t *testing.T, e *env) {
	oneTime := e.newOperator(t, "nomsa", backoffice.RoleAdministrator)
	c := e.client(t)

	a := c.signIn(t, "nomsa", oneTime, "")
	if a.status != http.StatusCreated {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	checkSessionCookie(t, a.header, false)
	var s struct {
		CSRF      string                  `json:"csrf_token"`
		Operator  backoffice.OperatorView `json:"operator"`
		ExpiresAt *time.Time              `json:"expires_at"`
	}
	a.decode(t, &s)
	if s.CSRF == "" || s.Operator.Username != "nomsa" || !s.Operator.MustChangePassword || s.ExpiresAt == nil {
		t.Errorf("sign-in answer %s", a.body)
	}
	token := c.sessionCookie(t)
	if token == "" {
		t.Fatal("the jar holds no vg_session cookie")
	}

	// A read needs no CSRF token.
	if a := c.do(t, http.MethodGet, "/ops/v1/me", nil); a.status != http.StatusOK || !strings.Contains(string(a.body), `"username":"nomsa"`) {
		t.Fatalf("GET /me: %d %s", a.status, a.body)
	}
	change := map[string]string{"current_password": oneTime, "password": testkit.Password}
	c.do(t, http.MethodPost, "/ops/v1/me/password", change).wantProblem(t, http.StatusForbidden, "csrf_missing")
	c.do(t, http.MethodPost, "/ops/v1/me/password", change, "X-CSRF-Token", s.CSRF+"x").wantProblem(t, http.StatusForbidden, "csrf_mismatch")
	if a := c.send(t, http.MethodPost, "/ops/v1/me/password", change); a.status != http.StatusNoContent {
		t.Fatalf("change password with the CSRF token: %d %s", a.status, a.body)
	}

	a = c.send(t, http.MethodPost, "/ops/v1/me/totp", nil)
	var enr backoffice.TOTPEnrolment
	a.decode(t, &enr)
	if a.status != http.StatusCreated || enr.Secret == "" || !strings.HasPrefix(enr.URI, "otpauth://totp/") {
		t.Fatalf("enrol: %d %s", a.status, a.body)
	}
	if a := c.send(t, http.MethodPost, "/ops/v1/me/totp/confirm", map[string]string{"code": e.bo.Code(t, enr.Secret)}); a.status != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", a.status, a.body)
	}

	// Signing out ends the session: the cookie is deleted, and replayed it is refused.
	c.do(t, http.MethodDelete, "/ops/v1/session", nil).wantProblem(t, http.StatusForbidden, "csrf_missing")
	a = c.send(t, http.MethodDelete, "/ops/v1/session", nil)
	if a.status != http.StatusNoContent || !strings.Contains(a.header.Get("Set-Cookie"), "vg_session=;") {
		t.Fatalf("sign-out: %d Set-Cookie %q", a.status, a.header.Get("Set-Cookie"))
	}
	if c.sessionCookie(t) != "" {
		t.Error("the jar still holds the session cookie after signing out")
	}
	replay := c.do(t, http.MethodGet, "/ops/v1/me", nil, "Cookie", "vg_session="+token)
	replay.wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonSessionInvalid))
	if got := replay.header.Get("WWW-Authenticate"); got != `Bearer realm="vendgate-ops", error="invalid_token"` {
		t.Errorf("WWW-Authenticate %q for an ended session", got)
	}

	// Signed in again with the second factor, the operator holds the sensitive permissions.
	e.bo.Clock.Advance(30 * time.Second)
	if a := c.signIn(t, "nomsa", testkit.Password, e.bo.Code(t, enr.Secret)); a.status != http.StatusCreated {
		t.Fatalf("sign-in with the code: %d %s", a.status, a.body)
	}
	var me struct {
		Operator    backoffice.OperatorView `json:"operator"`
		Via         string                  `json:"via"`
		Permissions []backoffice.Permission `json:"permissions"`
	}
	c.do(t, http.MethodGet, "/ops/v1/me", nil).decode(t, &me)
	if me.Operator.Username != "nomsa" || !me.Operator.SecondFactor || !strings.HasPrefix(me.Via, "session:") ||
		!slices.Contains(me.Permissions, backoffice.PermOperatorsManage) {
		t.Errorf("GET /me after the sign-in with the code: %+v", me)
	}
	a = c.send(t, http.MethodPost, "/ops/v1/operators", map[string]any{"username": "sipho", "full_name": "Sipho Dlamini", "roles": []string{"cashier"}})
	var creds backoffice.Credentials
	a.decode(t, &creds)
	if a.status != http.StatusCreated || creds.Password == "" || creds.Operator.Username != "sipho" ||
		a.header.Get("Location") == "" {
		t.Fatalf("create operator: %d %s", a.status, a.body)
	}
	e.secretsAbsent(t, oneTime, testkit.Password, token, c.sessionCookie(t))
	if strings.Contains(e.logs.String(), creds.Password) || strings.Contains(e.logs.String(), s.CSRF) {
		t.Error("the log holds a one-time password or a CSRF token")
	}
}

// checkSessionCookie checks the attributes of the vg_session cookie a sign-in set.
func checkSessionCookie(t *testing.T, h http.Header, secure bool) {
	t.Helper()
	var k *http.Cookie
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "vg_session" {
			k = c
		}
	}
	if k == nil {
		t.Fatalf("no vg_session cookie: Set-Cookie %q", h.Values("Set-Cookie"))
	}
	if !k.HttpOnly || k.SameSite != http.SameSiteStrictMode || k.Path != "/ops" || k.Secure != secure || k.Value == "" {
		t.Errorf("cookie %s: want HttpOnly, SameSite=Strict, Path=/ops, Secure %v", k, secure)
	}
}

// TestSessionCookieSecureOverTLS: a sign-in over TLS sets a Secure cookie.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	e := newEnv(t)
	oneTime := e.newOperator(t, "thabo", backoffice.RoleReadOnly)
	ts := newTLSServer(t, e)
	resp, err := ts.Client().Post(ts.URL+"/ops/v1/session", "application/json",
		strings.NewReader(`{"username":"thabo","password":"`+oneTime+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkSessionCookie(t, resp.Header, true)
}

// TestBearerNeedsNoCSRF: a script's API token authenticates changes without a CSRF token, and
// a cookie beside it changes nothing.
func TestBearerNeedsNoCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	oneTime := e.newOperator(t, "viewer", backoffice.RoleReadOnly)
	if a := c.signIn(t, "viewer", oneTime, ""); a.status != http.StatusCreated { // the jar now holds viewer's cookie
		t.Fatalf("sign-in: %d", a.status)
	}
	c.bearer = e.token(t, e.bo.Admin)
	a := c.do(t, http.MethodPost, "/ops/v1/operators", map[string]any{"username": "lerato", "roles": []string{"auditor"}})
	if a.status != http.StatusCreated {
		t.Fatalf("create by token, no CSRF token, a session cookie beside it: %d %s", a.status, a.body)
	}
	if a := c.do(t, http.MethodGet, "/ops/v1/me", nil); !strings.Contains(string(a.body), `"username":"admin"`) {
		t.Errorf("GET /me by token: %s", a.body)
	}
	c.bearer = "vgo_not-a-token"
	c.do(t, http.MethodGet, "/ops/v1/me", nil).wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonTokenInvalid))
	a = c.do(t, http.MethodGet, "/ops/v1/me", nil, "Authorization", "Basic YWRtaW46YWRtaW4=")
	a.wantProblem(t, http.StatusUnauthorized, "invalid_authorization")
	e.secretsAbsent(t, c.bearer)
}

// TestNoCredentials: a route that needs an operator, asked without credentials, is 401 with a
// challenge, before anything else about the request is looked at.
func TestNoCredentials(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	for _, r := range [][2]string{{"GET", "/ops/v1/me"}, {"POST", "/ops/v1/operators"}, {"GET", "/ops/v1/audit/export"}, {"DELETE", "/ops/v1/session"}} {
		a := c.do(t, r[0], r[1], "not json")
		a.wantProblem(t, http.StatusUnauthorized, "missing_credentials")
		if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="vendgate-ops"` {
			t.Errorf("%s %s: WWW-Authenticate %q", r[0], r[1], got)
		}
	}
}

// TestWrongSignIn: a wrong password is one 401 that does not say which part was wrong, and the
// password typed is not echoed.
func TestWrongSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	a := c.signIn(t, "admin", "wrong horse battery staple", "")
	a.wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonBadCredentials))
	if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="vendgate-ops"` {
		t.Errorf("WWW-Authenticate %q for a failed sign-in", got)
	}
	if len(a.header.Values("Set-Cookie")) != 0 {
		t.Errorf("a failed sign-in set a cookie: %q", a.header.Values("Set-Cookie"))
	}
	c.do(t, http.MethodPost, "/ops/v1/session", map[string]string{"username": "admin"}).wantProblem(t, http.StatusBadRequest, "missing_field")
	e.secretsAbsent(t, "wrong horse battery staple")
}

// TestIdleSessionEnds: a session unused for the back office's idle limit is refused with 401
// session_expired, and a sign-in opens a new one.
func TestIdleSessionEnds(t *testing.T) {
	e := newEnv(t)
	oneTime := e.newOperator(t, "idle", backoffice.RoleReadOnly)
	c := e.client(t)
	if a := c.signIn(t, "idle", oneTime, ""); a.status != http.StatusCreated {
		t.Fatalf("sign-in: %d", a.status)
	}
	e.bo.Clock.Advance(14 * time.Minute)
	if a := c.do(t, http.MethodGet, "/ops/v1/me", nil); a.status != http.StatusOK {
		t.Fatalf("after 14 minutes: %d %s", a.status, a.body)
	}
	e.bo.Clock.Advance(16 * time.Minute)
	c.do(t, http.MethodGet, "/ops/v1/me", nil).wantProblem(t, http.StatusUnauthorized, string(backoffice.ReasonSessionExpired))
}
