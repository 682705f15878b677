package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var adminApprovalList = adminCommand{summary: "list approval requests (the pending ones by default)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	status := fs.String("status", string(backoffice.ApprovalPending), "only requests in this `status`: pending, approved, rejected, expired or all")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		st := backoffice.ApprovalStatus(*status)
		switch st {
		case "all":
			st = ""
		case backoffice.ApprovalPending, backoffice.ApprovalApproved, backoffice.ApprovalRejected, backoffice.ApprovalExpired:
		default:
			return nil, usagef("--status: %q is not pending, approved, rejected, expired or all", *status)
		}
		rs, err := a.svc.Approvals(ctx, a.actor, st, p.AfterID, p.Limit)
		if err != nil {
			return nil, err
		}
		views := make([]backoffice.ApprovalView, len(rs))
		for i, r := range rs {
			views[i] = r.View()
		}
		return listed("approvals", p, views, func(v backoffice.ApprovalView) int64 { return v.ID }), nil
	}
}}

// approvalCommand is a command on one approval request named by --id.
func approvalCommand(summary string, setup func(fs *flag.FlagSet) func(ctx context.Context, a *adminEnv, id int64) (backoffice.ApprovalRequest, error)) adminCommand {
	return adminCommand{summary: summary, setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		id := idFlag(fs, "approval request")
		do := setup(fs)
		return func(ctx context.Context, a *adminEnv) (any, error) {
			if err := requireID(*id); err != nil {
				return nil, err
			}
			r, err := do(ctx, a, *id)
			if err != nil {
				return nil, err
			}
			return r.View(), nil
		}
	}}
}

var (
	adminApprovalShow = approvalCommand("show an approval request", func(*flag.FlagSet) func(context.Context, *adminEnv, int64) (backoffice.ApprovalRequest, error) {
		return func(ctx context.Context, a *adminEnv, id int64) (backoffice.ApprovalRequest, error) {
			return a.svc.Approval(ctx, a.actor, id)
		}
	})
	adminApprovalApprove = approvalCommand("approve another operator's request: its action runs now", func(*flag.FlagSet) func(context.Context, *adminEnv, int64) (backoffice.ApprovalRequest, error) {
		return func(ctx context.Context, a *adminEnv, id int64) (backoffice.ApprovalRequest, error) {
			return a.svc.Approve(ctx, a.actor, id)
		}
	})
	adminApprovalReject = approvalCommand("reject another operator's request, with the reason", func(fs *flag.FlagSet) func(context.Context, *adminEnv, int64) (backoffice.ApprovalRequest, error) {
		reason := fs.String("reason", "", "why, shown to the maker and kept in the audit trail (required)")
		return func(ctx context.Context, a *adminEnv, id int64) (backoffice.ApprovalRequest, error) {
			if err := required("reason", *reason); err != nil {
				return backoffice.ApprovalRequest{}, err
			}
			return a.svc.Reject(ctx, a.actor, id, *reason)
		}
	})
)

var adminApprovalPolicyList = adminCommand{summary: "list the approval policy of every action it covers", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		ps, err := a.svc.ApprovalPolicies(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		views := make([]backoffice.ApprovalPolicyView, len(ps))
		for i, p := range ps {
			views[i] = p.View()
		}
		return map[string]any{"count": len(views), "policies": views}, nil
	}
}}

var adminApprovalPolicySet = adminCommand{summary: "change whether an action needs a second operator, above which amount, and for how long a request waits", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	action := fs.String("action", "", "the `action` (approval-policy list names them) (required)")
	version := fs.Int64("version", 0, "the policy's `version` as listed (0 while on its default)")
	requiredFlag := fs.Bool("required", true, "whether the action needs a second operator")
	threshold := fs.String("threshold", "0", "the amount in minor `units` up to which it runs at once (0: every request waits)")
	expiry := fs.String("expiry", "24h", "how long a request waits before it expires")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("action", *action); err != nil {
			return nil, err
		}
		th, err := parseInt("threshold", *threshold, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		ex, err := parseDuration("expiry", *expiry)
		if err != nil {
			return nil, err
		}
		p, err := a.svc.SetApprovalPolicy(ctx, a.actor, backoffice.ApprovalPolicy{Action: backoffice.Action(*action), Version: *version,
			Required: *requiredFlag, Threshold: core.Money(th), Expiry: ex})
		if err != nil {
			return nil, err
		}
		return p.View(), nil
	}
}}
