package main

import (
	"context"
	"flag"
	"time"

	"github.com/vendgate/vendgate/backoffice"
)

// auditQueryFlags are the flags that select audit entries.
type auditQueryFlags struct {
	after          *int64
	limit          *int // 0 for an export: every entry
	paged          bool
	actor, action  *string
	target         *string
	fromDay, toDay *string
}

// registerAuditQuery registers the selection flags; a list takes a page's --limit too, an export
// writes every entry selected.
func registerAuditQuery(fs *flag.FlagSet, paged bool) auditQueryFlags {
	limit := new(int)
	if paged {
		limit = fs.Int("limit", 100, "at most this many entries, 1 to 1000")
	}
	return auditQueryFlags{
		after: fs.Int64("after", 0, "only entries after this sequence `number` (the page cursor)"),
		limit: limit, paged: paged,
		actor:   fs.String("actor", "", "only this actor's entries (a `username`)"),
		action:  fs.String("action", "", "only this `action`, e.g. customer.update"),
		target:  fs.String("target", "", "only entries about this `record`, e.g. customer:12"),
		fromDay: fs.String("from", "", "only entries at or after this `date` (YYYY-MM-DD, UTC)"),
		toDay:   fs.String("to", "", "only entries before this `date` (YYYY-MM-DD, UTC)"),
	}
}

func (f auditQueryFlags) query() (backoffice.AuditQuery, error) {
	if *f.limit < 0 || *f.limit > backoffice.MaxAuditPage || *f.limit == 0 && f.paged {
		return backoffice.AuditQuery{}, usagef("--limit: 1 to %d", backoffice.MaxAuditPage)
	}
	q := backoffice.AuditQuery{AfterSeq: *f.after, Limit: *f.limit, ActorName: *f.actor, Action: backoffice.Action(*f.action), Target: *f.target}
	for _, d := range []struct {
		name, v string
		to      *time.Time
	}{{"from", *f.fromDay, &q.From}, {"to", *f.toDay, &q.To}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return q, usagef("--%s %q: a date, YYYY-MM-DD", d.name, d.v)
		}
		*d.to = t
	}
	return q, nil
}

var adminAuditList = adminCommand{summary: "list the audit trail, oldest first", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	qf := registerAuditQuery(fs, true)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		q, err := qf.query()
		if err != nil {
			return nil, err
		}
		entries, err := a.svc.AuditTrail(ctx, a.actor, q)
		if err != nil {
			return nil, err
		}
		out := make([]backoffice.AuditEntryJSON, len(entries))
		for i, e := range entries {
			out[i] = e.ToJSON()
		}
		page := map[string]any{"count": len(out), "entries": out}
		if len(out) == q.Limit {
			page["next_after"] = out[len(out)-1].Seq
		}
		return page, nil
	}
}}

// auditVerifyJSON is what audit verify prints; a broken chain exits 1, naming the first entry.
type auditVerifyJSON struct {
	Entries  int64  `json:"entries"`
	HeadSeq  int64  `json:"head_seq"`
	Whole    bool   `json:"whole"`
	BrokenAt int64  `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (v auditVerifyJSON) failure() string {
	if v.Whole {
		return ""
	}
	return (&backoffice.ChainBreak{Seq: v.BrokenAt, Reason: v.Reason}).Error()
}

var adminAuditVerify = adminCommand{summary: "recompute the audit chain; names the first entry altered, removed or moved (exits 1)", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		res, err := a.svc.VerifyAudit(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		out := auditVerifyJSON{Entries: res.Entries, HeadSeq: res.Head.Seq, Whole: res.Break == nil}
		if res.Break != nil {
			out.BrokenAt, out.Reason = res.Break.Seq, res.Break.Reason
		}
		return out, nil
	}
}}

var adminAuditExport = adminCommand{summary: "export the audit trail as CSV or JSON lines to stdout", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	format := fs.String("format", "csv", "csv, or json (one object a line)")
	qf := registerAuditQuery(fs, false)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *format != string(backoffice.ExportCSV) && *format != string(backoffice.ExportJSON) {
			return nil, usagef("--format: %q is not csv or json", *format)
		}
		q, err := qf.query()
		if err != nil {
			return nil, err
		}
		if _, err := a.svc.ExportAudit(ctx, a.actor, q, backoffice.ExportFormat(*format), a.stdout); err != nil {
			return nil, err
		}
		return written{}, nil
	}
}}
