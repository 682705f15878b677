package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// meterCSV is a manufacturer's CSV of meters of supply group 123456 KRN 1 with the given serials
// (f.seq is moved past them, so that newMeter does not take their numbers).
func (f *fixture) meterCSV(t *testing.T, n int) (string, []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("number,kind,sgc,krn,ti,kt,ea,base-date,ken\n")
	var numbers []string
	for range n {
		f.seq++
		number := meterNumber(t, f.seq)
		numbers = append(numbers, number)
		fmt.Fprintf(&b, "%s,electricity,123456,1,01,2,07,2014,255\n", number)
	}
	return b.String(), numbers
}

// inventory is a seeded database with a back office over it.
type inventory struct {
	*fixture
	bo *testkit.BackOffice
}

func newInventory(t *testing.T, db *store.DB) inventory {
	t.Helper()
	return inventory{fixture: seed(t, db), bo: testkit.NewBackOffice(t, db)}
}

func (iv inventory) batch(ref string) backoffice.BatchInfo {
	return backoffice.BatchInfo{UtilityID: iv.utility.ID, Reference: ref, Manufacturer: "Hexing"}
}

// receive imports n meters into the store and returns their numbers.
func (iv inventory) receive(t *testing.T, ref string, n int) []string {
	t.Helper()
	csv, numbers := iv.meterCSV(t, n)
	_, err := iv.bo.Svc.ImportMeters(context.Background(), iv.bo.Admin, iv.batch(ref), strings.NewReader(csv), false, nil)
	must(t, err)
	return numbers
}

func auditSeq(t *testing.T, db *store.DB) int64 {
	t.Helper()
	h, err := db.AuditHead(context.Background())
	must(t, err)
	return h.Seq
}

// lastAudit returns the newest audit entry.
func lastAudit(t *testing.T, db *store.DB) backoffice.AuditEntry {
	t.Helper()
	seq := auditSeq(t, db)
	es, err := db.AuditEntries(context.Background(), backoffice.AuditQuery{AfterSeq: seq - 1, Limit: 1})
	must(t, err)
	if len(es) != 1 {
		t.Fatalf("no audit entry %d", seq)
	}
	return es[0]
}

// wantNothingWritten checks that no meter of numbers is registered and no audit entry was added
// since seq.
func wantNothingWritten(t *testing.T, db *store.DB, seq int64, numbers []string) {
	t.Helper()
	got, err := db.RegisteredMeterNumbers(context.Background(), numbers)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("meters %v were written, want none", got)
	}
	if now := auditSeq(t, db); now != seq {
		t.Errorf("the audit trail moved from %d to %d, want nothing written", seq, now)
	}
}

