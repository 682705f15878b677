package core_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestTransferCredit: a credit transfer is a credit token of the meter's kind with the next TID,
// the counter written, carrying the energy asked (rounded up to the next amount a token carries
// above 1638.3 units); a blocked meter and a nil credit are refused before anything is encoded.
func TestTransferCredit(t *testing.T) {
	pan, err := sts.NewPAN(sts.IIN, "01000000016")
	if err != nil {
		t.Fatal(err)
	}
	m := core.Meter{ID: 7, Number: "01000000016", Kind: core.Water, Status: core.MeterActive,
		Key: core.MeterKey{PAN: pan, SGC: 123456, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07,
			BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}}
	at := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
	minute, _ := sts.BaseDate2014.TIDAt(at)
	block, err := sts.NewCipher(sts.EA07, []byte("8bytekey"))
	if err != nil {
		t.Fatal(err)
	}
	store := &engStore{state: core.MeterState{Meter: m, Counters: core.MeterCounters{TIDKey: "2014", LastTID: minute}}}
	iss := &blockIssuer{block: block}
	e := &core.Engineer{Meters: store, Store: store, Issuer: iss, Clock: func() time.Time { return at }, Random: rand.Reader}
	ctx := context.Background()

	for _, tc := range []struct {
		name    string
		energy  core.Energy
		carried uint64
	}{{"Exact", 57_3, 57_3}, {"RoundedUp", 1638_5, 1639_4}} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := e.TransferCredit(ctx, core.CreditTransfer{MeterID: m.ID, UtilityID: 3, Energy: tc.energy, Reason: "exchange", Actor: "operator:1 a"})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Kind != sts.KindWater || tok.Value != tc.carried || tok.TID <= minute || store.wrote[len(store.wrote)-1].LastTID != tok.TID || tok.UtilityID != 3 {
				t.Fatalf("token %+v, counters %+v; want a water credit token of %d with the next TID written", tok, store.wrote[len(store.wrote)-1], tc.carried)
			}
			p, err := sts.Decode(tok.Token, block)
			if tr, ok := p.(sts.Transfer); err != nil || !ok || tr.K != sts.KindWater || tr.TID != tok.TID || sts.DecodeAmount(tr.Value) != tc.carried {
				t.Fatalf("the token decodes to %+v (%v)", p, err)
			}
		})
	}
	calls := iss.calls
	_, err = e.TransferCredit(ctx, core.CreditTransfer{MeterID: m.ID, Energy: 0, Reason: "x", Actor: "operator:1 a"})
	if core.AsError(err).Field != "energy" {
		t.Errorf("no credit: got %v, want invalid on energy", err)
	}
	store.state.Meter.Status = core.MeterBlocked
	_, err = e.TransferCredit(ctx, core.CreditTransfer{MeterID: m.ID, Energy: 10, Reason: "x", Actor: "operator:1 a"})
	if core.AsError(err).Reason != core.ReasonMeterBlocked || iss.calls != calls {
		t.Errorf("blocked meter: got %v after %d issuer calls, want meter_blocked and none", err, iss.calls-calls)
	}
}
