package meter_test

import (
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

// The STS 531-1-0-02 test meter: DKGA02, vending key abab..., PAN 600727000000000009, SGC 123456,
// TI 01, KRN 1, unique key; its decoder key is e653341f9d5bf36f.
var (
	vk02    = mustHex("abababababababab")
	vk04    = mustHex("abababababababab949494949494949401234567")
	testPAN = mustPAN("600727000000000009")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func mustPAN(s string) sts.PAN {
	p, err := sts.ParsePAN(s)
	if err != nil {
		panic(err)
	}
	return p
}

// fixture is a meter and the vending side's view of its key.
type fixture struct {
	m     *meter.Meter
	block cipher.Block
	bd    sts.BaseDate
}

func newFixture(tb testing.TB, mod func(*meter.Config)) *fixture {
	tb.Helper()
	key, err := sts.DeriveKey(sts.DKGA02, vk02, sts.KeyParams{PAN: testPAN, KT: sts.KeyTypeUnique, SGC: 123456, TI: 1, KRN: 1, EA: sts.EA07})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := meter.Config{Key: key, EA: sts.EA07, KT: sts.KeyTypeUnique, KRN: 1, TI: 1, SGC: 123456,
		BaseDate: sts.BaseDate1993, KEN: sts.NoExpiry, Manufacturer: 0}
	if mod != nil {
		mod(&cfg)
	}
	m, err := meter.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := sts.NewCipher(cfg.EA, cfg.Key)
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{m: m, block: b, bd: cfg.BaseDate}
}

func (f *fixture) token(tb testing.TB, p sts.Payload) string {
	tb.Helper()
	t, err := sts.Encode(p, f.block)
	if err != nil {
		tb.Fatal(err)
	}
	return t.Display()
}

func credit(k sts.Kind, tid sts.TID, tenths uint64) sts.Transfer {
	raw, _, err := sts.EncodeAmount(tenths, sts.RoundDown)
	if err != nil {
		panic(err)
	}
	return sts.Transfer{K: k, RND: 3, TID: tid, Value: raw}
}

func TestEnter(t *testing.T) {
	const tid = 16_000_000
	tests := []struct {
		name   string
		config func(*meter.Config)
		before []sts.Payload
		token  func(*fixture) string
		want   meter.Code
	}{
		{name: "Accepted", token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.Accepted},
		{name: "KeyChangePending", token: func(f *fixture) string {
			return f.token(t, sts.KeyChange1{KENHO: 15, KRN: 2, KT: sts.KeyTypeUnique, NKHO: 1})
		}, want: meter.KeyChangePending},
		{name: "ErrFormat", token: func(*fixture) string { return "1234 5678" }, want: meter.ErrFormat},
		{name: "ErrFormatTooLarge", token: func(*fixture) string { return "73786976294838206464" }, want: meter.ErrFormat},
		// 3 << 27 puts class 3 in the class bits.
		{name: "ErrClass", token: func(*fixture) string { return "00000000000402653184" }, want: meter.ErrClass},
		{name: "ErrCRC", token: func(*fixture) string {
			other, _ := sts.NewSTA(mustHex("0123456789abcdef"))
			t, _ := sts.Encode(credit(sts.KindElectricity, tid, 500), other)
			return t.String()
		}, want: meter.ErrCRC},
		{name: "ErrFunctionReservedSubclass", token: func(f *fixture) string {
			// Class 0 subclass 5 is reserved: no payload type makes it, so build the block by hand.
			b := uint64(5)<<60 | uint64(tid)<<32 | 100<<16
			b |= uint64(sts.CRC(sts.ClassCredit, b))
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], b)
			f.block.Encrypt(buf[:], buf[:])
			return sts.Assemble(sts.ClassCredit, binary.BigEndian.Uint64(buf[:])).String()
		}, want: meter.ErrFunction},
		{name: "ErrFunctionThirdSectionOn64BitKey", token: func(f *fixture) string {
			return f.token(t, sts.KeyChange3{SGCLow: 1, NKMO2: 2})
		}, want: meter.ErrFunction},
		{name: "ErrRange", token: func(f *fixture) string {
			return f.token(t, sts.Transfer{K: sts.KindClearCredit, TID: tid, Value: 7})
		}, want: meter.ErrRange},
		{name: "ErrOverflow", config: func(c *meter.Config) { c.RegisterLimit = 1000 },
			before: []sts.Payload{credit(sts.KindElectricity, tid-1, 900)},
			token:  func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 200)) }, want: meter.ErrOverflow},
		{name: "ErrUsed", before: []sts.Payload{credit(sts.KindElectricity, tid, 500)},
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.ErrUsed},
		{name: "ErrUsedAcrossKinds", before: []sts.Payload{sts.Transfer{K: sts.KindClearTamper, TID: tid}},
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.ErrUsed},
		{name: "ErrOldBeforeManufacture", config: func(c *meter.Config) { c.FirstTID = tid },
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid-1, 500)) }, want: meter.ErrOld},
		{name: "ErrOldBelowFullMemory", config: func(c *meter.Config) { c.MemorySize = 2 },
			before: []sts.Payload{credit(sts.KindElectricity, tid, 1), credit(sts.KindElectricity, tid+1, 1)},
			token:  func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid-1, 500)) }, want: meter.ErrOld},
		{name: "AcceptedOutOfOrderWithinMemory", before: []sts.Payload{credit(sts.KindElectricity, tid+5, 1)},
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.Accepted},
		{name: "ErrKeyExpired", config: func(c *meter.Config) { c.KEN = sts.KEN(tid>>16) - 1 },
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.ErrKeyExpired},
		{name: "AcceptedAtKeyExpiry", config: func(c *meter.Config) { c.KEN = sts.KEN(tid >> 16) },
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.Accepted},
		{name: "ErrDDTK", config: func(c *meter.Config) { c.KT = sts.KeyTypeDefault },
			token: func(f *fixture) string { return f.token(t, credit(sts.KindElectricity, tid, 500)) }, want: meter.ErrDDTK},
		{name: "AcceptedManagementUnderDDTK", config: func(c *meter.Config) { c.KT = sts.KeyTypeDefault },
			token: func(f *fixture) string { return f.token(t, sts.Transfer{K: sts.KindPowerLimit, TID: tid, Value: 5000}) }, want: meter.Accepted},
		{name: "ErrKeyType", token: func(f *fixture) string {
			return f.token(t, sts.KeyChange1{KENHO: 15, KRN: 2, KT: sts.KeyTypeInit, NKHO: 1})
		}, want: meter.ErrKeyType},
		{name: "ErrMfrCode", config: func(c *meter.Config) { c.Manufacturer = 7 }, token: func(*fixture) string {
			t, _ := sts.Encode(sts.Test{Control: 1, Manufacturer: 5}, nil)
			return t.String()
		}, want: meter.ErrMfrCode},
		{name: "AcceptedTestAllManufacturers", config: func(c *meter.Config) { c.Manufacturer = 7 },
			token: func(*fixture) string { return "56493153725450313471" }, want: meter.Accepted},
		{name: "AcceptedTestOwnManufacturerWide", config: func(c *meter.Config) { c.Manufacturer = 1234 }, token: func(*fixture) string {
			t, _ := sts.Encode(sts.Test{Wide: true, Control: 1, Manufacturer: 1234}, nil)
			return t.String()
		}, want: meter.Accepted},
	}
	seen := map[meter.Code]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.config)
			for _, p := range tc.before {
				if r := f.m.Enter(f.token(t, p)); r.Code != meter.Accepted {
					t.Fatalf("setup token %+v: got %v, want accepted", p, r)
				}
			}
			before := f.m.State()
			r := f.m.Enter(tc.token(f))
			if r.Code != tc.want {
				t.Fatalf("got %v, want %v", r, tc.want)
			}
			seen[r.Code] = true
			if !r.Code.OK() {
				if after := f.m.State(); !stateEqual(before, after) {
					t.Fatalf("a rejected token changed the meter:\nbefore %+v\nafter  %+v", before, after)
				}
				if r.Detail == "" && r.Code != meter.ErrCRC {
					t.Fatalf("rejection %v has no detail", r.Code)
				}
			}
		})
	}
	for c := meter.Accepted; c <= meter.ErrMfrCode; c++ {
		if !seen[c] {
			t.Errorf("result code %v is never produced by a test", c)
		}
	}
}