func TestImportMeters(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)

		t.Run("DryRunWritesNothing", func(t *testing.T) {
			csv, numbers := iv.meterCSV(t, 5)
			seq := auditSeq(t, db)
			var last, total int
			res, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("DRY-1"), strings.NewReader(csv), true, func(done, n int) { last, total = done, n })
			must(t, err)
			if !res.DryRun || res.Batch.ID != 0 || res.Batch.Meters != 5 || res.ByKind[core.Electricity] != 5 {
				t.Errorf("dry run result %+v, want 5 electricity meters and no batch stored", res)
			}
			if last != 5 || total != 5 {
				t.Errorf("progress ended at %d of %d, want 5 of 5", last, total)
			}
			wantNothingWritten(t, db, seq, numbers)
		})

		t.Run("OK", func(t *testing.T) {
			csv, numbers := iv.meterCSV(t, 3)
			seq := auditSeq(t, db)
			var last int
			res, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("HX-2026-001"), strings.NewReader(csv), false, func(done, _ int) { last = done })
			must(t, err)
			if res.Batch.ID == 0 || res.Batch.Meters != 3 || res.DryRun || last != 3 {
				t.Fatalf("result %+v (progress %d), want a stored batch of 3", res, last)
			}
			stock, err := iv.bo.Svc.StockMeters(ctx, iv.bo.Admin, backoffice.StockQuery{BatchID: res.Batch.ID})
			must(t, err)
			if len(stock) != 3 {
				t.Fatalf("%d meters in the batch, want 3", len(stock))
			}
			for i, m := range stock {
				if m.Number != numbers[i] || m.State != backoffice.StockInStore || m.ContractID != 0 || m.CustomerID != 0 || m.Status != core.MeterActive {
					t.Errorf("meter %+v, want %s in the store, on no contract", m, numbers[i])
				}
			}
			moves, err := iv.bo.Svc.MeterMovements(ctx, iv.bo.Admin, numbers[0])
			must(t, err)
			if len(moves) != 1 || moves[0].From != "" || moves[0].To != backoffice.StockInStore || moves[0].Actor != "admin" || moves[0].BatchID != res.Batch.ID {
				t.Errorf("movements %+v, want one receiving it into the store by admin", moves)
			}
			if got := auditSeq(t, db); got != seq+1 {
				t.Fatalf("%d audit entries for the import, want 1 for the batch", got-seq)
			}
			e := lastAudit(t, db)
			if e.Action != backoffice.ActionMeterImport || e.Outcome != backoffice.OutcomeDone || e.Detail != "received 3 meters" ||
				!strings.Contains(string(e.After), `"meters":3`) {
				t.Errorf("audit entry %+v (after %s), want the batch's counts", e, e.After)
			}

			batches, err := iv.bo.Svc.MeterBatches(ctx, iv.bo.Admin, backoffice.BatchQuery{UtilityID: iv.utility.ID})
			must(t, err)
			if len(batches) != 1 || batches[0].ID != res.Batch.ID || batches[0].Meters != 3 || batches[0].Reference != "HX-2026-001" ||
				batches[0].ReceivedBy != "admin" || !batches[0].ReceivedAt.Equal(res.Batch.ReceivedAt) {
				t.Errorf("batches %+v, want the one imported (%+v)", batches, res.Batch)
			}

			_, err = iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("HX-2026-001"), strings.NewReader(strings.SplitN(csv, "\n", 2)[0]+"\n"+meterNumberRow(t, iv.fixture)), false, nil)
			wantCode(t, err, core.CodeDuplicate, backoffice.ReasonDuplicateBatch)
		})

		t.Run("BadRowNamedNothingWritten", func(t *testing.T) {
			csv, numbers := iv.meterCSV(t, 4)
			lines := strings.Split(csv, "\n")
			lines[3] = strings.Replace(lines[3], ",123456,", ",12345,", 1) // row 4 of the file
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("BAD-1"), strings.NewReader(strings.Join(lines, "\n")), false, nil)
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidMeterRow)
			if !strings.Contains(err.Error(), `row 4, column sgc: "12345" is not 6 digits`) {
				t.Errorf("got %q, want row 4 and column sgc named", err)
			}
			wantNothingWritten(t, db, seq, numbers)
		})

		t.Run("RegisteredNumberNamed", func(t *testing.T) {
			taken := iv.newMeter(t, 0)
			csv, numbers := iv.meterCSV(t, 2)
			csv += taken.Number + ",electricity,123456,1,01,2,07,2014,255\n"
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("BAD-2"), strings.NewReader(csv), false, nil)
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidMeterRow)
			if want := "row 4, column number: meter " + taken.Number + " is registered already"; !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want %q", err, want)
			}
			wantNothingWritten(t, db, seq, numbers)
		})

		t.Run("NumberTwiceNamed", func(t *testing.T) {
			csv, numbers := iv.meterCSV(t, 3)
			lines := strings.Split(csv, "\n")
			csv += lines[1] + "\n"
			_, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("BAD-4"), strings.NewReader(csv), true, nil)
			if want := "row 5, column number: meter " + numbers[0] + " is on row 2 too"; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want %q", err, want)
			}
		})

		t.Run("UnknownSupplyGroupNamed", func(t *testing.T) {
			csv, numbers := iv.meterCSV(t, 2)
			csv = strings.Replace(csv, ",123456,1,", ",654321,1,", 1)
			_, err := iv.bo.Svc.ImportMeters(ctx, iv.bo.Admin, iv.batch("BAD-3"), strings.NewReader(csv), true, nil)
			if err == nil || !strings.Contains(err.Error(), "row 2, column sgc: no supply group of utility") {
				t.Errorf("got %v, want row 2's supply group named", err)
			}
			wantNothingWritten(t, db, auditSeq(t, db), numbers)
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			cashier := iv.bo.Operator(t, "cashier", backoffice.RoleCashier)
			csv, numbers := iv.meterCSV(t, 2)
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.ImportMeters(ctx, cashier, iv.batch("C-1"), strings.NewReader(csv), false, nil)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			wantDenied(t, db, seq, "cashier", backoffice.ActionMeterImport)
			got, err := db.RegisteredMeterNumbers(ctx, numbers)
			must(t, err)
			if len(got) != 0 {
				t.Errorf("meters %v were written by a refused import", got)
			}
		})
	})
}

