package core_test

import (
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestReverse gives the agent back what the vend took, restores the meter's arrears and monthly
// totals, books the reverse entries and marks the vend reversed; a second reversal, another
// agent's and one past the window are refused.
func TestReverse(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, func(_ *core.Meter, arrears *core.Money) { *arrears = 10000 })
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)
	counters, err := w.Store.Counters(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := mustVend(t, s, req(w, m.Number, "k1", 11500))
	if v.Breakdown.Debt != 2875 {
		t.Fatalf("debt recovered: got %d, want 2875 (25 %% of 11500)", v.Breakdown.Debt)
	}

	_, err = s.Reverse(bg, core.ReversalRequest{VendID: v.ID, AgentID: w.Agent.ID + 1000, Reason: "test"})
	wantReason(t, err, core.CodeNotFound, "vend_not_found")
	_, err = s.Reverse(bg, core.ReversalRequest{VendID: v.ID + 1000, AgentID: 0, Reason: "test"})
	wantReason(t, err, core.CodeNotFound, "vend_not_found")

	w.Advance(time.Minute)
	r, err := s.Reverse(bg, core.ReversalRequest{VendID: v.ID, AgentID: w.Agent.ID, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != core.VendReversed || !r.ReversedAt.Equal(w.Now()) {
		t.Fatalf("got status %s reversed at %s, want reversed at %s", r.Status, r.ReversedAt, w.Now())
	}
	if got := w.Balance(t, w.Agent.ID); got != before {
		t.Fatalf("float after the reversal: got %d, want %d", got, before)
	}
	after, err := w.Store.Counters(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Arrears != counters.Arrears || after.MonthEnergy != 0 || after.LastTID != v.Tokens[0].TID {
		t.Fatalf("counters after the reversal: got %+v, want the arrears back, no energy this month, the TID kept", after)
	}
	checkLedger(t, w, w.Agent)
	if lines := r.Receipt(); lines[len(lines)-1] != "REVERSED: payment returned" {
		t.Fatalf("receipt of a reversed vend ends %q", lines[len(lines)-1])
	}

	_, err = s.Reverse(bg, core.ReversalRequest{VendID: v.ID, AgentID: 0, Reason: "test"})
	wantReason(t, err, core.CodeConflict, "already_reversed")

	old := mustVend(t, s, req(w, m.Number, "k2", 11500))
	w.Advance(24*time.Hour + time.Second)
	_, err = s.Reverse(bg, core.ReversalRequest{VendID: old.ID, AgentID: w.Agent.ID, Reason: "test"})
	wantReason(t, err, core.CodeConflict, "reversal_window_passed") // an operator may: TestReversalWindow in store

	w.Store.SetFault(failing(errDown, "Vend"))
	_, err = s.Reverse(bg, core.ReversalRequest{VendID: old.ID, AgentID: 0, Reason: "test"})
	wantReason(t, err, core.CodeUnavailable, "unavailable")
	w.Store.SetFault(failing(errDown, "Utility"))
	_, err = s.Reverse(bg, core.ReversalRequest{VendID: old.ID, AgentID: 0, Reason: "test"})
	wantReason(t, err, core.CodeUnavailable, "unavailable")
	w.Store.SetFault(nil)
}

// TestReverseWindowedOperator: an operator's reversal asked with Windowed keeps to the window as
// an agent's does (the back office then asks a second operator); without it, it does not, and
// the vend records the operator's name.
func TestReverseWindowedOperator(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	v := mustVend(t, s, req(w, m.Number, "k1", 11500))
	w.Advance(24*time.Hour + time.Second)
	_, err := s.Reverse(bg, core.ReversalRequest{VendID: v.ID, Reason: "test", Windowed: true, Operator: "sup"})
	wantReason(t, err, core.CodeConflict, "reversal_window_passed")
	r, err := s.Reverse(bg, core.ReversalRequest{VendID: v.ID, Reason: "test", Operator: "sup"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != core.VendReversed || r.ReversedBy != "operator sup" {
		t.Fatalf("got status %s by %q, want reversed by operator sup", r.Status, r.ReversedBy)
	}
}

// TestReverseRace reverses one vend twice at once, both past core's status check before either
// reverses (a switch's 0420 and its 0421 repeat): one reverses, the other gets already_reversed,
// nothing panics, and the float comes back once.
func TestReverseRace(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)
	v := mustVend(t, s, req(w, m.Number, "k1", 11500))

	s.Vends = newBarrier(w.Store, 2)
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i := range errs {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("reversal %d panicked: %v", i, p)
				}
			}()
			_, errs[i] = s.Reverse(bg, core.ReversalRequest{VendID: v.ID, AgentID: w.Agent.ID, Reason: "test"})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		wantReason(t, err, core.CodeConflict, "already_reversed")
	}
	if won != 1 {
		t.Fatalf("%d reversals succeeded (%v), want 1", won, errs)
	}
	if got := w.Balance(t, w.Agent.ID); got != before {
		t.Fatalf("float: got %d, want %d (given back once)", got, before)
	}
	checkLedger(t, w, w.Agent)
}

// TestReverseByKey acts on reversal advices: the vend of the key is reversed, a repeated advice
// changes nothing, an advice for a key never seen voids it so that the original is refused, and
// an advice for another request under the key is a conflict.
func TestReverseByKey(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)

	t.Run("Reversed", func(t *testing.T) {
		v := mustVend(t, s, req(w, m.Number, "a1", 11500))
		r, err := s.ReverseByKey(bg, req(w, m.Number, "a1", 11500))
		if err != nil || r.Outcome != core.ReversalDone || r.Vend.ID != v.ID || r.Vend.Status != core.VendReversed {
			t.Fatalf("got %+v, %v; want vend %d reversed", r, err, v.ID)
		}
		if got := w.Balance(t, w.Agent.ID); got != before {
			t.Fatalf("float: got %d, want %d", got, before)
		}
		r, err = s.ReverseByKey(bg, req(w, m.Number, "a1", 11500))
		if err != nil || r.Outcome != core.ReversalRepeated {
			t.Fatalf("repeated advice: got %+v, %v; want already_reversed", r, err)
		}
		_, err = s.ReverseByKey(bg, req(w, m.Number, "a1", 9900))
		wantReason(t, err, core.CodeConflict, "idempotency_key_reused")
	})
	t.Run("Voided", func(t *testing.T) {
		r, err := s.ReverseByKey(bg, req(w, m.Number, "a2", 11500))
		if err != nil || r.Outcome != core.ReversalVoided || r.Vend == nil || r.Vend.Status != core.VendVoided {
			t.Fatalf("got %+v, %v; want the key voided", r, err)
		}
		_, err = s.Vend(bg, req(w, m.Number, "a2", 11500))
		wantReason(t, err, core.CodeConflict, "reversed_before_vend")
		r, err = s.ReverseByKey(bg, req(w, m.Number, "a2", 11500))
		if err != nil || r.Outcome != core.ReversalRepeated {
			t.Fatalf("advice after the void: got %+v, %v; want already_reversed", r, err)
		}
		if got := w.Balance(t, w.Agent.ID); got != before {
			t.Fatalf("float: got %d, want %d: a void moves no money", got, before)
		}
		vs, err := w.Store.VendsByMeter(bg, m.Number, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Status == core.VendVoided {
				t.Fatalf("the meter's vends list the void %+v", v)
			}
		}
	})
	t.Run("UnknownMeter", func(t *testing.T) {
		r, err := s.ReverseByKey(bg, req(w, memstore.MeterNumber(t, 999), "a3", 11500))
		if err != nil || r.Outcome != core.ReversalVoided || r.Vend != nil {
			t.Fatalf("got %+v, %v; want voided without a record", r, err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		_, err := s.ReverseByKey(bg, req(w, m.Number, "", 11500))
		wantReason(t, err, core.CodeInvalid, "invalid_idempotency_key")
	})
	t.Run("PastWindow", func(t *testing.T) {
		mustVend(t, s, req(w, m.Number, "a4", 11500))
		w.Advance(25 * time.Hour)
		_, err := s.ReverseByKey(bg, req(w, m.Number, "a4", 11500))
		wantReason(t, err, core.CodeConflict, "reversal_window_passed")
	})
	t.Run("StoreDown", func(t *testing.T) {
		w.Store.SetFault(failing(errDown, "VendByKey"))
		_, err := s.ReverseByKey(bg, req(w, m.Number, "a5", 11500))
		wantReason(t, err, core.CodeUnavailable, "unavailable")
		w.Store.SetFault(failing(errDown, "MeterByNumber"))
		_, err = s.ReverseByKey(bg, req(w, m.Number, "a5", 11500))
		wantReason(t, err, core.CodeUnavailable, "unavailable")
		w.Store.SetFault(failing(errDown, "InVendTx"))
		_, err = s.ReverseByKey(bg, req(w, m.Number, "a5", 11500))
		wantReason(t, err, core.CodeUnavailable, "unavailable")
		w.Store.SetFault(nil)
		s := w.Vendor(func(v *core.Vendor) { v.Random = emptyReader{} })
		_, err = s.ReverseByKey(bg, req(w, m.Number, "a5", 11500))
		wantReason(t, err, core.CodeInternal, "internal")
	})
}

// TestReverseByKeyRace sends a reversal advice and its repeat at once for a vend: one reverses,
// the other answers already reversed, and the float comes back once.
func TestReverseByKeyRace(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)
	mustVend(t, s, req(w, m.Number, "k1", 11500))
	var (
		wg       sync.WaitGroup
		outcomes [2]core.ReversalOutcome
		errs     [2]error
	)
	for i := range outcomes {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("advice %d panicked: %v", i, p)
				}
			}()
			r, err := s.ReverseByKey(bg, req(w, m.Number, "k1", 11500))
			outcomes[i], errs[i] = r.Outcome, err
		})
	}
	wg.Wait()
	done := 0
	for i := range outcomes {
		if errs[i] != nil {
			t.Fatalf("advice %d: %v", i, errs[i])
		}
		if outcomes[i] == core.ReversalDone {
			done++
		} else if outcomes[i] != core.ReversalRepeated {
			t.Fatalf("advice %d: outcome %s", i, outcomes[i])
		}
	}
	if done != 1 {
		t.Fatalf("outcomes %v, want one reversed and one already_reversed", outcomes)
	}
	if got := w.Balance(t, w.Agent.ID); got != before {
		t.Fatalf("float: got %d, want %d", got, before)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, errEmpty }
