package sts_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

var roundings = []struct {
	name string
	r    sts.Rounding
}{{"RoundDown", sts.RoundDown}, {"RoundUp", sts.RoundUp}, {"RoundNearest", sts.RoundNearest}}

// TestAmountTable checks the boundaries of each exponent in the table of docs/sts.md §5.
func TestAmountTable(t *testing.T) {
	cases := []struct {
		name  string
		raw   uint16
		value uint64
	}{
		{"OKZero", 0x0000, 0},
		{"OKExp0Last", 0x3FFF, 16383},
		{"OKExp1First", 0x4000, 16384},
		{"OKExp1Last", 0x7FFF, 180214},
		{"OKExp2First", 0x8000, 180224},
		{"OKExp2Last", 0xBFFF, 1818524},
		{"OKExp3First", 0xC000, 1818624},
		{"OKMax", 0xFFFF, 18201624},
	}
	if sts.MaxAmount != 18201624 {
		t.Fatalf("MaxAmount: got %d, want 18201624", sts.MaxAmount)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sts.DecodeAmount(tc.raw); got != tc.value {
				t.Errorf("DecodeAmount(%#04x): got %d, want %d", tc.raw, got, tc.value)
			}
			for _, rd := range roundings {
				raw, carried, err := sts.EncodeAmount(tc.value, rd.r)
				if err != nil || raw != tc.raw || carried != tc.value {
					t.Errorf("EncodeAmount(%d, %s): got %#04x, %d, %v, want %#04x, %d, nil",
						tc.value, rd.name, raw, carried, err, tc.raw, tc.value)
				}
			}
		})
	}
}

// TestAmountGaps checks values between the last of one exponent and the first of the next.
func TestAmountGaps(t *testing.T) {
	gaps := []struct {
		name              string
		lo, hi            uint64 // encodable neighbours
		loRaw, hiRaw      uint16
		firstGap, lastGap uint64
	}{
		{"Exp1To2", 180214, 180224, 0x7FFF, 0x8000, 180215, 180223},
		{"Exp2To3", 1818524, 1818624, 0xBFFF, 0xC000, 1818525, 1818623},
	}
	for _, g := range gaps {
		t.Run(g.name, func(t *testing.T) {
			for v := g.firstGap; v <= g.lastGap; v++ {
				want := map[sts.Rounding]struct {
					raw uint16
					val uint64
				}{
					sts.RoundDown: {g.loRaw, g.lo},
					sts.RoundUp:   {g.hiRaw, g.hi},
				}
				if v-g.lo <= g.hi-v {
					want[sts.RoundNearest] = want[sts.RoundDown]
				} else {
					want[sts.RoundNearest] = want[sts.RoundUp]
				}
				for _, rd := range roundings {
					raw, carried, err := sts.EncodeAmount(v, rd.r)
					w := want[rd.r]
					if err != nil || raw != w.raw || carried != w.val {
						t.Errorf("EncodeAmount(%d, %s): got %#04x, %d, %v, want %#04x, %d, nil",
							v, rd.name, raw, carried, err, w.raw, w.val)
					}
				}
			}
		})
	}
}

