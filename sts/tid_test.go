package sts_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vendgate/vendgate/sts"
)

var baseDates = []sts.BaseDate{sts.BaseDate1993, sts.BaseDate2014, sts.BaseDate2035}

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

func TestTIDAt(t *testing.T) {
	// docs/sts.md §4 table: TID 0xFFFFFF of each base date.
	lastMinute := map[sts.BaseDate]time.Time{
		sts.BaseDate1993: utc(2024, time.November, 24, 20, 15, 0),
		sts.BaseDate2014: utc(2045, time.November, 24, 20, 15, 0),
		sts.BaseDate2035: utc(2066, time.November, 24, 20, 15, 0),
	}
	for _, bd := range baseDates {
		t.Run(bd.String(), func(t *testing.T) {
			start := utc(int(bd), time.January, 1, 0, 0, 0)
			if got := bd.Time(); !got.Equal(start) {
				t.Errorf("Time(): got %v, want %v", got, start)
			}
			cases := []struct {
				name    string
				at      time.Time
				want    sts.TID
				wantErr error
			}{
				{"OKStart", start, 0, nil},
				{"OKStartPlus59s", start.Add(59*time.Second + 999*time.Millisecond), 0, nil},
				{"OKOneMinute", start.Add(time.Minute), 1, nil},
				{"OKLastMinute", lastMinute[bd], sts.MaxTID, nil},
				{"OKLastMinutePlus59s", lastMinute[bd].Add(59 * time.Second), sts.MaxTID, nil},
				{"ErrTIDExhausted", lastMinute[bd].Add(time.Minute), 0, sts.ErrTIDExhausted},
				{"ErrTIDExhaustedFarFuture", utc(2200, time.January, 1, 0, 0, 0), 0, sts.ErrTIDExhausted},
				{"ErrBeforeBaseDate", start.Add(-time.Nanosecond), 0, sts.ErrBeforeBaseDate},
				{"ErrBeforeBaseDateMinute", start.Add(-time.Minute), 0, sts.ErrBeforeBaseDate},
				{"ErrBeforeBaseDateFarPast", utc(1900, time.January, 1, 0, 0, 0), 0, sts.ErrBeforeBaseDate},
				// Beyond the ±292 years a time.Duration holds.
				{"ErrTIDExhaustedYear3000", utc(3000, time.January, 1, 0, 0, 0), 0, sts.ErrTIDExhausted},
				{"ErrBeforeBaseDateZeroTime", time.Time{}, 0, sts.ErrBeforeBaseDate},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					got, err := bd.TIDAt(tc.at)
					if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
						t.Fatalf("TIDAt(%v): got error %v, want %v", tc.at, err, tc.wantErr)
					}
					if got != tc.want {
						t.Errorf("TIDAt(%v): got %d, want %d", tc.at, got, tc.want)
					}
				})
			}
			t.Run("OKTIDTimeLast", func(t *testing.T) {
				if got := bd.TIDTime(sts.MaxTID); !got.Equal(lastMinute[bd]) {
					t.Errorf("TIDTime(MaxTID): got %v, want %v", got, lastMinute[bd])
				}
			})
		})
	}
	t.Run("ErrUnknownBaseDate", func(t *testing.T) {
		for _, bd := range []sts.BaseDate{0, 2000, 1992, 2015} {
			if _, err := bd.TIDAt(utc(2020, 1, 1, 0, 0, 0)); err == nil {
				t.Errorf("BaseDate(%d).TIDAt: got nil error, want an error", uint16(bd))
			}
		}
	})
}

func TestTIDTimeInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 60))
	for _, bd := range baseDates {
		t.Run("OK"+bd.String(), func(t *testing.T) {
			for _, tid := range append([]sts.TID{0, 1, sts.MaxTID - 1, sts.MaxTID}, randTIDs(r, 5000)...) {
				at := bd.TIDTime(tid)
				if at.Second() != 0 || at.Nanosecond() != 0 || at.Location() != time.UTC {
					t.Fatalf("TIDTime(%d): got %v, want a whole UTC minute", tid, at)
				}
				got, err := bd.TIDAt(at)
				if err != nil || got != tid {
					t.Fatalf("TIDAt(TIDTime(%d)): got %d, %v, want %d, nil", tid, got, err, tid)
				}
				// Seconds within the minute are truncated.
				sec := time.Duration(r.Int64N(int64(time.Minute)))
				if got, err := bd.TIDAt(at.Add(sec)); err != nil || got != tid {
					t.Fatalf("TIDAt(TIDTime(%d) + %v): got %d, %v, want %d, nil", tid, sec, got, err, tid)
				}
			}
		})
	}
}

