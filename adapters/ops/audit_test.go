package ops_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
)

// auditPage is GET /ops/v1/audit's answer.
type auditPage struct {
	Items     []backoffice.AuditEntryJSON `json:"items"`
	NextAfter *int64                      `json:"next_after"`
}

// TestAuditPages reads the whole trail in pages of two, each following the cursor, and checks
// the filters.
func TestAuditPages(t *testing.T) {
	e := newEnv(t)
	e.newOperator(t, "ayanda", backoffice.RoleCashier)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)

	var all []backoffice.AuditEntryJSON
	path := "/ops/v1/audit?limit=2"
	for range 100 {
		a := c.do(t, http.MethodGet, path, nil)
		var p auditPage
		a.decode(t, &p)
		if a.status != http.StatusOK || len(p.Items) > 2 {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
		all = append(all, p.Items...)
		if p.NextAfter == nil {
			break
		}
		path = "/ops/v1/audit?limit=2&after=" + strconv.FormatInt(*p.NextAfter, 10)
	}
	if len(all) < 5 {
		t.Fatalf("%d entries: bootstrap, sign-ins and the new operator make more", len(all))
	}
	for i, en := range all {
		if en.Seq != int64(i+1) || en.Hash == "" {
			t.Fatalf("entry %d has seq %d hash %q: pages skipped or repeated entries", i, en.Seq, en.Hash)
		}
	}

	var created auditPage
	c.do(t, http.MethodGet, "/ops/v1/audit?action=operator.create&actor=admin", nil).decode(t, &created)
	if len(created.Items) != 1 || created.Items[0].Action != backoffice.ActionOperatorCreate || !strings.Contains(string(created.Items[0].After), `"ayanda"`) {
		t.Errorf("filtered: %+v", created.Items)
	}
	for _, bad := range []struct{ query, field, reason string }{
		{"limit=0", "limit", "invalid_parameter"}, {"limit=1001", "limit", "invalid_parameter"},
		{"after=-1", "after", "invalid_parameter"}, {"after=x", "after", "invalid_parameter"},
		{"from=yesterday", "from", "invalid_parameter"},
		{"from=2026-12-04T00:00:00Z&to=2026-12-03T00:00:00Z", "from", string(backoffice.ReasonInvalidAudit)},
	} {
		p := c.do(t, http.MethodGet, "/ops/v1/audit?"+bad.query, nil).wantProblem(t, http.StatusBadRequest, bad.reason)
		if p["field"] != bad.field || p["code"] != "invalid" {
			t.Errorf("?%s: field %v code %v, want %s invalid", bad.query, p["field"], p["code"], bad.field)
		}
	}
}

// TestAuditVerify: an intact chain is reported with its head.
func TestAuditVerify(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)
	var v struct {
		Intact  bool  `json:"intact"`
		Entries int64 `json:"entries"`
		Head    struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		} `json:"head"`
		Break any `json:"break"`
	}
	a := c.do(t, http.MethodGet, "/ops/v1/audit/verify", nil)
	a.decode(t, &v)
	if a.status != http.StatusOK || !v.Intact || v.Entries == 0 || v.Entries != v.Head.Seq || v.Head.Hash == "" || v.Break != nil {
		t.Errorf("verify: %d %s", a.status, a.body)
	}
}

// TestAuditExport streams the trail as CSV and as JSON lines, every entry once.
func TestAuditExport(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.bearer = e.token(t, e.bo.Admin)
	var trail auditPage
	c.do(t, http.MethodGet, "/ops/v1/audit", nil).decode(t, &trail)
	n := len(trail.Items)

	a := c.do(t, http.MethodGet, "/ops/v1/audit/export?format=csv", nil)
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %q %q", a.status, a.header.Get("Content-Type"), a.header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(a.body))).ReadAll()
	if err != nil || len(rows) != n+1 || rows[0][0] != "seq" {
		t.Fatalf("csv: %d rows (want %d and a header), %v", len(rows), n, err)
	}

	a = c.do(t, http.MethodGet, "/ops/v1/audit/export?format=json&actor=admin", nil)
	lines := strings.Split(strings.TrimSpace(string(a.body)), "\n")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("json: %d %q", a.status, a.header.Get("Content-Type"))
	}
	for _, l := range lines {
		var en backoffice.AuditEntryJSON
		if err := json.Unmarshal([]byte(l), &en); err != nil || en.ActorName != "admin" {
			t.Errorf("line %q: %v", l, err)
		}
	}

	a = c.do(t, http.MethodGet, "/ops/v1/audit/export?format=xml", nil)
	if p := a.wantProblem(t, http.StatusBadRequest, "invalid_parameter"); p["field"] != "format" {
		t.Errorf("field %v", p["field"])
	}
	if a.header.Get("Content-Disposition") != "" {
		t.Error("a refused export still says attachment")
	}
}
