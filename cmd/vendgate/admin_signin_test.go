package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/testkit"
)

// adminTestClock is the admin commands' clock in these tests: each command moves it 30 s on, as
// a person's next command would, so that each signs in with a second-factor code of its own.
var adminTestClock = testkit.NewClock(time.Now().UTC())

func init() {
	adminClock = adminTestClock.Now
	adminOptions = []backoffice.Option{backoffice.WithCheapPasswords()}
}

// envTestTOTPSecret carries a test operator's second-factor secret in a test's environment:
// admin() turns it into VENDGATE_TOTP, the code at the clock's time, and never passes it on.
const envTestTOTPSecret = "VENDGATE_TEST_TOTP_SECRET"

// withCode is env for one command: the clock moved on, and the secret replaced by its current code.
func withCode(t *testing.T, env []string) []string {
	t.Helper()
	adminTestClock.Advance(30 * time.Second)
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		secret, ok := strings.CutPrefix(e, envTestTOTPSecret+"=")
		if !ok {
			out = append(out, e)
			continue
		}
		code, err := backoffice.TOTPCode(secret, adminTestClock.Now())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, envTOTP+"="+code)
	}
	return out
}

// asOperator is env signed in as username with password and, when secret is not "", a second
// factor.
func asOperator(env []string, username, password, secret string) []string {
	out := append(without(env, envOperator, envPassword, envTestTOTPSecret, envNewPassword),
		envOperator+"="+username, envPassword+"="+password)
	if secret != "" {
		out = append(out, envTestTOTPSecret+"="+secret)
	}
	return out
}

func without(env []string, names ...string) []string {
	var out []string
	for _, e := range env {
		keep := true
		for _, n := range names {
			keep = keep && !strings.HasPrefix(e, n+"=")
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

// adminSignedIn bootstraps the database of env and returns env signed in as its administrator,
// through the commands an administrator runs: bootstrap, operator password, operator totp-enrol
// and operator totp-confirm.
func adminSignedIn(t *testing.T, env []string) []string {
	t.Helper()
	code, out, errOut := admin(t, env, "bootstrap")
	if code != 0 {
		t.Fatalf("vendgate admin bootstrap: exit %d: %s", code, errOut)
	}
	var creds backoffice.Credentials
	if err := json.Unmarshal([]byte(out), &creds); err != nil || creds.Password == "" || creds.Operator.Username != "admin" {
		t.Fatalf("bootstrap printed %q (%v); want the administrator's one-time password", out, err)
	}
	return operatorSignedIn(t, env, "admin", creds.Password)
}

// operatorSignedIn takes an operator from its one-time password to its own password and a
// second factor, and returns env signed in as it.
func operatorSignedIn(t *testing.T, env []string, username, oneTime string) []string {
	t.Helper()
	adminOK(t, append(asOperator(env, username, oneTime, ""), envNewPassword+"="+testkit.Password), "operator", "password")
	enr := adminOK(t, asOperator(env, username, testkit.Password, ""), "operator", "totp-enrol")
	secret := enr["secret"].(string)
	confirm, err := backoffice.TOTPCode(secret, adminTestClock.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	adminOK(t, asOperator(env, username, testkit.Password, ""), "operator", "totp-confirm", "--code", confirm)
	return asOperator(env, username, testkit.Password, secret)
}

// createOperator has the administrator of env create an operator and returns env signed in as it.
func createOperator(t *testing.T, adminEnv []string, username string, args ...string) []string {
	t.Helper()
	creds := adminOK(t, adminEnv, append([]string{"operator", "create", "--username", username}, args...)...)
	return operatorSignedIn(t, adminEnv, username, creds["one_time_password"].(string))
}