func TestEncodeAmountExamples(t *testing.T) {
	cases := []struct {
		name    string
		source  string
		v       uint64
		r       sts.Rounding
		raw     uint16
		carried uint64
	}{
		{"OKRoundUp1638_5", "docs/sts.md §5: 1638.5 units -> raw 0x4001 (1639.4)", 16385, sts.RoundUp, 0x4001, 16394},
		{"OKRoundUpMPL20000", "docs/sts.md §5: MPL 20000 W -> 0x416A (20004 W)", 20000, sts.RoundUp, 0x416A, 20004},
		{"OKRoundDown1638_5", "exponent 1 step is 10", 16385, sts.RoundDown, 0x4000, 16384},
		{"OKRoundNearestDownTie", "16389 is 5 from 16384 and 16394: a tie goes down", 16389, sts.RoundNearest, 0x4000, 16384},
		{"OKRoundNearestUp", "16390 is 4 from 16394", 16390, sts.RoundNearest, 0x4001, 16394},
		{"OKRoundNearestDown", "16388 is 4 from 16384", 16388, sts.RoundNearest, 0x4000, 16384},
		{"OKRoundNearestExp3Tie", "1819124 is 500 from 1818624 and 1819624", 1819124, sts.RoundNearest, 0xC000, 1818624},
		{"OKRoundNearestExp3Up", "1819125 is 499 from 1819624", 1819125, sts.RoundNearest, 0xC001, 1819624},
		{"OKRoundUpBelowMax", "one below the maximum rounds up to it", sts.MaxAmount - 1, sts.RoundUp, 0xFFFF, sts.MaxAmount},
		{"OKRoundDownBelowMax", "one below the maximum rounds down a step", sts.MaxAmount - 1, sts.RoundDown, 0xFFFE, sts.MaxAmount - 1000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, carried, err := sts.EncodeAmount(tc.v, tc.r)
			if err != nil || raw != tc.raw || carried != tc.carried {
				t.Errorf("%s: EncodeAmount(%d): got %#04x, %d, %v, want %#04x, %d, nil",
					tc.source, tc.v, raw, carried, err, tc.raw, tc.carried)
			}
		})
	}
}

func TestEncodeAmountRange(t *testing.T) {
	for _, v := range []uint64{sts.MaxAmount + 1, sts.MaxAmount + 999, sts.MaxAmount + 1000, 1 << 32, math.MaxUint64} {
		for _, rd := range roundings {
			t.Run("ErrAmountRange/"+rd.name+"/"+strconv.FormatUint(v, 10), func(t *testing.T) {
				raw, carried, err := sts.EncodeAmount(v, rd.r)
				if !errors.Is(err, sts.ErrAmountRange) {
					t.Fatalf("EncodeAmount(%d, %s): got error %v, want sts.ErrAmountRange", v, rd.name, err)
				}
				if raw != 0 || carried != 0 {
					t.Errorf("EncodeAmount(%d, %s): got %#04x, %d with the error, want 0, 0", v, rd.name, raw, carried)
				}
			})
		}
	}
}

// TestAmountBijection: every raw field value is the encoding of exactly its own value.
func TestAmountBijection(t *testing.T) {
	prev := uint64(0)
	for raw := range 0x10000 {
		v := sts.DecodeAmount(uint16(raw))
		if raw > 0 && v <= prev {
			t.Fatalf("DecodeAmount(%#04x) = %d is not above DecodeAmount(%#04x) = %d", raw, v, raw-1, prev)
		}
		prev = v
		for _, rd := range roundings {
			got, carried, err := sts.EncodeAmount(v, rd.r)
			if err != nil || got != uint16(raw) || carried != v {
				t.Fatalf("EncodeAmount(DecodeAmount(%#04x) = %d, %s): got %#04x, %d, %v, want %#04x, %d, nil",
					raw, v, rd.name, got, carried, err, raw, v)
			}
		}
	}
}

