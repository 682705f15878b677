package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestAuditChainConcurrent: operators created at once each leave one entry, and the entries form
// one whole chain (no two took the same place).
func TestAuditChainConcurrent(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		before, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := bo.Svc.CreateOperator(ctx, bo.Admin, backoffice.NewOperator{Username: fmt.Sprintf("clerk%d", i), FullName: "Clerk", Roles: []string{backoffice.RoleCashier}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		res, err := bo.Svc.VerifyAudit(ctx, bo.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if res.Break != nil {
			t.Fatalf("the chain broke: %v", res.Break)
		}
		if got, want := res.Head.Seq, before.Seq+n; got != want || res.Entries != want {
			t.Errorf("got head %d and %d entries checked, want %d", got, res.Entries, want)
		}
	})
}

// TestAuditInTransaction: an action whose change fails leaves no entry, and an entry appended in
// a transaction that rolls back is gone with it.
func TestAuditInTransaction(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		head, _ := db.AuditHead(ctx)
		_, err := bo.Svc.CreateOperator(ctx, bo.Admin, backoffice.NewOperator{Username: "admin", FullName: "Twice", Roles: []string{backoffice.RoleCashier}})
		if core.ErrorCode(err) != core.CodeDuplicate {
			t.Fatalf("got %v, want a duplicate username", err)
		}
		boom := errors.New("boom")
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.AppendAudit(ctx, &backoffice.AuditEntry{ActorKind: backoffice.ActorSystem, Action: "test.rollback", Outcome: backoffice.OutcomeDone}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if after, _ := db.AuditHead(ctx); after != head {
			t.Errorf("the head moved from %+v to %+v", head, after)
		}
	})
}

// TestDeniedIsAuditedAndChangesNothing: a read-only operator creating an operator is refused
// with the permission named, nothing is created, and the refusal is the one new entry.
func TestDeniedIsAuditedAndChangesNothing(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bo := testkit.NewBackOffice(t, db)
		viewer := bo.Operator(t, "viewer", backoffice.RoleReadOnly)
		head, _ := db.AuditHead(ctx)
		_, err := bo.Svc.CreateOperator(ctx, viewer, backoffice.NewOperator{Username: "sneaky", FullName: "S", Roles: []string{backoffice.RoleAdministrator}})
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.CodeForbidden || !strings.Contains(ce.Message, string(backoffice.PermOperatorsManage)) {
			t.Fatalf("got %v, want forbidden naming %s", err, backoffice.PermOperatorsManage)
		}
		if _, err := db.OperatorByUsername(ctx, "sneaky"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("the refused operator exists: %v", err)
		}
		entries, err := db.AuditEntries(ctx, backoffice.AuditQuery{AfterSeq: head.Seq, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Outcome != backoffice.OutcomeDenied || entries[0].ActorName != "viewer" || entries[0].Action != backoffice.ActionOperatorCreate {
			t.Fatalf("got entries %+v, want one denied operator.create by viewer", entries)
		}
	})
}

// TestAuditVerifyFindsTampering: editing, deleting or reordering stored entries is found, at the
// first entry touched.
func TestAuditVerifyFindsTampering(t *testing.T) {
	tamper := []struct {
		name    string
		sql     []string
		wantSeq int64
	}{
		{"Edited", []string{"UPDATE audit_entries SET detail = 'nothing to see' WHERE seq = 3"}, 3},
		{"Deleted", []string{"DELETE FROM audit_entries WHERE seq = 4"}, 4},
		{"Reordered", []string{"UPDATE audit_entries SET seq = -2 WHERE seq = 2", "UPDATE audit_entries SET seq = 2 WHERE seq = 5",
			"UPDATE audit_entries SET seq = 5 WHERE seq = -2"}, 2},
		{"LastRemoved", []string{"DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)"}, 0},
	}
	for _, c := range tamper {
		t.Run(c.name, func(t *testing.T) {
			testkit.EachDB(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				bo := testkit.NewBackOffice(t, db)
				for i := range 3 {
					bo.Operator(t, fmt.Sprintf("clerk%d", i), backoffice.RoleCashier)
				}
				head, _ := db.AuditHead(ctx)
				for _, q := range c.sql {
					if err := db.Exec(ctx, q); err != nil {
						t.Fatal(err)
					}
				}
				res, err := bo.Svc.VerifyAudit(ctx, bo.Admin)
				if err != nil {
					t.Fatal(err)
				}
				want := c.wantSeq
				if want == 0 {
					want = head.Seq
				}
				if res.Break == nil || res.Break.Seq != want {
					t.Fatalf("got %v, want a break at entry %d", res.Break, want)
				}
				t.Logf("audit verify: %v", res.Break)
			})
		})
	}
}
