package backoffice

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Audit actions.
const (
	ActionAuditRead   Action = "audit.read"
	ActionAuditVerify Action = "audit.verify"
	ActionAuditExport Action = "audit.export"
)

// checkAuditQuery checks a query's fields and bounds its limit.
func checkAuditQuery(q AuditQuery) (AuditQuery, error) {
	switch {
	case q.AfterSeq < 0:
		return q, core.Errorf(core.CodeInvalid, ReasonInvalidAudit, "the page cursor must be an entry's sequence number").OnField("after")
	case !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To):
		return q, core.Errorf(core.CodeInvalid, ReasonInvalidAudit, "the period's start must be before its end").OnField("from")
	}
	if q.Limit <= 0 || q.Limit > MaxAuditPage {
		q.Limit = MaxAuditPage
	}
	return q, nil
}

// AuditTrail returns a page of the audit trail, oldest first.
func (s *Service) AuditTrail(ctx context.Context, a Actor, q AuditQuery) ([]AuditEntry, error) {
	return read(ctx, s, a, PermAuditRead, ActionAuditRead, func(ctx context.Context) ([]AuditEntry, error) {
		q, err := checkAuditQuery(q)
		if err != nil {
			return nil, err
		}
		return s.store.AuditEntries(ctx, q)
	})
}

// AuditVerification is what VerifyAudit found.
type AuditVerification struct {
	Entries int64       // how many entries were checked
	Head    AuditHead   // the stored head
	Break   *ChainBreak // the first break, nil when the chain is whole
}

// VerifyAudit recomputes the whole chain and names the first entry that was altered, removed or
// moved. The verification itself is recorded (after the check, so it does not check itself).
func (s *Service) VerifyAudit(ctx context.Context, a Actor) (AuditVerification, error) {
	res, err := read(ctx, s, a, PermAuditRead, ActionAuditVerify, func(ctx context.Context) (AuditVerification, error) {
		var out AuditVerification
		head, err := s.store.AuditHead(ctx)
		if err != nil {
			return out, err
		}
		out.Head = head
		var v ChainVerifier
		q := AuditQuery{Limit: MaxAuditPage}
		for {
			page, err := s.store.AuditEntries(ctx, q)
			if err != nil {
				return out, err
			}
			for i := range page {
				if page[i].Seq > head.Seq {
					break // appended since the head was read
				}
				if b := v.Next(&page[i]); b != nil {
					out.Break = b
					return out, nil
				}
				out.Entries++
			}
			if len(page) < q.Limit || page[len(page)-1].Seq >= head.Seq {
				break
			}
			q.AfterSeq = page[len(page)-1].Seq
		}
		out.Break = v.End(head)
		return out, nil
	})
	if err != nil {
		return res, err
	}
	detail := "the chain is whole: " + strconv.FormatInt(res.Entries, 10) + " entries"
	if res.Break != nil {
		detail = res.Break.Error()
	}
	return res, s.record(ctx, a, PermAuditRead, ActionAuditVerify, Change{Detail: detail})
}

// ExportFormat is how ExportAudit writes entries.
type ExportFormat string

// Export formats.
const (
	ExportCSV  ExportFormat = "csv"
	ExportJSON ExportFormat = "json" // one JSON object a line
)

// auditColumns are the CSV export's header.
var auditColumns = []string{"seq", "at", "actor_kind", "actor_id", "actor_name", "via", "from", "action",
	"permission", "target", "outcome", "detail", "before", "after", "approval_id", "prev_hash", "hash"}

// AuditEntryJSON is an audit entry as the API and the exports give it.
type AuditEntryJSON struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorKind  ActorKind       `json:"actor_kind"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	Via        string          `json:"via"`
	From       string          `json:"from"`
	Action     Action          `json:"action"`
	Permission Permission      `json:"permission"`
	Target     string          `json:"target,omitempty"`
	Outcome    Outcome         `json:"outcome"`
	Detail     string          `json:"detail,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	ApprovalID int64           `json:"approval_id,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// ToJSON returns the entry in its JSON form.
func (e AuditEntry) ToJSON() AuditEntryJSON {
	return AuditEntryJSON{e.Seq, e.At.UTC(), e.ActorKind, e.ActorID, e.ActorName, e.Via, e.From, e.Action,
		e.Permission, e.Target, e.Outcome, e.Detail, e.Before, e.After, e.ApprovalID, e.PrevHash, e.Hash}
}

// ExportAudit writes the entries q selects (every page of them) to w, and records the export.
func (s *Service) ExportAudit(ctx context.Context, a Actor, q AuditQuery, format ExportFormat, w io.Writer) (int64, error) {
	if format != ExportCSV && format != ExportJSON {
		return 0, core.Errorf(core.CodeInvalid, ReasonInvalidAudit, "format %q: csv or json", format).OnField("format")
	}
	n, err := read(ctx, s, a, PermAuditRead, ActionAuditExport, func(ctx context.Context) (int64, error) {
		q, err := checkAuditQuery(q)
		if err != nil {
			return 0, err
		}
		cw := csv.NewWriter(w)
		enc := json.NewEncoder(w)
		if format == ExportCSV {
			if err := cw.Write(auditColumns); err != nil {
				return 0, err
			}
		}
		var n int64
		for {
			page, err := s.store.AuditEntries(ctx, q)
			if err != nil {
				return n, err
			}
			for _, e := range page {
				if format == ExportJSON {
					err = enc.Encode(e.ToJSON())
				} else {
					err = cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), string(e.ActorKind),
						strconv.FormatInt(e.ActorID, 10), e.ActorName, e.Via, e.From, string(e.Action), string(e.Permission),
						e.Target, string(e.Outcome), e.Detail, string(e.Before), string(e.After),
						strconv.FormatInt(e.ApprovalID, 10), e.PrevHash, e.Hash})
				}
				if err != nil {
					return n, err
				}
				n++
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
			if len(page) < q.Limit {
				return n, nil
			}
			q.AfterSeq = page[len(page)-1].Seq
		}
	})
	if err != nil {
		return n, err
	}
	return n, s.record(ctx, a, PermAuditRead, ActionAuditExport, Change{Detail: strconv.FormatInt(n, 10) + " entries as " + string(format)})
}