// meterNumberRow is one more CSV row of a fresh meter.
func meterNumberRow(t *testing.T, f *fixture) string {
	t.Helper()
	f.seq++
	return meterNumber(t, f.seq) + ",electricity,123456,1,01,2,07,2014,255\n"
}

// wantDenied checks that exactly one audit entry was added since seq: the actor's refused action.
func wantDenied(t *testing.T, db *store.DB, seq int64, actor string, action backoffice.Action) {
	t.Helper()
	if got := auditSeq(t, db); got != seq+1 {
		t.Fatalf("%d audit entries for a refusal, want 1", got-seq)
	}
	if e := lastAudit(t, db); e.Outcome != backoffice.OutcomeDenied || e.ActorName != actor || e.Action != action {
		t.Errorf("audit entry %+v, want %s's %s denied", e, actor, action)
	}
}

func TestStockMoves(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		move := func(to backoffice.StockState, technician string) (backoffice.MeterStock, error) {
			return iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: number, To: to, Reason: "field work", Technician: technician})
		}

		m, err := move(backoffice.StockIssued, "Sipho Dlamini")
		must(t, err)
		if m.State != backoffice.StockIssued || m.Technician != "Sipho Dlamini" {
			t.Errorf("after issuing: %+v, want issued to Sipho Dlamini", m)
		}
		if e := lastAudit(t, db); e.Action != backoffice.ActionMeterMove || !strings.Contains(string(e.Before), `"state":"in_store"`) ||
			!strings.Contains(string(e.After), `"state":"issued"`) {
			t.Errorf("audit entry %+v: before %s after %s, want in_store then issued", e, e.Before, e.After)
		}
		for _, to := range []backoffice.StockState{backoffice.StockInStore, backoffice.StockFaulty, backoffice.StockScrapped} {
			m, err := move(to, "")
			must(t, err)
			if m.State != to || m.Technician != "" {
				t.Errorf("after moving to %s: %+v", to, m)
			}
		}
		moves, err := iv.bo.Svc.MeterMovements(ctx, iv.bo.Admin, number)
		must(t, err)
		var path []string
		for _, mv := range moves {
			path = append(path, string(mv.From)+">"+string(mv.To))
		}
		if got, want := strings.Join(path, " "), ">in_store in_store>issued issued>in_store in_store>faulty faulty>scrapped"; got != want {
			t.Errorf("movements %s, want %s", got, want)
		}
		if moves[1].Technician != "Sipho Dlamini" || moves[1].Actor != "admin" || moves[1].Reason != "field work" || moves[1].At.IsZero() {
			t.Errorf("the issuing move %+v, want who, when, why and the technician", moves[1])
		}

		t.Run("ErrScrappedIsFinal", func(t *testing.T) {
			_, err := move(backoffice.StockInStore, "")
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonStockMoveRefused)
			if !strings.Contains(err.Error(), "from scrapped to in_store") {
				t.Errorf("got %q, want both states named", err)
			}
		})
		other := iv.receive(t, "B-2", 1)[0]
		t.Run("ErrInstallOnlyByContract", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: other, To: backoffice.StockInstalled, Reason: "x"})
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonStockMoveRefused)
		})
		t.Run("ErrIssuedNeedsTechnician", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: other, To: backoffice.StockIssued, Reason: "x"})
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidStockMove)
		})
		t.Run("ErrUnknownState", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: other, To: "lost", Reason: "x"})
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidStockState)
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			cashier := iv.bo.Operator(t, "cashier", backoffice.RoleCashier)
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.MoveMeter(ctx, cashier, backoffice.StockMove{MeterNumber: other, To: backoffice.StockFaulty, Reason: "x"})
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			wantDenied(t, db, seq, "cashier", backoffice.ActionMeterMove)
			m, err := iv.bo.Svc.MeterStockOf(ctx, cashier, other)
			must(t, err)
			if m.State != backoffice.StockInStore {
				t.Errorf("a refused move left the meter %s", m.State)
			}
		})
	})
}
