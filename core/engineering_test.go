package core_test

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestCheckEngineering: each kind's value rules, and which meters take a water factor; each
// refusal names the field at fault.
func TestCheckEngineering(t *testing.T) {
	pan := func(iin, drn string) sts.PAN {
		p, err := sts.NewPAN(iin, drn)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	elec := core.Meter{Number: "01000000016", Kind: core.Electricity, Key: core.MeterKey{PAN: pan(sts.IIN, "01000000016")}}
	water := elec
	water.Kind = core.Water
	legacy := elec
	legacy.Number = "0100000000008"
	legacy.Key.PAN = pan(sts.LegacyIIN, "0100000000008")
	for _, tc := range []struct {
		name  string
		m     core.Meter
		kind  sts.Kind
		value uint64
		field string // "" when the token may be issued
	}{
		{"PowerLimitSmall", elec, sts.KindPowerLimit, 16_383, ""},
		{"PowerLimitStepOf10", elec, sts.KindPowerLimit, 16_394, ""},
		{"PowerLimitBetweenSteps", elec, sts.KindPowerLimit, 16_385, "value"},
		{"PowerLimitMax", elec, sts.KindPowerLimit, sts.MaxAmount, ""},
		{"PowerLimitAboveMax", elec, sts.KindPowerLimit, sts.MaxAmount + 1, "value"},
		{"PhaseUnbalanceBetweenSteps", elec, sts.KindPhaseUnbalance, 180_225, "value"},
		{"ClearOwnRegister", elec, sts.KindClearCredit, 0, ""},
		{"ClearAllRegisters", elec, sts.KindClearCredit, core.ClearAllRegisters, ""},
		{"ClearOtherRegister", elec, sts.KindClearCredit, 1, "value"},
		{"ClearWaterRegister", water, sts.KindClearCredit, 1, ""},
		{"ClearTamper", elec, sts.KindClearTamper, 0, ""},
		{"ClearTamperWithValue", elec, sts.KindClearTamper, 1, "value"},
		{"TariffRate", elec, sts.KindTariffRate, 65_535, ""},
		{"TariffRateTooLarge", elec, sts.KindTariffRate, 65_536, "value"},
		{"WaterFactor", water, sts.KindWaterFactor, 1, ""},
		{"WaterFactorZero", water, sts.KindWaterFactor, 0, "value"},
		{"WaterFactorOnElectricity", elec, sts.KindWaterFactor, 1, "kind"},
		{"TestAllBits", elec, sts.KindTest, 1<<36 - 1, ""},
		{"TestTooWide", elec, sts.KindTest, 1 << 36, "value"},
		{"TestNothing", elec, sts.KindTest, 0, "value"},
		{"TestWideAllBits", legacy, sts.KindTest, 1<<28 - 1, ""},
		{"TestWideTooWide", legacy, sts.KindTest, 1 << 28, "value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := core.CheckEngineering(tc.m, tc.kind, tc.value)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.field != "" && (err == nil || core.AsError(err).Field != tc.field || core.ErrorCode(err) != core.CodeInvalid):
				t.Fatalf("got %v, want invalid on field %q", err, tc.field)
			}
		})
	}
	if err := core.CheckEngineering(elec, sts.KindKeyChange1, 0); core.ErrorCode(err) != core.CodeInternal {
		t.Errorf("a key change token: got %v, want an internal error (not an engineering token)", err)
	}
}

// engStore is core.EngineeringStore and core.MeterReader over one meter in memory.
type engStore struct {
	state core.MeterState
	view  core.MeterView
	added []*core.EngineeringToken
	wrote []*core.MeterCounters
}

func (s *engStore) MeterByNumber(context.Context, string) (core.MeterView, error) { return s.view, nil }

func (s *engStore) InEngineeringTx(ctx context.Context, fn func(context.Context, core.EngineeringTx) error) error {
	return fn(ctx, s)
}

func (s *engStore) LockMeter(context.Context, int64) (core.MeterState, error) { return s.state, nil }