// checkRounding checks one EncodeAmount result against the definition of each rounding.
func checkRounding(t *testing.T, v uint64) {
	t.Helper()
	type res struct {
		raw     uint16
		carried uint64
	}
	var got [3]res
	for i, rd := range roundings {
		raw, carried, err := sts.EncodeAmount(v, rd.r)
		if err != nil {
			t.Fatalf("EncodeAmount(%d, %s): %v", v, rd.name, err)
		}
		if d := sts.DecodeAmount(raw); d != carried {
			t.Fatalf("EncodeAmount(%d, %s): carried %d, but DecodeAmount(%#04x) = %d", v, rd.name, carried, raw, d)
		}
		got[i] = res{raw, carried}
	}
	down, up, near := got[0], got[1], got[2]
	// RoundDown: the largest encodable value <= v.
	if down.carried > v {
		t.Fatalf("EncodeAmount(%d, RoundDown): got %d, want <= %d", v, down.carried, v)
	}
	if down.raw < 0xFFFF {
		if next := sts.DecodeAmount(down.raw + 1); next <= v {
			t.Fatalf("EncodeAmount(%d, RoundDown): got %d, but %#04x carries %d, closer below", v, down.carried, down.raw+1, next)
		}
	}
	// RoundUp: the smallest encodable value >= v.
	if up.carried < v {
		t.Fatalf("EncodeAmount(%d, RoundUp): got %d, want >= %d", v, up.carried, v)
	}
	if up.raw > 0 {
		if prev := sts.DecodeAmount(up.raw - 1); prev >= v {
			t.Fatalf("EncodeAmount(%d, RoundUp): got %d, but %#04x carries %d, closer above", v, up.carried, up.raw-1, prev)
		}
	}
	// RoundNearest: the closer of the two, down on a tie.
	want := down
	if up.carried-v < v-down.carried {
		want = up
	}
	if near != want {
		t.Fatalf("EncodeAmount(%d, RoundNearest): got %#04x (%d), want %#04x (%d) (down %d, up %d)",
			v, near.raw, near.carried, want.raw, want.carried, down.carried, up.carried)
	}
}

func TestAmountRoundingProperty(t *testing.T) {
	t.Run("OKRandom", func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 18201624))
		for range 100000 {
			checkRounding(t, r.Uint64N(sts.MaxAmount+1))
		}
	})
	t.Run("OKNearBoundaries", func(t *testing.T) {
		// Every value within 2000 of each exponent boundary and of both ends of the range.
		for _, c := range []uint64{0, 16384, 180224, 1818624, sts.MaxAmount} {
			lo := uint64(0)
			if c > 2000 {
				lo = c - 2000
			}
			for v := lo; v <= min(c+2000, sts.MaxAmount); v++ {
				checkRounding(t, v)
			}
		}
	})
}

func TestParseTenths(t *testing.T) {
	ok := []struct {
		name string
		in   string
		want uint64
	}{
		{"OKWhole", "12", 120},
		{"OKOnePlace", "12.5", 125},
		{"OKTrailingZero", "12.50", 125},
		{"OKTenth", "0.1", 1},
		{"OKLeadingDot", ".5", 5},
		{"OKZero", "0", 0},
		{"OKZeroPlaces", "7.000", 70},
		{"OKLarge", "1820162.4", sts.MaxAmount},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sts.ParseTenths(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseTenths(%q): got %d, %v, want %d, nil", tc.in, got, err, tc.want)
			}
		})
	}
	bad := []struct{ name, in string }{
		{"ErrTwoPlaces", "12.34"},
		{"ErrNegative", "-1"},
		{"ErrExponent", "1e3"},
		{"ErrEmpty", ""},
		{"ErrDot", "."},
		{"ErrLetters", "abc"},
		{"ErrTwoDots", "1.2.3"},
		{"ErrLeadingSpace", " 1"},
		{"ErrTrailingSpace", "1 "},
		{"ErrPlus", "+1"},
		{"ErrComma", "1,5"},
		{"ErrHuge", "99999999999999999999"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := sts.ParseTenths(tc.in); err == nil {
				t.Errorf("ParseTenths(%q): got %d, nil, want an error", tc.in, got)
			}
		})
	}
}

func TestFormatTenths(t *testing.T) {
	cases := []struct {
		v    uint64
		want string
	}{{125, "12.5"}, {0, "0.0"}, {1, "0.1"}, {10, "1.0"}, {sts.MaxAmount, "1820162.4"}}
	for _, tc := range cases {
		t.Run("OK"+tc.want, func(t *testing.T) {
			if got := sts.FormatTenths(tc.v); got != tc.want {
				t.Errorf("FormatTenths(%d): got %q, want %q", tc.v, got, tc.want)
			}
			if back, err := sts.ParseTenths(tc.want); err != nil || back != tc.v {
				t.Errorf("ParseTenths(%q): got %d, %v, want %d, nil", tc.want, back, err, tc.v)
			}
		})
	}
}