func stateEqual(a, b meter.State) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestCreditRegisters(t *testing.T) {
	f := newFixture(t, nil)
	kinds := []sts.Kind{sts.KindElectricity, sts.KindWater, sts.KindGas, sts.KindTime, sts.KindCurrency}
	for i, k := range kinds {
		r := f.m.Enter(f.token(t, credit(k, sts.TID(100+i), uint64(10*(i+1)))))
		if r.Code != meter.Accepted || r.Added != uint64(10*(i+1)) || r.Kind != k {
			t.Fatalf("%s: got %+v, want accepted +%d", k, r, 10*(i+1))
		}
	}
	// 20000.0 kWh is not encodable (steps of 10 kWh above 18022.4): rounded down, it carries 19992.4.
	r := f.m.Enter(f.token(t, credit(sts.KindElectricity, 200, 200_000)))
	if r.Added != 199_924 {
		t.Fatalf("got +%d, want +199924", r.Added)
	}
	for i, k := range kinds {
		want := uint64(10 * (i + 1))
		if i == 0 {
			want += 199_924
		}
		if got := f.m.Credit(k.Subclass); got != want {
			t.Fatalf("register %s: got %d, want %d", k, got, want)
		}
	}
	if r := f.m.Enter(f.token(t, sts.Transfer{K: sts.KindClearCredit, TID: 300, Value: 1})); r.Code != meter.Accepted {
		t.Fatalf("clear water: got %v", r)
	}
	if f.m.Credit(1) != 0 || f.m.Credit(0) == 0 {
		t.Fatalf("clear register 1: got water %d electricity %d, want 0 and unchanged", f.m.Credit(1), f.m.Credit(0))
	}
	if r := f.m.Enter(f.token(t, sts.Transfer{K: sts.KindClearCredit, TID: 301, Value: 0xFFFF})); r.Code != meter.Accepted {
		t.Fatalf("clear all: got %v", r)
	}
	for _, k := range kinds {
		if f.m.Credit(k.Subclass) != 0 {
			t.Fatalf("after clear all: %s register is %d", k, f.m.Credit(k.Subclass))
		}
	}
}