func randTIDs(r *rand.Rand, n int) []sts.TID {
	out := make([]sts.TID, n)
	for i := range out {
		out[i] = sts.TID(r.Uint32N(uint32(sts.MaxTID) + 1))
	}
	return out
}

func TestTIDAtTimeZone(t *testing.T) {
	zones := []*time.Location{
		time.FixedZone("UTC+2", 2*3600),
		time.FixedZone("UTC-11", -11*3600),
		time.FixedZone("UTC+5:45", 5*3600+45*60),
		time.FixedZone("UTC+14", 14*3600),
	}
	if nbo, err := time.LoadLocation("Africa/Nairobi"); err == nil {
		zones = append(zones, nbo)
	}
	r := rand.New(rand.NewPCG(3, 3))
	for _, loc := range zones {
		t.Run("OK"+loc.String(), func(t *testing.T) {
			for _, bd := range baseDates {
				for range 200 {
					at := bd.TIDTime(sts.TID(r.Uint32N(uint32(sts.MaxTID)))).Add(time.Duration(r.Int64N(int64(time.Minute))))
					want, err := bd.TIDAt(at.UTC())
					if err != nil {
						t.Fatal(err)
					}
					if got, err := bd.TIDAt(at.In(loc)); err != nil || got != want {
						t.Fatalf("TIDAt(%v): got %d, %v, want %d (as for %v)", at.In(loc), got, err, want, at.UTC())
					}
				}
				// Just after the base date in UTC is local 1 January 02:00 (UTC+2) or
				// 31 December 13:00 (UTC-11): still TID 0.
				start := bd.Time().In(loc)
				if got, err := bd.TIDAt(start); err != nil || got != 0 {
					t.Errorf("TIDAt(%v): got %d, %v, want 0, nil", start, got, err)
				}
				if _, err := bd.TIDAt(start.Add(-time.Second)); !errors.Is(err, sts.ErrBeforeBaseDate) {
					t.Errorf("TIDAt(%v): got error %v, want ErrBeforeBaseDate", start.Add(-time.Second), err)
				}
			}
		})
	}
}

func TestNextTID(t *testing.T) {
	bd := sts.BaseDate1993
	ctsa09 := utc(2004, time.March, 29, 0, 1, 0)
	lastMinute := bd.TIDTime(sts.MaxTID)
	cases := []struct {
		name    string
		source  string
		at      time.Time
		last    sts.TID
		want    sts.TID
		wantErr error
	}{
		{"OKFirstToken", "", ctsa09, 0, 5911201, nil},
		{"OKSameMinuteCTSA09", "STS 531-1-0-02 CTSA09 (vectors with tid_note): second token in the minute", ctsa09, 5911201, 5911202, nil},
		{"OKSameMinuteLaterSecond", "", ctsa09.Add(30 * time.Second), 5911201, 5911202, nil},
		{"OKLastAhead", "a clock behind the meter's last TID", ctsa09, 5911300, 5911301, nil},
		{"OKNowAhead", "", ctsa09, 5911200, 5911201, nil},
		{"OKLastMinute", "", lastMinute, sts.MaxTID - 1, sts.MaxTID, nil},
		{"ErrTIDExhaustedLastUsed", "", lastMinute, sts.MaxTID, 0, sts.ErrTIDExhausted},
		{"ErrTIDExhaustedEarlierTime", "", ctsa09, sts.MaxTID, 0, sts.ErrTIDExhausted},
		{"ErrTIDExhaustedTime", "", lastMinute.Add(time.Minute), 0, 0, sts.ErrTIDExhausted},
		{"ErrBeforeBaseDate", "", bd.Time().Add(-time.Minute), 0, 0, sts.ErrBeforeBaseDate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bd.NextTID(tc.at, tc.last)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("%s: NextTID(%v, %d): got error %v, want %v", tc.source, tc.at, tc.last, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("%s: NextTID(%v, %d): got %d, want %d", tc.source, tc.at, tc.last, got, tc.want)
			}
		})
	}
}

func TestNextTIDStrictlyIncreasing(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10_000))
	for _, bd := range baseDates {
		t.Run("OK"+bd.String(), func(t *testing.T) {
			at := bd.Time().Add(time.Duration(r.Int64N(int64(1000 * time.Hour))))
			var last sts.TID
			for i := range 10000 {
				// Bursts in the same minute, pauses, and jumps.
				switch r.IntN(4) {
				case 0:
				case 1:
					at = at.Add(time.Duration(r.Int64N(int64(time.Second))))
				case 2:
					at = at.Add(time.Duration(r.Int64N(int64(2 * time.Minute))))
				case 3:
					at = at.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
				}
				tid, err := bd.NextTID(at, last)
				if err != nil {
					t.Fatalf("call %d: NextTID(%v, %d): %v", i, at, last, err)
				}
				if i > 0 && tid <= last {
					t.Fatalf("call %d: NextTID(%v, %d): got %d, want > %d", i, at, last, tid, last)
				}
				now, _ := bd.TIDAt(at)
				if want := max(now, last+1); i > 0 && tid != want {
					t.Fatalf("call %d: NextTID(%v, %d): got %d, want max(%d, %d)", i, at, last, tid, now, last+1)
				}
				last = tid
			}
		})
	}
}

