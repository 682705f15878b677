package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
)

var adminRoleList = adminCommand{summary: "list the roles, built-in and custom, with their permissions", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		rs, err := a.svc.ListRoles(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(rs), "roles": rs}, nil
	}
}}

var adminRoleCreate = adminCommand{summary: "create a custom role with its permissions", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the role's `name` (required)")
	summary := fs.String("summary", "", "what the role is for")
	perms := permissionFlag(fs, "a `permission` the role grants; repeat or separate by commas (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		ps, err := perms()
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			return nil, usagef("--permission: at least one")
		}
		return a.svc.CreateRole(ctx, a.actor, backoffice.NewRole{Name: *name, Summary: *summary, Permissions: ps})
	}
}}

var adminRoleUpdate = adminCommand{summary: "change a custom role's summary or permissions", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the role's `name` (required)")
	version := versionFlag(fs)
	summary := fs.String("summary", "", "what the role is for")
	perms := permissionFlag(fs, "a `permission` the role grants; repeat or separate by commas: the role's permissions become these")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		ps, err := perms()
		if err != nil {
			return nil, err
		}
		rs, err := a.svc.ListRoles(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		u := backoffice.RoleUpdate{Version: *version, Summary: *summary, Permissions: ps}
		for _, r := range rs {
			if r.Name != *name {
				continue
			}
			if !given(a.flags, "summary") {
				u.Summary = r.Summary
			}
			if !given(a.flags, "permission") {
				u.Permissions = r.Permissions
			}
		}
		return a.svc.UpdateRole(ctx, a.actor, *name, u)
	}
}}

var adminRoleDeactivate = adminCommand{summary: "deactivate a custom role: its operators lose its permissions", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the role's `name` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		return a.svc.DeactivateRole(ctx, a.actor, *name)
	}
}}
