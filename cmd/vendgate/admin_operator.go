package main

import (
	"context"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// envNewPassword holds the new password of operator password: never a flag.
const envNewPassword = "VENDGATE_NEW_PASSWORD"

// adminBootstrap makes a new installation usable before any server runs: the built-in roles and
// the administrator, whose one-time password it prints once. A second run creates nothing.
var adminBootstrap = adminCommand{summary: "seed the roles and create the administrator; prints its one-time password once", auth: authNone,
	setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		username := fs.String("username", "admin", "the administrator's `username`")
		return func(ctx context.Context, a *adminEnv) (any, error) {
			creds, err := a.svc.Bootstrap(ctx, *username)
			if err != nil {
				return nil, err
			}
			if creds == nil {
				return nil, core.Errorf(core.CodeConflict, backoffice.ReasonAlreadyBootstrapped,
					"operators exist already: nothing was created; an administrator creates more with vendgate admin operator create")
			}
			return creds, nil
		}
	}}

// roleList collects --role flags, each one role or several separated by commas.
type roleList []string

func (r *roleList) String() string { return strings.Join(*r, ",") }
func (r *roleList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*r = append(*r, p)
		}
	}
	return nil
}

var adminOperatorCreate = adminCommand{summary: "create an operator with roles; prints the one-time password once", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	username := fs.String("username", "", "the operator's `username`: 3 to 64 of a-z, 0-9, '.', '-', '_' (required)")
	fullName := fs.String("full-name", "", "the operator's full `name`")
	email := fs.String("email", "", "the operator's e-mail `address`")
	utility := fs.Int64("utility", 0, "limit the operator to this utility's `id` (0: every utility)")
	hall := fs.Int64("hall", 0, "limit a cashier to this vending hall's `id` (0: every hall)")
	var roles roleList
	fs.Var(&roles, "role", "a role's `name` (administrator, supervisor, cashier, key_officer, auditor, vendor_administrator, read_only or a custom one); repeat or separate by commas (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("username", *username); err != nil {
			return nil, err
		}
		if len(roles) == 0 {
			return nil, usagef("--role: at least one")
		}
		return a.svc.CreateOperator(ctx, a.actor, backoffice.NewOperator{Username: *username, FullName: *fullName, Email: *email,
			Roles: roles, UtilityID: *utility, HallID: *hall})
	}
}}

// adminOperatorPassword sets the signed-in operator's own password (VENDGATE_PASSWORD is the
// current one, VENDGATE_NEW_PASSWORD the new one): the first thing after a one-time password.
var adminOperatorPassword = adminCommand{summary: "set your own password (from " + envNewPassword + ")", auth: authSelf,
	setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		return func(ctx context.Context, a *adminEnv) (any, error) {
			next, ok := lookupEnv(a.environ, envNewPassword)
			if !ok {
				return nil, usagef("%s: set it to the new password (never a flag: command lines show in process lists)", envNewPassword)
			}
			if err := a.svc.ChangePassword(ctx, a.actor, a.password, next); err != nil {
				return nil, err
			}
			return map[string]any{"username": a.actor.Name(), "password_changed": true}, nil
		}
	}}

// adminOperatorTOTPEnrol starts the enrolment of the operator's second factor: the secret (and
// its otpauth URI) to load into an authenticator app, shown once.
var adminOperatorTOTPEnrol = adminCommand{summary: "start enrolling your second factor: prints the secret for an authenticator app, once", auth: authSelf,
	setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		issuer := fs.String("issuer", "Vendgate", "the `name` the authenticator app shows")
		return func(ctx context.Context, a *adminEnv) (any, error) {
			return a.svc.EnrolTOTP(ctx, a.actor, *issuer)
		}
	}}

var adminOperatorTOTPConfirm = adminCommand{summary: "finish enrolling your second factor with a code from the app", auth: authSelf,
	setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		code := fs.String("code", "", "the current `code` the authenticator app shows for the new secret (required)")
		return func(ctx context.Context, a *adminEnv) (any, error) {
			if err := required("code", *code); err != nil {
				return nil, err
			}
			if err := a.svc.ConfirmTOTP(ctx, a.actor, strings.TrimSpace(*code)); err != nil {
				return nil, err
			}
			return map[string]any{"username": a.actor.Name(), "second_factor": true}, nil
		}
	}}