func (s *engStore) AddEngineeringToken(_ context.Context, t *core.EngineeringToken, c *core.MeterCounters) error {
	t.ID = int64(len(s.added) + 1)
	s.added, s.wrote = append(s.added, t), append(s.wrote, c)
	if c != nil {
		s.state.Counters = *c
	}
	return nil
}

// blockIssuer encodes under one cipher and counts its calls.
type blockIssuer struct {
	block cipher.Block
	calls int
}

func (i *blockIssuer) Tokens(_ context.Context, _ core.MeterKey, ps []sts.Payload) ([]sts.Token, error) {
	i.calls++
	out := make([]sts.Token, len(ps))
	for n, p := range ps {
		t, err := sts.Encode(p, i.block)
		if err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

func (i *blockIssuer) KeyChange(context.Context, core.MeterKey, core.MeterKey, bool) ([]sts.Token, error) {
	return nil, errors.New("not used")
}

// TestEngineerIssue: a management token takes the meter's next TID and writes the counter, and
// decodes to what was asked; a test token is not encrypted, takes no TID and writes no counter;
// a pending key change refuses a management token before anything is encoded or written.
func TestEngineerIssue(t *testing.T) {
	pan, err := sts.NewPAN(sts.IIN, "01000000016")
	if err != nil {
		t.Fatal(err)
	}
	m := core.Meter{ID: 7, Number: "01000000016", Kind: core.Electricity, Status: core.MeterActive,
		Key: core.MeterKey{PAN: pan, SGC: 123456, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07,
			BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}}
	at := time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)
	minute, _ := sts.BaseDate2014.TIDAt(at)
	block, err := sts.NewCipher(sts.EA07, []byte("8bytekey"))
	if err != nil {
		t.Fatal(err)
	}
	store := &engStore{view: core.MeterView{Meter: m, Utility: core.Utility{ID: 3}},
		state: core.MeterState{Meter: m, Counters: core.MeterCounters{TIDKey: "2014", LastTID: minute}}}
	iss := &blockIssuer{block: block}
	e := &core.Engineer{Meters: store, Store: store, Issuer: iss, Clock: func() time.Time { return at }, Random: rand.Reader}
	ctx := context.Background()

	tok, err := e.Issue(ctx, core.EngineeringRequest{MeterNumber: m.Number, Kind: sts.KindPowerLimit, Value: 5000, Reason: "r", Actor: "operator:1 a"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.TID != minute+1 || store.wrote[0] == nil || store.wrote[0].LastTID != minute+1 || tok.UtilityID != 3 {
		t.Fatalf("power limit: TID %d, counters %+v; want TID %d (the minute is used) written to the counter", tok.TID, store.wrote[0], minute+1)
	}
	p, err := sts.Decode(tok.Token, block)
	if tr, ok := p.(sts.Transfer); err != nil || !ok || tr.K != sts.KindPowerLimit || tr.TID != tok.TID || sts.DecodeAmount(tr.Value) != 5000 {
		t.Fatalf("the token decodes to %+v (%v)", p, err)
	}

	test, err := e.Issue(ctx, core.EngineeringRequest{MeterNumber: m.Number, Kind: sts.KindTest, Value: 3, Reason: "r", Actor: "operator:1 a"})
	if err != nil {
		t.Fatal(err)
	}
	p, err = sts.Decode(test.Token, nil)
	if tp, ok := p.(sts.Test); err != nil || !ok || tp.Control != 3 || tp.Manufacturer != 1 || test.TID != 0 || store.wrote[1] != nil || iss.calls != 1 {
		t.Fatalf("test token: %+v (%v), TID %d, counters %v, issuer calls %d", p, err, test.TID, store.wrote[1], iss.calls)
	}

	pending := m.Key
	pending.KRN = 2
	store.state.Meter.PendingKey = &pending
	_, err = e.Issue(ctx, core.EngineeringRequest{MeterNumber: m.Number, Kind: sts.KindClearTamper, Reason: "r", Actor: "operator:1 a"})
	if core.AsError(err).Reason != core.ReasonInvalidKeyChange || len(store.added) != 2 || iss.calls != 1 {
		t.Fatalf("pending key change: %v, %d tokens recorded, %d issuer calls", err, len(store.added), iss.calls)
	}
}
