package core_test

import (
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestVendKeyChange sells to a meter with a key change pending (KRN 1 to KRN 2): the key change
// tokens come first, made under the current key, then the credit token under the new key. The
// meter in the field takes them in that order; once the change is confirmed, vends carry no key
// change tokens and the TIDs go on increasing.
func TestVendKeyChange(t *testing.T) {
	w := memstore.NewWorld(t)
	g2 := w.AddGroup(t, w.Utility.ID, w.Group.SGC, 2)
	m := w.AddMeter(t, w.Site, nil)
	next := m.Key
	next.KRN = 2
	if err := w.Store.SetPendingKeyChange(bg, m.ID, &next, false); err != nil {
		t.Fatal(err)
	}
	next.PAN = m.Key.PAN
	s := w.Vendor()
	vm := memstore.VirtualMeter(t, m.Key)

	v := mustVend(t, s, req(w, m.Number, "k1", 11500))
	want := []core.TokenPurpose{core.PurposeKeyChange, core.PurposeKeyChange, core.PurposeCredit}
	if len(v.Tokens) != len(want) {
		t.Fatalf("got %d tokens, want %d (two key change tokens, then credit)", len(v.Tokens), len(want))
	}
	for i, tk := range v.Tokens {
		if tk.Purpose != want[i] {
			t.Fatalf("token %d: purpose %s, want %s", i, tk.Purpose, want[i])
		}
	}
	if v.Tokens[0].Kind != sts.KindKeyChange1 || v.Tokens[1].Kind != sts.KindKeyChange2 || v.Tokens[0].TID != 0 {
		t.Fatalf("key change tokens: got %+v, want KCT1 and KCT2 without TIDs", v.Tokens[:2])
	}
	if r := vm.EnterToken(v.Tokens[0].Token); r.Code != meter.KeyChangePending {
		t.Fatalf("KCT1: the meter says %s, want key_change_pending", r)
	}
	if r := vm.EnterToken(v.Tokens[1].Token); r.Code != meter.Accepted {
		t.Fatalf("KCT2: the meter says %s, want accepted", r)
	}
	if got := vm.Key().KRN; got != 2 {
		t.Fatalf("the meter's KRN after the key change: got %d, want 2", got)
	}
	if r := vm.EnterToken(v.Tokens[2].Token); r.Code != meter.Accepted || r.Added != 400 {
		t.Fatalf("credit under the new key: the meter says %s, want accepted +40.0", r)
	}
	// The credit token does not open under the old key.
	if r := memstore.VirtualMeter(t, m.Key).EnterToken(v.Tokens[2].Token); r.Code == meter.Accepted {
		t.Fatal("the credit token was accepted under the old key")
	}

	// Until the change is confirmed every vend carries the key change tokens again.
	v2 := mustVend(t, s, req(w, m.Number, "k2", 11500))
	if len(v2.Tokens) != 3 || v2.Tokens[2].TID <= v.Tokens[2].TID {
		t.Fatalf("second vend before confirmation: %d tokens, TID %d after %d", len(v2.Tokens), v2.Tokens[2].TID, v.Tokens[2].TID)
	}
	if r := vm.EnterToken(v2.Tokens[2].Token); r.Code != meter.Accepted {
		t.Fatalf("second credit: the meter says %s", r)
	}

	if err := w.Store.ConfirmKeyChange(bg, m.ID); err != nil {
		t.Fatal(err)
	}
	view, err := w.Store.MeterByNumber(bg, m.Number)
	if err != nil {
		t.Fatal(err)
	}
	if view.Meter.PendingKey != nil || view.Meter.Key != next || view.Meter.SupplyGroupID != g2.ID {
		t.Fatalf("after confirmation: key %+v pending %v group %d, want key %+v, none pending, group %d", view.Meter.Key, view.Meter.PendingKey, view.Meter.SupplyGroupID, next, g2.ID)
	}
	v3 := mustVend(t, s, req(w, m.Number, "k3", 11500))
	if len(v3.Tokens) != 1 || v3.Tokens[0].TID <= v2.Tokens[2].TID {
		t.Fatalf("after confirmation: %+v, want one credit token with a greater TID", v3.Tokens)
	}
	if r := vm.EnterToken(v3.Tokens[0].Token); r.Code != meter.Accepted {
		t.Fatalf("credit after confirmation: the meter says %s", r)
	}
	wantReason(t, w.Store.ConfirmKeyChange(bg, m.ID), core.CodeConflict, "no_key_change_pending")
}

// TestVendKeyChangeRollover moves a meter of base date 1993, months before its TIDs run out, to
// base date 2014: the TIDs count again from the new base date.
func TestVendKeyChangeRollover(t *testing.T) {
	w := memstore.NewWorld(t)
	w.Advance(-300 * 24 * time.Hour) // May 2024
	w.AddGroup(t, w.Utility.ID, w.Group.SGC, 2)
	m := w.AddMeter(t, w.Site, func(m *core.Meter, _ *core.Money) { m.Key.BaseDate = sts.BaseDate1993 })
	mustVend(t, w.Vendor(), req(w, m.Number, "k0", 11500))
	next := m.Key
	next.KRN, next.BaseDate = 2, sts.BaseDate2014
	if err := w.Store.SetPendingKeyChange(bg, m.ID, &next, true); err != nil {
		t.Fatal(err)
	}
	v := mustVend(t, w.Vendor(), req(w, m.Number, "k1", 11500))
	c, err := w.Store.Counters(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sts.BaseDate2014.TIDAt(w.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.TIDKey != "2014" || v.Tokens[len(v.Tokens)-1].TID != want {
		t.Fatalf("counters %+v, credit TID %d; want TIDs from base date 2014 (%d)", c, v.Tokens[len(v.Tokens)-1].TID, want)
	}
}
