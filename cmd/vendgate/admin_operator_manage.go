package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
)

var adminOperatorList = adminCommand{summary: "list operators", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	role := fs.String("role", "", "only operators holding this role's `name`")
	status := fs.String("status", "", "only active or deactivated operators")
	search := fs.String("search", "", "only operators whose username or full name holds this `text`")
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		switch backoffice.OperatorStatus(*status) {
		case "", backoffice.OperatorActive, backoffice.OperatorDeactivated:
		default:
			return nil, usagef("--status: %q is not active or deactivated", *status)
		}
		ops, err := a.svc.ListOperators(ctx, a.actor, backoffice.OperatorQuery{AfterID: p.AfterID, Limit: p.Limit, Role: *role,
			Status: backoffice.OperatorStatus(*status), Search: *search, UtilityID: *utility})
		if err != nil {
			return nil, err
		}
		return listed("operators", p, ops, func(v backoffice.OperatorView) int64 { return v.ID }), nil
	}
}}

// operatorCommand is a command on one operator named by --id: show, deactivate, unlock ...
func operatorCommand(summary string, do func(ctx context.Context, a *adminEnv, id int64) (any, error)) adminCommand {
	return adminCommand{summary: summary, setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		id := idFlag(fs, "operator")
		return func(ctx context.Context, a *adminEnv) (any, error) {
			if err := requireID(*id); err != nil {
				return nil, err
			}
			return do(ctx, a, *id)
		}
	}}
}

var (
	adminOperatorShow = operatorCommand("show an operator", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.ShowOperator(ctx, a.actor, id)
	})
	adminOperatorDeactivate = operatorCommand("deactivate an operator: their sessions and API tokens end", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.DeactivateOperator(ctx, a.actor, id)
	})
	adminOperatorReactivate = operatorCommand("reactivate a deactivated operator", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.ReactivateOperator(ctx, a.actor, id)
	})
	adminOperatorUnlock = operatorCommand("unlock an operator locked out by failed sign-ins", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.Unlock(ctx, a.actor, id)
	})
	adminOperatorResetPassword = operatorCommand("give an operator a new one-time password; prints it once", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.ResetPassword(ctx, a.actor, id)
	})
	adminOperatorResetTOTP = operatorCommand("remove an operator's second factor, to enrol again", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		return a.svc.ResetSecondFactor(ctx, a.actor, id)
	})
	adminOperatorSessions = operatorCommand("list an operator's open sessions", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		ss, err := a.svc.Sessions(ctx, a.actor, id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ss), "sessions": ss}, nil
	})
	adminOperatorRevokeSessions = operatorCommand("end every open session of an operator", func(ctx context.Context, a *adminEnv, id int64) (any, error) {
		n, err := a.svc.RevokeSessions(ctx, a.actor, id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"operator_id": id, "revoked": n}, nil
	})
)

// adminOperatorUpdate changes an operator's profile, roles or scope: the flags given replace
// what show printed at --version, the others stay.
var adminOperatorUpdate = adminCommand{summary: "change an operator's name, e-mail, roles or scope", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "operator")
	version := versionFlag(fs)
	fullName := fs.String("full-name", "", "the operator's full `name`")
	email := fs.String("email", "", "the operator's e-mail `address`")
	utility := fs.Int64("utility", 0, "limit the operator to this utility's `id` (0: every utility)")
	hall := fs.Int64("hall", 0, "limit a cashier to this vending hall's `id` (0: every hall)")
	var roles roleList
	fs.Var(&roles, "role", "a role's `name`; repeat or separate by commas: the operator's roles become these")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if given(a.flags, "role") && len(roles) == 0 {
			return nil, usagef("--role: at least one")
		}
		o, err := a.svc.ShowOperator(ctx, a.actor, *id)
		if err != nil {
			return nil, err
		}
		u := backoffice.OperatorUpdate{FullName: o.FullName, Email: o.Email, Roles: o.Roles, UtilityID: o.UtilityID, HallID: o.HallID, Version: *version}
		if given(a.flags, "full-name") {
			u.FullName = *fullName
		}
		if given(a.flags, "email") {
			u.Email = *email
		}
		if given(a.flags, "utility") {
			u.UtilityID = *utility
		}
		if given(a.flags, "hall") {
			u.HallID = *hall
		}
		if len(roles) > 0 {
			u.Roles = roles
		}
		return a.svc.UpdateOperator(ctx, a.actor, *id, u)
	}
}}
