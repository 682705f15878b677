package backoffice

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Action names an operator use case in the audit trail: "object.verb", e.g. "customer.create".
type Action string

// Outcome is how an audited action ended.
type Outcome string

// Outcomes.
const (
	OutcomeDone      Outcome = "done"      // the change was made
	OutcomeDenied    Outcome = "denied"    // the actor lacked the permission; nothing changed
	OutcomeRequested Outcome = "requested" // the policy asks for a second operator: an approval request waits
	OutcomeApproved  Outcome = "approved"  // a second operator approved a request, which ran
	OutcomeRejected  Outcome = "rejected"  // a second operator turned a request down
	OutcomeExpired   Outcome = "expired"   // a request was not approved in time
	OutcomeFailed    Outcome = "failed"    // a sign-in failed (a wrong password, a locked account)
)

// AuditEntry is one entry of the audit trail: who did what, from where, to which record, with
// the record before and after (JSON, secrets left out). Entries are append-only and chained:
// Hash covers every other field and PrevHash, the Hash of the entry before, so that editing,
// deleting or reordering entries breaks the chain (VerifyChain).
type AuditEntry struct {
	Seq        int64 // 1, 2, 3 ... with no gaps
	At         time.Time
	ActorKind  ActorKind
	ActorID    int64
	ActorName  string
	Via        string
	From       string
	Action     Action
	Permission Permission
	Target     string // "customer:12"; "" when the action has no one record
	Outcome    Outcome
	Detail     string // a reason given, why it was refused, which request was approved
	Before     []byte // JSON of the record before; nil for a creation
	After      []byte // JSON of the record after; nil for a deletion
	ApprovalID int64  // the approval request the entry belongs to, 0 for none
	PrevHash   string // hex SHA-256; "" for the first entry
	Hash       string // hex SHA-256 of the fields above
}

// ComputeHash returns the hash the entry should have: SHA-256 over every field but Hash, each
// length-prefixed, with At in UTC to the microsecond.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	num := func(v int64) { field(binary.BigEndian.AppendUint64(nil, uint64(v))) }
	str := func(s string) { field([]byte(s)) }
	str("vendgate-audit-v1")
	num(e.Seq)
	str(e.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	str(string(e.ActorKind))
	num(e.ActorID)
	str(e.ActorName)
	str(e.Via)
	str(e.From)
	str(string(e.Action))
	str(string(e.Permission))
	str(e.Target)
	str(string(e.Outcome))
	str(e.Detail)
	field(e.Before)
	field(e.After)
	num(e.ApprovalID)
	str(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditHead is the newest entry's sequence number and hash, which the store keeps apart from the
// entries so that removing entries from the end is detected too.
type AuditHead struct {
	Seq  int64
	Hash string
}

// ChainBreak says where the audit chain was first found broken.
type ChainBreak struct {
	Seq    int64  // the first entry that was altered, removed or moved (or the head's Seq)
	Reason string // what was found there
}

func (b *ChainBreak) Error() string {
	return fmt.Sprintf("the audit trail is broken at entry %d: %s", b.Seq, b.Reason)
}

// ChainVerifier checks entries one at a time, in the order the store keeps them.
type ChainVerifier struct {
	seq  int64
	hash string
}

// Next checks the next entry against the one before.
func (v *ChainVerifier) Next(e *AuditEntry) *ChainBreak {
	want := v.seq + 1
	switch {
	case e.Seq != want:
		return &ChainBreak{Seq: want, Reason: fmt.Sprintf("entry %d is missing or moved (found %d in its place)", want, e.Seq)}
	case e.PrevHash != v.hash:
		return &ChainBreak{Seq: e.Seq, Reason: "it does not follow the entry before it (previous hash differs)"}
	case e.ComputeHash() != e.Hash:
		return &ChainBreak{Seq: e.Seq, Reason: "its content was altered (its hash differs)"}
	}
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}

// End checks the last entry seen against the stored head.
func (v *ChainVerifier) End(head AuditHead) *ChainBreak {
	switch {
	case head.Seq > v.seq:
		return &ChainBreak{Seq: v.seq + 1, Reason: fmt.Sprintf("entries %d to %d were removed", v.seq+1, head.Seq)}
	case head.Seq < v.seq || head.Hash != v.hash:
		return &ChainBreak{Seq: head.Seq, Reason: "the chain's head was altered"}
	}
	return nil
}

// AuditQuery selects audit entries, oldest first.
type AuditQuery struct {
	AfterSeq  int64 // page on: only entries with a larger Seq
	Limit     int   // 1 to MaxAuditPage
	ActorName string
	Action    Action
	Target    string
	From, To  time.Time
}

// MaxAuditPage bounds the entries one read returns.
const MaxAuditPage = 1000

// AuditStore keeps the audit trail.
type AuditStore interface {
	// AppendAudit appends e inside the caller's transaction: it sets e.Seq and e.PrevHash from
	// the head, e.Hash (ComputeHash), and moves the head, so that concurrent appends form one chain.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries returns the entries q selects, oldest first.
	AuditEntries(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// AuditHead returns the head; Seq 0 for an empty trail.
	AuditHead(ctx context.Context) (AuditHead, error)
}
