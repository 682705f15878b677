package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// adminNotice is the line a new installation's first start prints with the one-time password.
var adminNotice = regexp.MustCompile(`one-time password \(shown once\): (\S+)`)

// TestServeBootstrapsTheBackOffice: the first `vendgate serve` of a new demo installation keeps
// the administrator's one-time password in demo.json, not in its output; it signs in at /ops/v1/session on the API's own
// listener, beside /v1; the next start prints no password.
func TestServeBootstrapsTheBackOffice(t *testing.T) {
	dir := t.TempDir()
	out, stop := startServeStop(t, dir)
	// The demo's first start keeps the administrator's one-time password in demo.json (mode
	// 0600), off this output, which is not a terminal.
	password := demoPassword(t, dir, "admin")
	if strings.Contains(out.String(), password) || adminNotice.MatchString(out.String()) {
		t.Errorf("the one-time password is in the output, which is not a terminal:\n%s", out.String())
	}
	base := baseURLOf(t, printedCommand(t, out.String(), "/v1/vends"))

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post(base+"/ops/v1/session", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || err != nil || s.CSRF == "" {
		t.Fatalf("signing in with the printed password: %d, %v\n%s", res.StatusCode, err, out.String())
	}
	res, err = c.Get(base + "/ops/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /ops/v1/me with the session: %d", res.StatusCode)
	}
	// A change by the session needs its CSRF token; with it, the one-time password is replaced.
	change := `{"current_password":"` + password + `","password":"a long new password for admin"}`
	for _, csrf := range []string{"", s.CSRF} {
		req, _ := http.NewRequest(http.MethodPost, base+"/ops/v1/me/password", strings.NewReader(change))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[bool]int{false: http.StatusForbidden, true: http.StatusNoContent}[csrf != ""]; res.StatusCode != want {
			t.Errorf("POST /ops/v1/me/password with a CSRF token: %v: %d, want %d", csrf != "", res.StatusCode, want)
		}
	}
	res, err = http.Get(base + "/ops/v1/operators")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("the operator API without credentials: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	stop()

	// The next start of the same installation prints no password.
	args, environ := serveArgs(dir)
	cfg, err := loadConfig(args[1:], environ)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	next := &Main{Config: cfg, Stdout: &again, Logger: zerolog.New(&again)}
	if err := next.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	next.listener.Close()
	if next.isoListener != nil {
		next.isoListener.Close()
	}
	next.Close()
	if adminNotice.MatchString(again.String()) || strings.Contains(again.String(), password) {
		t.Errorf("the second start printed a one-time password again:\n%s", again.String())
	}
}

// baseURLOf is the scheme and address of a printed curl command's URL.
func baseURLOf(t *testing.T, line string) string {
	t.Helper()
	m := regexp.MustCompile(`https?://[^/ ]+`).FindString(line)
	if m == "" {
		t.Fatalf("no URL in %s", line)
	}
	return m
}

// demoPassword is an operator's one-time password as the demo's first start kept it.
func demoPassword(t *testing.T, dir, username string) string {
	t.Helper()
	var demo demoFile
	b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil || json.Unmarshal(b, &demo) != nil {
		t.Fatalf("demo.json: %v", err)
	}
	for _, c := range demo.Operators {
		if c.Operator.Username == username && c.Password != "" {
			return c.Password
		}
	}
	t.Fatalf("demo.json holds no one-time password of %s", username)
	return ""
}
