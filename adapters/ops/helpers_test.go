package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/ops"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// env is the operator API over real HTTP on a bootstrapped back office (SQLite), with the
// answers' bodies kept so a test can check no secret reached one.
type env struct {
	bo   *testkit.BackOffice
	srv  *ops.Server
	ts   *httptest.Server
	logs *testkit.Logs

	mu     sync.Mutex
	bodies []string // every answer's body
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testkit.OpenDB(t, ""))
}

// newEnvOn is newEnv on db.
func newEnvOn(t testing.TB, db *store.DB) *env {
	t.Helper()
	sealer, err := core.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	bo := testkit.NewBackOffice(t, db, backoffice.WithSealer(sealer))
	log, logs := testkit.CaptureLogs(t)
	e := &env{bo: bo, logs: logs}
	e.srv = ops.New(config(bo, log))
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

// config wires every interface of the API to the back office, on its clock.
func config(bo *testkit.BackOffice, log zerolog.Logger) ops.Config {
	svc := bo.Svc
	return ops.Config{Account: svc, Sessions: svc, Tokens: svc, Operators: svc, Roles: svc, Audit: svc,
		Approvals: svc, Agents: svc, Vends: svc, Organisation: svc, Versions: svc, Stock: svc, Contracts: svc, MeterTokens: svc,
		Records: svc, Network: svc, Debts: svc, Charges: svc, Refunds: svc, Exchanges: svc, Readings: svc, Tampering: svc,
		AgentTerms: svc, Commissions: svc, Logger: log, Clock: bo.Clock.Now}
}

// client is an HTTP client with a cookie jar of its own, as a browser has.
type client struct {
	e    *env
	http *http.Client
	csrf string
	// bearer, when set, is sent as "Authorization: Bearer <bearer>".
	bearer string
}

func (e *env) client(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{e: e, http: &http.Client{Jar: jar}}
}

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) problem(t *testing.T) map[string]any {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d, Content-Type %q, want application/problem+json: %s", a.status, ct, a.body)
	}
	var p map[string]any
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("problem %q: %v", a.body, err)
	}
	if p["status"] != float64(a.status) || p["type"] != "https://vendgate.dev/problems/"+p["reason"].(string) || p["title"] == "" {
		t.Errorf("problem %s does not match its status %d", a.body, a.status)
	}
	return p
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d %q: %v", a.status, a.body, err)
	}
}

// wantProblem checks an answer is the problem of status and reason.
func (a answer) wantProblem(t *testing.T, status int, reason string) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	p := a.problem(t)
	if p["reason"] != reason {
		t.Errorf("reason %v, want %s (%s)", p["reason"], reason, a.body)
	}
	return p
}

// do sends a request; a non-nil body is JSON unless it is a string (sent as is). The CSRF
// token, when the client has one, is sent on unsafe methods when csrf is true.
func (c *client) do(t *testing.T, method, path string, body any, headers ...string) answer {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.ts.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	c.e.mu.Lock()
	c.e.bodies = append(c.e.bodies, string(b))
	c.e.mu.Unlock()
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	checkAgainstDocument(t, req, a)
	return a
}

// send is do with the client's CSRF token.
func (c *client) send(t *testing.T, method, path string, body any) answer {
	t.Helper()
	return c.do(t, method, path, body, "X-CSRF-Token", c.csrf)
}

// signIn opens a session; the client keeps the cookie (its jar) and the CSRF token.
func (c *client) signIn(t *testing.T, username, password, code string) answer {
	t.Helper()
	body := map[string]string{"username": username, "password": password}
	if code != "" {
		body["code"] = code
	}
	a := c.do(t, http.MethodPost, "/ops/v1/session", body)
	if a.status == http.StatusCreated {
		var s struct {
			CSRF string `json:"csrf_token"`
		}
		a.decode(t, &s)
		c.csrf = s.CSRF
	}
	return a
}

// sessionCookie is the vg_session cookie the client's jar holds, "" for none.
func (c *client) sessionCookie(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(c.e.ts.URL + "/ops/v1/me")
	for _, k := range c.http.Jar.Cookies(u) {
		if k.Name == "vg_session" {
			return k.Value
		}
	}
	return ""
}

// secretsAbsent checks that no answer's body and no log line holds any of secrets.
func (e *env) secretsAbsent(t *testing.T, secrets ...string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	logs := e.logs.String()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an empty secret: the test lost track of it")
		}
		for _, b := range e.bodies {
			if strings.Contains(b, s) {
				t.Errorf("an answer holds the secret %.4s…: %s", s, b)
			}
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the secret %.4s…", s)
		}
	}
}

// newOperator creates an operator with roles by the administrator and returns its one-time
// password.
func (e *env) newOperator(t *testing.T, username string, roles ...string) string {
	t.Helper()
	creds, err := e.bo.Svc.CreateOperator(context.Background(), e.bo.Admin, backoffice.NewOperator{Username: username, FullName: username, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return creds.Password
}

// token issues an API token to the actor, carrying every permission it may use.
func (e *env) token(t testing.TB, a backoffice.Actor) string {
	t.Helper()
	var perms []backoffice.Permission
	for _, p := range a.Permissions() {
		if a.Can(p) {
			perms = append(perms, p)
		}
	}
	g, err := e.bo.Svc.IssueToken(context.Background(), a, backoffice.NewToken{Label: "test script", Permissions: perms})
	if err != nil {
		t.Fatal(err)
	}
	return g.Token
}

// newTLSServer serves e's API over TLS.
func newTLSServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	ts := httptest.NewTLSServer(e.srv)
	t.Cleanup(ts.Close)
	return ts
}

// newServer serves e's API over HTTP.
func newServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	return ts
}

// json200Has reports whether a 200 answer's body holds s.
func json200Has(a answer, s string) bool {
	return a.status == http.StatusOK && strings.Contains(string(a.body), s)
}
