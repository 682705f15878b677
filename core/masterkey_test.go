package core_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// checkStore is an in-memory core.MasterKeyChecks.
type checkStore struct {
	check []byte
	vk    *core.SealedVendingKey
}

func (s *checkStore) MasterKeyCheck(context.Context) ([]byte, error) {
	if s.check == nil {
		return nil, core.ErrNotFound
	}
	return s.check, nil
}

func (s *checkStore) SetMasterKeyCheck(_ context.Context, c []byte) error {
	if s.check != nil {
		return core.ErrDuplicate
	}
	s.check = c
	return nil
}

func (s *checkStore) AnySealedVendingKey(context.Context) (core.SealedVendingKey, error) {
	if s.vk == nil {
		return core.SealedVendingKey{}, core.ErrNotFound
	}
	return *s.vk, nil
}

func mustSealer(t *testing.T, b byte) *core.Sealer {
	t.Helper()
	s, err := core.NewSealer(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckMasterKey(t *testing.T) {
	ctx := context.Background()
	right, wrong := mustSealer(t, 1), mustSealer(t, 2)

	t.Run("FirstUseStoresTheCheck", func(t *testing.T) {
		st := &checkStore{}
		if err := core.CheckMasterKey(ctx, st, right); err != nil || st.check == nil {
			t.Fatalf("first use: err %v, check stored %t", err, st.check != nil)
		}
		if err := core.CheckMasterKey(ctx, st, right); err != nil {
			t.Fatalf("the same key again: %v", err)
		}
		if err := core.CheckMasterKey(ctx, st, wrong); !errors.Is(err, core.ErrWrongMasterKey) {
			t.Fatalf("another key: got %v, want ErrWrongMasterKey", err)
		}
	})
	t.Run("OlderDatabaseTestedOnAVendingKey", func(t *testing.T) {
		sealed, err := right.Seal(bytes.Repeat([]byte{0xab}, 8), 123456, 1, sts.DKGA02)
		if err != nil {
			t.Fatal(err)
		}
		st := &checkStore{vk: &core.SealedVendingKey{SGC: 123456, KRN: 1, DKGA: sts.DKGA02, Sealed: sealed}}
		if err := core.CheckMasterKey(ctx, st, wrong); !errors.Is(err, core.ErrWrongMasterKey) || st.check != nil {
			t.Fatalf("a wrong key on a database with keys and no check: got %v (check stored %t), want ErrWrongMasterKey and nothing stored", err, st.check != nil)
		}
		if err := core.CheckMasterKey(ctx, st, right); err != nil || st.check == nil {
			t.Fatalf("the right key: err %v, check stored %t", err, st.check != nil)
		}
	})
}

// TestSealBindsTheSupplyGroup: a sealed vending key copied to another supply group's row (another
// SGC, KRN or DKGA) does not open there.
func TestSealBindsTheSupplyGroup(t *testing.T) {
	s := mustSealer(t, 1)
	vk := bytes.Repeat([]byte{0xab}, 8)
	sealed, err := s.Seal(vk, 123456, 1, sts.DKGA02)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open(sealed, 123456, 1, sts.DKGA02); err != nil || !bytes.Equal(got, vk) {
		t.Fatalf("its own row: %x, %v", got, err)
	}
	for _, row := range []struct {
		name string
		sgc  sts.SGC
		krn  uint8
		dkga sts.DKGA
	}{{"OtherSGC", 654321, 1, sts.DKGA02}, {"OtherKRN", 123456, 2, sts.DKGA02}, {"OtherDKGA", 123456, 1, sts.DKGA04}} {
		t.Run(row.name, func(t *testing.T) {
			if got, err := s.Open(sealed, row.sgc, row.krn, row.dkga); err == nil {
				t.Fatalf("opened on another row: %x", got)
			}
		})
	}
	if _, err := mustSealer(t, 2).Open(sealed, 123456, 1, sts.DKGA02); err == nil {
		t.Fatal("opened under another master key")
	}
}

func TestImportVendingKey(t *testing.T) {
	ctx := context.Background()
	s := mustSealer(t, 1)
	var stored []byte
	st := supplyGroupFn(func(_ context.Context, g *core.SupplyGroup, sealed []byte) error {
		if stored != nil {
			return core.ErrDuplicate
		}
		stored, g.ID = sealed, 7
		return nil
	})
	g := &core.SupplyGroup{UtilityID: 1, SGC: 123456, KRN: 1, DKGA: sts.DKGA02}
	vk := bytes.Repeat([]byte{0xab}, 8)
	if err := core.ImportVendingKey(ctx, st, s, g, vk); err != nil || g.ID != 7 {
		t.Fatalf("import: %v, id %d", err, g.ID)
	}
	if bytes.Contains(stored, vk) {
		t.Fatal("the vending key was stored in the clear")
	}
	if got, err := s.Open(stored, 123456, 1, sts.DKGA02); err != nil || !bytes.Equal(got, vk) {
		t.Fatalf("the stored key does not open on its row: %v", err)
	}
	for _, tc := range []struct {
		name   string
		g      core.SupplyGroup
		vk     []byte
		reason core.Reason
	}{
		{"ErrShortKey", core.SupplyGroup{SGC: 1, KRN: 1, DKGA: sts.DKGA02}, vk[:7], "invalid_vending_key"},
		{"ErrKeyForDKGA04", core.SupplyGroup{SGC: 1, KRN: 1, DKGA: sts.DKGA04}, vk, "invalid_vending_key"},
		{"ErrKRN0", core.SupplyGroup{SGC: 1, KRN: 0, DKGA: sts.DKGA02}, vk, "invalid_supply_group"},
		{"ErrKRN16", core.SupplyGroup{SGC: 1, KRN: 16, DKGA: sts.DKGA02}, vk, "invalid_supply_group"},
		{"ErrDKGA01", core.SupplyGroup{SGC: 1, KRN: 1, DKGA: 1}, vk, "invalid_supply_group"},
		{"ErrDuplicate", *g, vk, "duplicate_supply_group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := core.ImportVendingKey(ctx, st, s, &tc.g, tc.vk); core.AsError(err).Reason != tc.reason {
				t.Fatalf("got %v, want %s", err, tc.reason)
			}
		})
	}
}

type supplyGroupFn func(context.Context, *core.SupplyGroup, []byte) error

func (f supplyGroupFn) CreateSupplyGroup(ctx context.Context, g *core.SupplyGroup, sealed []byte) error {
	return f(ctx, g, sealed)
}

func TestCheckMeterStatusChange(t *testing.T) {
	for _, tc := range []struct {
		from, to core.MeterStatus
		ok       bool
	}{
		{core.MeterActive, core.MeterBlocked, true}, {core.MeterBlocked, core.MeterActive, true},
		{core.MeterActive, core.MeterDecommissioned, true}, {core.MeterDecommissioned, core.MeterDecommissioned, true},
		{core.MeterDecommissioned, core.MeterActive, false}, {core.MeterDecommissioned, core.MeterBlocked, false},
		{core.MeterActive, "broken", false},
	} {
		err := core.CheckMeterStatusChange("04123456789", tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s -> %s: got %v, want ok %t", tc.from, tc.to, err, tc.ok)
		}
	}
	// An operator's refusal, apart from meter_decommissioned, which a vend to such a meter gets.
	wantReason(t, core.CheckMeterStatusChange("04123456789", core.MeterDecommissioned, core.MeterActive),
		core.CodeConflict, core.ReasonMeterDecommissionedForGood)
}
