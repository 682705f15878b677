package main

import (
	"context"
	"flag"
	"time"

	"github.com/vendgate/vendgate/backoffice"
)

// permissionFlag registers a repeatable --permission flag (or one naming several, separated by
// commas) and returns a function giving the permissions, each one the catalogue knows.
func permissionFlag(fs *flag.FlagSet, usage string) func() ([]backoffice.Permission, error) {
	var names roleList
	fs.Var(&names, "permission", usage)
	return func() ([]backoffice.Permission, error) {
		out := make([]backoffice.Permission, 0, len(names))
		for _, n := range names {
			p := backoffice.Permission(n)
			if !p.Known() {
				return nil, usagef("--permission: %q is not a permission (vendgate admin role list shows each role's)", n)
			}
			out = append(out, p)
		}
		return out, nil
	}
}

var adminTokenIssue = adminCommand{summary: "issue yourself an operator API token for scripts (" + envOpsToken + "); shown once", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	label := fs.String("label", "", "what the token is for (required)")
	ttl := fs.Duration("ttl", 0, "how long the token lives, e.g. 720h (0: the default)")
	perms := permissionFlag(fs, "a `permission` the token carries, at most yours; repeat or separate by commas (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("label", *label); err != nil {
			return nil, err
		}
		ps, err := perms()
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			return nil, usagef("--permission: at least one")
		}
		if *ttl < 0 {
			return nil, usagef("--ttl: %s is negative", *ttl)
		}
		return a.svc.IssueToken(ctx, a.actor, backoffice.NewToken{Label: *label, Permissions: ps, TTL: *ttl})
	}
}}

var adminTokenList = adminCommand{summary: "list the valid API tokens of an operator (yours by default)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	operator := fs.Int64("operator", 0, "`id` of the operator (0: yourself)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *operator < 0 {
			return nil, usagef("--operator: an operator's id")
		}
		who := *operator
		if who == 0 {
			who = a.actor.ID()
		}
		ts, err := a.svc.Tokens(ctx, a.actor, who)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ts), "tokens": ts}, nil
	}
}}

var adminTokenRevoke = adminCommand{summary: "revoke an API token", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "API token")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if err := a.svc.RevokeToken(ctx, a.actor, *id); err != nil {
			return nil, err
		}
		return map[string]any{"id": *id, "revoked": true}, nil
	}
}}

// parseDuration parses a duration flag that must not be negative.
func parseDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("--%s: %q is not a duration such as 24h", name, v)
	}
	return d, nil
}