func TestSettings(t *testing.T) {
	f := newFixture(t, func(c *meter.Config) { c.Tamper = true })
	for _, p := range []sts.Payload{
		sts.Transfer{K: sts.KindPowerLimit, TID: 1, Value: 5000},
		sts.Transfer{K: sts.KindPhaseUnbalance, TID: 2, Value: 500},
		sts.Transfer{K: sts.KindTariffRate, TID: 3, Value: 1234},
		sts.Transfer{K: sts.KindWaterFactor, TID: 4, Value: 10},
		sts.Transfer{K: sts.KindClearTamper, TID: 5},
	} {
		if r := f.m.Enter(f.token(t, p)); r.Code != meter.Accepted {
			t.Fatalf("%s: got %v, want accepted", p.Kind(), r)
		}
	}
	want := meter.Settings{PowerLimit: 5000, PhaseUnbalance: 500, TariffRate: 1234, WaterFactor: 10, Tamper: false}
	if got := f.m.Settings(); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if r := f.m.Enter(f.token(t, sts.Transfer{K: sts.KindWaterFactor, TID: 6, Value: 0})); r.Code != meter.ErrRange {
		t.Fatalf("water factor 0: got %v, want range_error", r)
	}
}

func keyChangeTokens(tb testing.TB, f *fixture, kc sts.KeyChange) []string {
	tb.Helper()
	ps, err := kc.Payloads()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, f.token(tb, p))
	}
	return out
}

