package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/backoffice"
)

// Limits of GET /ops/v1/audit.
const defaultAuditLimit = 100

// auditQuery reads the filters the audit routes share: after, limit, actor, action, target, from
// and to (RFC 3339, from inclusive, to exclusive).
func auditQuery(x *exchange, defLimit int64) (backoffice.AuditQuery, error) {
	var q backoffice.AuditQuery
	after, err := intParam(x, "after", 0, 0, maxInt)
	if err != nil {
		return q, err
	}
	limit, err := intParam(x, "limit", defLimit, 1, backoffice.MaxAuditPage)
	if err != nil {
		return q, err
	}
	from, err := timeParam(x, "from")
	if err != nil {
		return q, err
	}
	to, err := timeParam(x, "to")
	if err != nil {
		return q, err
	}
	v := x.r.URL.Query()
	return backoffice.AuditQuery{AfterSeq: after, Limit: int(limit), ActorName: v.Get("actor"),
		Action: backoffice.Action(v.Get("action")), Target: v.Get("target"), From: from, To: to}, nil
}

// listAudit is GET /ops/v1/audit: a page of the trail, oldest first.
func (s *Server) listAudit(x *exchange) error {
	q, err := auditQuery(x, defaultAuditLimit)
	if err != nil {
		return err
	}
	entries, err := s.cfg.Audit.AuditTrail(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	out := make([]backoffice.AuditEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = e.ToJSON()
	}
	return x.json(http.StatusOK, newPage(out, q.Limit, func(e backoffice.AuditEntryJSON) int64 { return e.Seq }))
}

// verificationJSON is what GET /ops/v1/audit/verify found.
type verificationJSON struct {
	Intact  bool       `json:"intact"`
	Entries int64      `json:"entries"`
	Head    headJSON   `json:"head"`
	Break   *breakJSON `json:"break,omitempty"`
}

type headJSON struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

type breakJSON struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// verifyAudit is GET /ops/v1/audit/verify: the whole chain recomputed; a break names the first
// entry altered, removed or moved.
func (s *Server) verifyAudit(x *exchange) error {
	v, err := s.cfg.Audit.VerifyAudit(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	out := verificationJSON{Intact: v.Break == nil, Entries: v.Entries, Head: headJSON{v.Head.Seq, v.Head.Hash}}
	if v.Break != nil {
		out.Break = &breakJSON{Seq: v.Break.Seq, Reason: v.Break.Reason}
	}
	return x.json(http.StatusOK, out)
}

// exportAudit is GET /ops/v1/audit/export?format=csv|json with audit's filters: every entry
// selected, streamed as CSV or as JSON lines. A failure once the stream has begun cuts it short
// (the log line says why); before, it is a problem like any other.
func (s *Server) exportAudit(x *exchange) error {
	q, err := auditQuery(x, backoffice.MaxAuditPage)
	if err != nil {
		return err
	}
	format := backoffice.ExportFormat(x.r.URL.Query().Get("format"))
	if format == "" {
		format = backoffice.ExportCSV
	}
	name := "vendgate-audit"
	switch format {
	case backoffice.ExportCSV:
		x.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	case backoffice.ExportJSON:
		x.w.Header().Set("Content-Type", "application/x-ndjson")
		name += ".jsonl"
	default:
		return badParam("format", "format must be csv or json")
	}
	x.w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = s.cfg.Audit.ExportAudit(x.r.Context(), x.actor, q, format, x.w)
	return err
}
