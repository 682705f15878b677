package main

import (
	"context"
	"strings"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The environment variables admin commands sign in with. A password and a code never come from
// a flag: command lines show in process lists.
const (
	envOperator = "VENDGATE_OPERATOR"
	envPassword = "VENDGATE_PASSWORD"
	envTOTP     = "VENDGATE_TOTP"
	// envOpsToken is an operator API token, for scripts: the back office's tokens sign a script in
	// without a password or a code (tokenActor).
	envOpsToken = "VENDGATE_OPS_TOKEN"
)

// lookupEnv returns an environment variable of environ, and whether it is set and not blank.
func lookupEnv(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(environ[i], name+"="); ok {
			return v, strings.TrimSpace(v) != ""
		}
	}
	return "", false
}

// signIn makes the actor the command runs as: from an operator API token, or from an operator's
// username, password and (once enrolled) current second-factor code, through the back office's
// sign-in (its lockout and its audit entry). An operator still on a one-time password may only
// set their own password and second factor.
func (a *adminEnv) signIn(ctx context.Context, auth adminAuth) error {
	if _, ok := lookupEnv(a.environ, envOpsToken); ok {
		return a.tokenActor(ctx, auth)
	}
	username, okU := lookupEnv(a.environ, envOperator)
	password, okP := lookupEnv(a.environ, envPassword)
	if !okU || !okP {
		return usagef("sign in first: set %s and %s (and %s, the current code, once a second factor is enrolled), "+
			"or %s for a script; a new installation starts with vendgate admin bootstrap", envOperator, envPassword, envTOTP, envOpsToken)
	}
	code, _ := lookupEnv(a.environ, envTOTP)
	actor, op, err := a.svc.SignIn(ctx, backoffice.SignInRequest{Username: strings.TrimSpace(username), Password: password,
		Code: strings.TrimSpace(code), Via: "cli", From: "cli"})
	if err != nil {
		return err
	}
	if op.MustChangePassword && auth != authSelf {
		return core.Errorf(core.CodeForbidden, backoffice.ReasonPermissionDenied,
			"%s signed in with a one-time password: set your own first with vendgate admin operator password", op.Username)
	}
	a.actor, a.password = actor, password
	return nil
}

// tokenActor makes the actor from an operator API token (VENDGATE_OPS_TOKEN) through the back
// office's token sign-in: the token's operator with the token's permissions, no password and no
// code. An operator's own password and second factor are never set from a token: those commands
// need the password.
func (a *adminEnv) tokenActor(ctx context.Context, auth adminAuth) error {
	if auth == authSelf {
		return usagef("%s: an API token does not set a password or a second factor; sign in with %s and %s", envOpsToken, envOperator, envPassword)
	}
	token, _ := lookupEnv(a.environ, envOpsToken)
	actor, err := a.svc.TokenActor(ctx, strings.TrimSpace(token), "cli")
	if err != nil {
		return err
	}
	a.actor = actor
	return nil
}