func TestKeyChange(t *testing.T) {
	t.Run("STA_SecondSectionFirst", func(t *testing.T) {
		f := newFixture(t, nil)
		old := f.token(t, credit(sts.KindElectricity, 1000, 10))
		newKey := mustHex("0123456789abcdef")
		toks := keyChangeTokens(t, f, sts.KeyChange{NewKey: newKey, KEN: sts.NoExpiry, KRN: 2, KT: sts.KeyTypeUnique, TI: 7})
		if r := f.m.Enter(toks[1]); r.Code != meter.KeyChangePending || !slices.Equal(r.Pending, []int{1}) {
			t.Fatalf("second section first: got %+v, want pending [1]", r)
		}
		if r := f.m.Enter(toks[0]); r.Code != meter.Accepted || r.Kind != sts.KindKeyChange1 {
			t.Fatalf("first section: got %+v, want accepted", r)
		}
		k := f.m.Key()
		if hex.EncodeToString(k.Key) != "0123456789abcdef" || k.KRN != 2 || k.TI != 7 || k.BaseDate != sts.BaseDate1993 {
			t.Fatalf("installed key: got %x KRN %d TI %d base %v", k.Key, k.KRN, k.TI, k.BaseDate)
		}
		if r := f.m.Enter(old); r.Code != meter.ErrCRC {
			t.Fatalf("token under the old key: got %v, want crc_error", r)
		}
		if r := f.m.Enter(toks[0]); r.Code != meter.ErrCRC {
			t.Fatalf("key change replayed: got %v, want crc_error", r)
		}
		nb, _ := sts.NewSTA(newKey)
		tok, _ := sts.Encode(credit(sts.KindElectricity, 1001, 10), nb)
		if r := f.m.Enter(tok.String()); r.Code != meter.Accepted {
			t.Fatalf("token under the new key: got %v, want accepted", r)
		}
	})
	t.Run("MISTY1_FourSections", func(t *testing.T) {
		p := sts.KeyParams{PAN: testPAN, KT: sts.KeyTypeUnique, SGC: 123457, TI: 1, KRN: 1, BaseDate: sts.BaseDate1993, EA: sts.EA11}
		key, err := sts.DeriveKey(sts.DKGA04, vk04, p)
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, func(c *meter.Config) { c.Key, c.EA, c.SGC = key, sts.EA11, 123457 })
		p.KRN, p.SGC = 2, 600124
		newKey, err := sts.DeriveKey(sts.DKGA04, vk04, p)
		if err != nil {
			t.Fatal(err)
		}
		toks := keyChangeTokens(t, f, sts.KeyChange{NewKey: newKey, KEN: sts.NoExpiry, KRN: 2, KT: sts.KeyTypeUnique, TI: 1, SGC: 600124})
		if len(toks) != 4 {
			t.Fatalf("got %d key change tokens, want 4", len(toks))
		}
		for i, want := range [][]int{{2, 3, 4}, {3, 4}, {4}} {
			if r := f.m.Enter(toks[i]); r.Code != meter.KeyChangePending || !slices.Equal(r.Pending, want) {
				t.Fatalf("section %d: got %+v, want pending %v", i+1, r, want)
			}
		}
		if r := f.m.Enter(toks[3]); r.Code != meter.Accepted {
			t.Fatalf("fourth section: got %v, want accepted", r)
		}
		if k := f.m.Key(); !slices.Equal(k.Key, newKey) || k.SGC != 600124 || k.KRN != 2 {
			t.Fatalf("installed: got key %x SGC %v KRN %d", k.Key, k.SGC, k.KRN)
		}
	})
}