func TestParseBaseDate(t *testing.T) {
	ok := []struct {
		in   string
		want sts.BaseDate
	}{
		{"1993", sts.BaseDate1993}, {"93", sts.BaseDate1993},
		{"2014", sts.BaseDate2014}, {"14", sts.BaseDate2014},
		{"2035", sts.BaseDate2035}, {"35", sts.BaseDate2035},
	}
	for _, tc := range ok {
		t.Run("OK"+tc.in, func(t *testing.T) {
			got, err := sts.ParseBaseDate(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseBaseDate(%q): got %d, %v, want %d, nil", tc.in, got, err, tc.want)
			}
			if !got.Valid() {
				t.Errorf("BaseDate(%d).Valid(): got false, want true", got)
			}
		})
	}
	for _, in := range []string{"2000", "", "0", "1994", "035", " 93", "2056"} {
		t.Run("Err"+in, func(t *testing.T) {
			if got, err := sts.ParseBaseDate(in); err == nil {
				t.Errorf("ParseBaseDate(%q): got %d, nil, want an error", in, got)
			}
		})
	}
}

func TestBaseDateCodeNext(t *testing.T) {
	cases := []struct {
		bd       sts.BaseDate
		code     string
		next     sts.BaseDate
		hasNext  bool
		valid    bool
		stringIs string
	}{
		{sts.BaseDate1993, "93", sts.BaseDate2014, true, true, "1993"},
		{sts.BaseDate2014, "14", sts.BaseDate2035, true, true, "2014"},
		{sts.BaseDate2035, "35", 0, false, true, "2035"},
		{2000, "00", 0, false, false, "2000"},
		{0, "00", 0, false, false, "0"},
	}
	for _, tc := range cases {
		t.Run("OK"+tc.stringIs, func(t *testing.T) {
			if got := tc.bd.Code(); got != tc.code {
				t.Errorf("Code(): got %q, want %q", got, tc.code)
			}
			if got := tc.bd.String(); got != tc.stringIs {
				t.Errorf("String(): got %q, want %q", got, tc.stringIs)
			}
			if got := tc.bd.Valid(); got != tc.valid {
				t.Errorf("Valid(): got %v, want %v", got, tc.valid)
			}
			next, ok := tc.bd.Next()
			if next != tc.next || ok != tc.hasNext {
				t.Errorf("Next(): got %d, %v, want %d, %v", next, ok, tc.next, tc.hasNext)
			}
			if ok {
				if back, err := sts.ParseBaseDate(tc.bd.Code()); err != nil || back != tc.bd {
					t.Errorf("ParseBaseDate(Code()): got %d, %v, want %d", back, err, tc.bd)
				}
			}
		})
	}
}

func TestKENExpired(t *testing.T) {
	cases := []struct {
		name string
		ken  sts.KEN
		tid  sts.TID
		want bool
	}{
		{"OKNoExpiryZero", sts.NoExpiry, 0, false},
		{"OKNoExpiryMax", sts.NoExpiry, sts.MaxTID, false},
		{"OKKEN0TID0", 0, 0, false},
		{"OKKEN0Top", 0, 0xFFFF, false},
		{"ExpiredKEN0", 0, 0x10000, true},
		{"OKKEN5Top", 5, 5<<16 | 0xFFFF, false},
		{"ExpiredKEN5", 5, 6 << 16, true},
		{"OKKEN254Max", 254, 254<<16 | 0xFFFF, false},
		{"ExpiredKEN254", 254, 255 << 16, true},
		{"ExpiredKEN254MaxTID", 254, sts.MaxTID, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ken.Expired(tc.tid); got != tc.want {
				t.Errorf("KEN(%d).Expired(%#x): got %v, want %v", tc.ken, tc.tid, got, tc.want)
			}
		})
	}
	t.Run("OKExhaustive", func(t *testing.T) {
		for k := range 256 {
			for top := range 256 {
				for _, low := range []sts.TID{0, 0xFFFF} {
					tid := sts.TID(top)<<16 | low
					want := k != 255 && top > k
					if got := sts.KEN(k).Expired(tid); got != want {
						t.Fatalf("KEN(%d).Expired(%#x): got %v, want %v", k, tid, got, want)
					}
				}
			}
		}
	})
}
