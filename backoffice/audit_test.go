package backoffice_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
)

// chain builds n chained entries as the store appends them.
func chain(n int) ([]backoffice.AuditEntry, backoffice.AuditHead) {
	var out []backoffice.AuditEntry
	prev := ""
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		e := backoffice.AuditEntry{Seq: int64(i), At: at.Add(time.Duration(i) * time.Second), ActorKind: backoffice.ActorOperator,
			ActorID: 1, ActorName: "ada", Via: "session", From: "10.0.0.1", Action: "customer.update",
			Permission: backoffice.PermCustomersManage, Target: fmt.Sprintf("customer:%d", i), Outcome: backoffice.OutcomeDone,
			Before: []byte(`{"name":"a"}`), After: []byte(`{"name":"b"}`), PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out = append(out, e)
	}
	return out, backoffice.AuditHead{Seq: int64(n), Hash: prev}
}

func verify(entries []backoffice.AuditEntry, head backoffice.AuditHead) *backoffice.ChainBreak {
	var v backoffice.ChainVerifier
	for i := range entries {
		if b := v.Next(&entries[i]); b != nil {
			return b
		}
	}
	return v.End(head)
}

func TestChainVerifier(t *testing.T) {
	if b := verify(chain(5)); b != nil {
		t.Fatalf("a whole chain: %v", b)
	}
	cases := []struct {
		name    string
		tamper  func(e []backoffice.AuditEntry, h *backoffice.AuditHead) []backoffice.AuditEntry
		wantSeq int64
		want    string
	}{
		{"AlteredDetail", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			e[2].Detail = "quietly changed"
			return e
		}, 3, "altered"},
		{"AlteredAfter", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			e[1].After = []byte(`{"name":"c"}`)
			return e
		}, 2, "altered"},
		{"AlteredAndRehashed", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			e[1].ActorName = "mallory"
			e[1].Hash = e[1].ComputeHash()
			return e
		}, 3, "does not follow"},
		{"Deleted", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			return append(e[:1:1], e[2:]...)
		}, 2, "missing"},
		{"Reordered", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			e[1], e[2] = e[2], e[1]
			return e
		}, 2, "missing or moved"},
		{"TruncatedAtTheEnd", func(e []backoffice.AuditEntry, _ *backoffice.AuditHead) []backoffice.AuditEntry {
			return e[:3]
		}, 4, "removed"},
		{"TruncatedWithTheHead", func(e []backoffice.AuditEntry, h *backoffice.AuditHead) []backoffice.AuditEntry {
			h.Seq, h.Hash = 3, e[2].Hash+"0"
			return e[:3]
		}, 3, "head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, h := chain(5)
			e = c.tamper(e, &h)
			b := verify(e, h)
			if b == nil {
				t.Fatal("the tampering went unnoticed")
			}
			if b.Seq != c.wantSeq || !strings.Contains(b.Error(), c.want) {
				t.Errorf("got %q at %d, want %q at %d", b.Error(), b.Seq, c.want, c.wantSeq)
			}
		})
	}
}