// TestTIDRollover migrates a 1993-base DKGA02 meter to a DKGA04 key with base date 2014: the two
// key change tokens carry RO, the meter clears its TID memory, takes 2014-base credit (whose TIDs
// are far below the 1993-base ones it has seen) and refuses tokens made under the old key.
func TestTIDRollover(t *testing.T) {
	for _, ro := range []bool{true, false} {
		name := "RO"
		if !ro {
			name = "WithoutRO_NewTokensAreOld"
		}
		t.Run(name, func(t *testing.T) {
			// The meter was made in 2015: its TID memory is seeded with that minute (1993 base).
			made, _ := sts.BaseDate1993.TIDAt(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
			f := newFixture(t, func(c *meter.Config) { c.FirstTID = made })
			at := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
			tid93, err := sts.BaseDate1993.TIDAt(at)
			if err != nil {
				t.Fatal(err)
			}
			if r := f.m.Enter(f.token(t, credit(sts.KindElectricity, tid93, 100))); r.Code != meter.Accepted {
				t.Fatalf("1993 credit: got %v", r)
			}
			newParams := sts.KeyParams{PAN: testPAN, KT: sts.KeyTypeUnique, SGC: 123456, TI: 1, KRN: 2, BaseDate: sts.BaseDate2014, EA: sts.EA07}
			newKey, err := sts.DeriveKey(sts.DKGA04, vk04, newParams)
			if err != nil {
				t.Fatal(err)
			}
			toks := keyChangeTokens(t, f, sts.KeyChange{NewKey: newKey, KEN: sts.NoExpiry, KRN: 2, KT: sts.KeyTypeUnique, TI: 1, RO: ro})
			if len(toks) != 2 {
				t.Fatalf("got %d key change tokens, want 2", len(toks))
			}
			if r := f.m.Enter(toks[0]); r.Code != meter.KeyChangePending {
				t.Fatalf("KCT1: got %v, want key_change_pending", r)
			}
			if r := f.m.Enter(toks[1]); r.Code != meter.Accepted {
				t.Fatalf("KCT2: got %v, want accepted", r)
			}
			oldToken := f.token(t, credit(sts.KindElectricity, tid93+10, 100))

			later := at.Add(time.Hour)
			tid14, err := sts.BaseDate2014.TIDAt(later)
			if err != nil {
				t.Fatal(err)
			}
			nb, _ := sts.NewSTA(newKey)
			tok, _ := sts.Encode(credit(sts.KindElectricity, tid14, 250), nb)
			r := f.m.Enter(tok.String())
			if !ro {
				if r.Code != meter.ErrOld {
					t.Fatalf("2014 credit without RO: got %v, want old", r)
				}
				return
			}
			if r.Code != meter.Accepted || r.Added != 250 {
				t.Fatalf("2014 credit: got %v, want accepted +25.0", r)
			}
			if k := f.m.Key(); k.BaseDate != sts.BaseDate2014 || k.KRN != 2 {
				t.Fatalf("after rollover: base %v KRN %d, want 2014 and 2", k.BaseDate, k.KRN)
			}
			if got := f.m.TIDs(); !slices.Equal(got, []sts.TID{tid14}) {
				t.Fatalf("TID memory: got %v, want [%d]", got, tid14)
			}
			if r := f.m.Enter(oldToken); r.Code != meter.ErrCRC {
				t.Fatalf("token under the old key after rollover: got %v, want crc_error", r)
			}
			if f.m.Credit(0) != 350 {
				t.Fatalf("register: got %d, want 350", f.m.Credit(0))
			}
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	f := newFixture(t, func(c *meter.Config) { c.Manufacturer = 12 })
	used := f.token(t, credit(sts.KindElectricity, 500, 123))
	f.m.Enter(used)
	f.m.Enter(f.token(t, sts.Transfer{K: sts.KindPowerLimit, TID: 501, Value: 4000}))
	f.m.Enter(f.token(t, sts.KeyChange1{KENHO: 15, KRN: 2, KT: sts.KeyTypeUnique, NKHO: 0x01234567}))
	raw, err := json.Marshal(f.m.State())
	if err != nil {
		t.Fatal(err)
	}
	var s meter.State
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	m2, err := meter.Restore(s)
	if err != nil {
		t.Fatal(err)
	}
	if !stateEqual(m2.State(), f.m.State()) {
		t.Fatalf("got %+v, want %+v", m2.State(), f.m.State())
	}
	if r := m2.Enter(used); r.Code != meter.ErrUsed {
		t.Fatalf("restored meter, used token: got %v, want used", r)
	}
	if r := m2.Enter(f.token(t, sts.KeyChange2{KENLO: 15, TI: 1, NKLO: 0x89abcdef})); r.Code != meter.Accepted {
		t.Fatalf("restored pending key change: got %v, want accepted", r)
	}
	bad := s
	bad.Pending = []string{"zz"}
	if _, err := meter.Restore(bad); err == nil {
		t.Fatal("Restore with a bad pending section: got nil error")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]meter.Config{
		"ShortKey":    {Key: make([]byte, 7), EA: sts.EA07, BaseDate: sts.BaseDate1993},
		"MISTY1Key8":  {Key: make([]byte, 8), EA: sts.EA11, BaseDate: sts.BaseDate1993},
		"NoBaseDate":  {Key: make([]byte, 8), EA: sts.EA07},
		"KeyType4":    {Key: make([]byte, 8), EA: sts.EA07, BaseDate: sts.BaseDate2014, KT: 4},
		"NegativeMem": {Key: make([]byte, 8), EA: sts.EA07, BaseDate: sts.BaseDate2014, MemorySize: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := meter.New(cfg); err == nil {
				t.Fatal("got nil error")
			}
		})
	}
}
