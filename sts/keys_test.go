package sts_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

// Vector PANs of docs/sts.md §8 ("600727 00000000000 9" and "0000 0100000000008 2").
const (
	vectorPAN       = "600727000000000009"
	vectorLegacyPAN = "000001000000000082"
)

func mustPAN(tb testing.TB, s string) sts.PAN {
	tb.Helper()
	p, err := sts.ParsePAN(s)
	if err != nil {
		tb.Fatalf("ParsePAN(%s): %v", s, err)
	}
	return p
}

// drnWithCheck completes a DRN without its check digit by trying every digit against CheckDRN.
func drnWithCheck(tb testing.TB, iin, body string) string {
	tb.Helper()
	for d := '0'; d <= '9'; d++ {
		if sts.CheckDRN(iin, body+string(d)) == nil {
			return body + string(d)
		}
	}
	tb.Fatalf("no check digit makes %s%s? valid", iin, body)
	return ""
}

func TestParsePAN(t *testing.T) {
	cases := []struct {
		name string
		in   string
		iin  string
		drn  string
		mfr  uint16
	}{
		{"OKSTSIIN", vectorPAN, sts.IIN, "00000000000", 0},
		{"OKLegacyIIN", vectorLegacyPAN, sts.LegacyIIN, "0100000000008", 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sts.ParsePAN(tc.in)
			if err != nil {
				t.Fatalf("ParsePAN(%s): %v", tc.in, err)
			}
			if got := p.String(); got != tc.in {
				t.Errorf("String(): got %s, want %s", got, tc.in)
			}
			if got := p.IIN(); got != tc.iin {
				t.Errorf("IIN(): got %s, want %s", got, tc.iin)
			}
			if got := p.DRN(); got != tc.drn {
				t.Errorf("DRN(): got %s, want %s", got, tc.drn)
			}
			if got := p.ManufacturerCode(); got != tc.mfr {
				t.Errorf("ManufacturerCode(): got %d, want %d", got, tc.mfr)
			}
			if p.IsZero() {
				t.Errorf("IsZero(): got true, want false")
			}
			q, err := sts.NewPAN(tc.iin, tc.drn)
			if err != nil || q != p {
				t.Errorf("NewPAN(%s, %s): got %v, %v, want %v", tc.iin, tc.drn, q, err, p)
			}
		})
	}

	bad := []struct {
		name, in, wantText string
	}{
		{"ErrEmpty", "", "18 digits"},
		{"Err17Digits", "60072700000000000", "18 digits"},
		{"Err19Digits", "6007270000000000090", "18 digits"},
		{"ErrLetter", "60072700000000000X", "18 digits"},
		{"ErrDRNCheckDigit", "600727000000000019", "check digit"},
		{"ErrPANCheckDigit", "600727000000000008", "PAN check digit"},
		{"ErrLegacyPANCheckDigit", "000001000000000083", "PAN check digit"},
		{"ErrLegacyDRNCheckDigit", "000001000000000092", "check digit"},
		{"ErrUnknownIIN", "123456000000000009", "IIN"},
		{"ErrUnknownIINNearLegacy", "000101000000000082", "IIN"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sts.ParsePAN(tc.in)
			if err == nil {
				t.Fatalf("ParsePAN(%q): got %v, nil, want an error", tc.in, p)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("ParsePAN(%q): got error %q, want it to mention %q", tc.in, err, tc.wantText)
			}
			if !p.IsZero() {
				t.Errorf("ParsePAN(%q): got PAN %v with the error, want the zero PAN", tc.in, p)
			}
		})
	}
}

func TestNewPAN(t *testing.T) {
	ok := []struct {
		name, iin, drn, want string
	}{
		{"OKSTSIIN", "600727", "00000000000", vectorPAN},
		{"OKLegacyIIN", "0000", "0100000000008", vectorLegacyPAN},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sts.NewPAN(tc.iin, tc.drn)
			if err != nil || p.String() != tc.want {
				t.Fatalf("NewPAN(%s, %s): got %v, %v, want %s", tc.iin, tc.drn, p, err, tc.want)
			}
			if back := mustPAN(t, p.String()); back != p {
				t.Errorf("ParsePAN(String()): got %v, want %v", back, p)
			}
		})
	}
	t.Run("OKGeneratedDRNs", func(t *testing.T) {
		for _, body := range []string{"0412345678", "9999999999", "1234567890"} {
			drn := drnWithCheck(t, sts.IIN, body)
			p, err := sts.NewPAN(sts.IIN, drn)
			if err != nil {
				t.Fatal(err)
			}
			if p.DRN() != drn || p.IIN() != sts.IIN || p.ManufacturerCode() != uint16((body[0]-'0')*10+body[1]-'0') {
				t.Errorf("NewPAN(%s, %s): got DRN %s, IIN %s, mfr %d", sts.IIN, drn, p.DRN(), p.IIN(), p.ManufacturerCode())
			}
			if back := mustPAN(t, p.String()); back != p {
				t.Errorf("ParsePAN(String()): got %v, want %v", back, p)
			}
		}
	})
	bad := []struct {
		name, iin, drn, wantText string
	}{
		{"ErrSTSDRN10Digits", "600727", "0000000000", "11 digits"},
		{"ErrSTSDRN13Digits", "600727", "0100000000008", "11 digits"},
		{"ErrLegacyDRN11Digits", "0000", "00000000000", "13 digits"},
		{"ErrDRNLetter", "600727", "0000000000A", "11 digits"},
		{"ErrDRNCheckDigit", "600727", "00000000001", "check digit"},
		{"ErrLegacyDRNCheckDigit", "0000", "0100000000009", "check digit"},
		{"ErrUnknownIIN", "600728", "00000000000", "IIN"},
		{"ErrEmptyIIN", "", "00000000000", "IIN"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sts.NewPAN(tc.iin, tc.drn)
			if err == nil {
				t.Fatalf("NewPAN(%q, %q): got %v, nil, want an error", tc.iin, tc.drn, p)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("NewPAN(%q, %q): got error %q, want it to mention %q", tc.iin, tc.drn, err, tc.wantText)
			}
		})
	}
}

func TestZeroPAN(t *testing.T) {
	var p sts.PAN
	if !p.IsZero() || p.String() != "" || p.DRN() != "" || p.IIN() != "" {
		t.Errorf("zero PAN: got IsZero %v, String %q, DRN %q, IIN %q, want true, \"\", \"\", \"\"",
			p.IsZero(), p.String(), p.DRN(), p.IIN())
	}
	t.Run("OKManufacturerCode", func(t *testing.T) {
		// The zero PAN has manufacturer code 0 (it used to panic slicing its empty DRN).
		var got uint16
		if panics(func() { got = p.ManufacturerCode() }) {
			t.Fatalf("zero PAN ManufacturerCode(): got a panic, want 0")
		}
		if got != 0 {
			t.Errorf("zero PAN ManufacturerCode(): got %d, want 0", got)
		}
	})
}

// baseKeyParams are the parameters of the docs/sts.md §8 DKGA02 vector.
func baseKeyParams(tb testing.TB) sts.KeyParams {
	return sts.KeyParams{
		PAN: mustPAN(tb, vectorPAN), KT: sts.KeyTypeUnique, SGC: 123456, TI: 1, KRN: 1,
		BaseDate: sts.BaseDate1993, EA: sts.EA07,
	}
}

const (
	vectorVK02 = "abababababababab"
	vectorVK04 = "abababababababab949494949494949401234567"
)

func TestDeriveKey(t *testing.T) {
	cases := []struct {
		name   string
		source string
		dkga   sts.DKGA
		vk     string
		edit   func(*sts.KeyParams)
		want   string
	}{
		{"OKDKGA02", "docs/sts.md §8 DKGA02 vector (STS 531-1-0-02 CTSA01)", sts.DKGA02, vectorVK02,
			func(*sts.KeyParams) {}, "e653341f9d5bf36f"},
		{"OKDKGA04EA11", "docs/sts.md §8 DKGA04 vector (STS 531-1-0-04)", sts.DKGA04, vectorVK04,
			func(p *sts.KeyParams) { p.SGC = 123457; p.EA = sts.EA11 }, "f94b6ed353c3bfdb113e2d3a7ea3c41d"},
		{"OKDKGA04EA07", "docs/sts.md §8 DKGA04 vector, EA 07", sts.DKGA04, vectorVK04,
			func(p *sts.KeyParams) { p.SGC = 123457 }, "aa4baa8749c10d27"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := baseKeyParams(t)
			tc.edit(&p)
			dk, err := sts.DeriveKey(tc.dkga, mustHex(t, tc.vk), p)
			if err != nil {
				t.Fatalf("%s: DeriveKey: %v", tc.source, err)
			}
			if got := hex.EncodeToString(dk); got != tc.want {
				t.Errorf("%s: DeriveKey: got %s, want %s", tc.source, got, tc.want)
			}
			if len(dk) != p.EA.KeySize() {
				t.Errorf("%s: key length: got %d, want %d", tc.source, len(dk), p.EA.KeySize())
			}
			if _, err := sts.NewCipher(p.EA, dk); err != nil {
				t.Errorf("%s: NewCipher(EA%s, derived key): %v", tc.source, p.EA, err)
			}
		})
	}
}

func TestDeriveKeyErrors(t *testing.T) {
	cases := []struct {
		name     string
		dkga     sts.DKGA
		vk       string
		edit     func(*sts.KeyParams)
		wantText string
	}{
		{"ErrDKGA02VK7", sts.DKGA02, "abababababab01", nil, "vending key"},
		{"ErrDKGA02VK16", sts.DKGA02, vectorVK02 + "0123456789abcdef", nil, "vending key"},
		{"ErrDKGA02VK20", sts.DKGA02, vectorVK04, nil, "vending key"},
		{"ErrDKGA04VK8", sts.DKGA04, vectorVK02, nil, "vending key"},
		{"ErrDKGA04VK19", sts.DKGA04, vectorVK04[:38], nil, "vending key"},
		{"ErrDKGA04VK32", sts.DKGA04, vectorVK04 + "0123456789abcdef0123456789ab", nil, "vending key"},
		{"ErrDKGA02EA11", sts.DKGA02, vectorVK02, func(p *sts.KeyParams) { p.EA = sts.EA11 }, "EA11"},
		{"ErrDKGA04BaseDate0", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.BaseDate = 0 }, "base date"},
		{"ErrDKGA04BaseDate2000", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.BaseDate = 2000 }, "base date"},
		{"ErrDKGA04EA09", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.EA = sts.EA09 }, "EA09"},
		{"ErrKRN0", sts.DKGA02, vectorVK02, func(p *sts.KeyParams) { p.KRN = 0 }, "key revision number"},
		{"ErrKRN16", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.KRN = 16 }, "key revision number"},
		{"ErrTI100", sts.DKGA02, vectorVK02, func(p *sts.KeyParams) { p.TI = 100 }, "tariff index"},
		{"ErrKT4", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.KT = 4 }, "key type"},
		{"ErrSGC7Digits", sts.DKGA02, vectorVK02, func(p *sts.KeyParams) { p.SGC = 1000000 }, "supply group code"},
		{"ErrZeroPAN02", sts.DKGA02, vectorVK02, func(p *sts.KeyParams) { p.PAN = sts.PAN{} }, "PAN"},
		{"ErrZeroPAN04", sts.DKGA04, vectorVK04, func(p *sts.KeyParams) { p.PAN = sts.PAN{} }, "PAN"},
		{"ErrUnknownDKGA", sts.DKGA(3), vectorVK02, nil, "algorithm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := baseKeyParams(t)
			if tc.edit != nil {
				tc.edit(&p)
			}
			vk := mustHex(t, tc.vk)
			dk, err := sts.DeriveKey(tc.dkga, vk, p)
			if err == nil {
				t.Fatalf("DeriveKey: got %x, nil, want an error", dk)
			}
			if dk != nil {
				t.Errorf("DeriveKey: got key %x with the error, want nil", dk)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantText) {
				t.Errorf("DeriveKey: got error %q, want it to mention %q", msg, tc.wantText)
			}
			// The vending key is a secret: no part of it may appear in the error.
			for _, enc := range []string{hex.EncodeToString(vk), strings.ToUpper(hex.EncodeToString(vk))} {
				if len(enc) >= 8 && strings.Contains(msg, enc[:8]) {
					t.Errorf("DeriveKey: error %q contains the vending key", msg)
				}
			}
			if bytes.Contains([]byte(msg), vk) {
				t.Errorf("DeriveKey: error %q contains the raw vending key bytes", msg)
			}
		})
	}
}

// TestDeriveKeyCommon: a common key (KT 3, DCTK) does not depend on the meter's DRN, so every meter
// of a supply group, tariff index and KRN shares it; a unique key (KT 2) differs per meter.
func TestDeriveKeyCommon(t *testing.T) {
	algos := []struct {
		name string
		dkga sts.DKGA
		vk   string
		ea   sts.EA
	}{
		{"DKGA02", sts.DKGA02, vectorVK02, sts.EA07},
		{"DKGA04EA07", sts.DKGA04, vectorVK04, sts.EA07},
		{"DKGA04EA11", sts.DKGA04, vectorVK04, sts.EA11},
	}
	meters := []struct {
		name string
		a, b sts.PAN
	}{
		{"STSIIN", mustPAN(t, vectorPAN), mustPANFromDRN(t, sts.IIN, drnWithCheck(t, sts.IIN, "0412345678"))},
		{"LegacyIIN", mustPAN(t, vectorLegacyPAN), mustPANFromDRN(t, sts.LegacyIIN, drnWithCheck(t, sts.LegacyIIN, "010012345678"))},
	}
	for _, a := range algos {
		for _, m := range meters {
			derive := func(t *testing.T, kt sts.KeyType, pan sts.PAN) []byte {
				t.Helper()
				p := baseKeyParams(t)
				p.PAN, p.KT, p.EA = pan, kt, a.ea
				dk, err := sts.DeriveKey(a.dkga, mustHex(t, a.vk), p)
				if err != nil {
					t.Fatalf("DeriveKey(KT %d, %s): %v", kt, pan, err)
				}
				return dk
			}
			t.Run("SameKeyKT3/"+a.name+"/"+m.name, func(t *testing.T) {
				ka, kb := derive(t, sts.KeyTypeCommon, m.a), derive(t, sts.KeyTypeCommon, m.b)
				if !bytes.Equal(ka, kb) {
					t.Errorf("KT 3 keys of %s and %s: got %x and %x, want equal", m.a, m.b, ka, kb)
				}
			})
			t.Run("DifferentKeyKT2/"+a.name+"/"+m.name, func(t *testing.T) {
				ka, kb := derive(t, sts.KeyTypeUnique, m.a), derive(t, sts.KeyTypeUnique, m.b)
				if bytes.Equal(ka, kb) {
					t.Errorf("KT 2 keys of %s and %s: got %x for both, want different", m.a, m.b, ka)
				}
				if kc := derive(t, sts.KeyTypeCommon, m.a); bytes.Equal(ka, kc) {
					t.Errorf("KT 2 and KT 3 keys of %s: got %x for both, want different", m.a, ka)
				}
			})
		}
	}
	t.Run("DifferentKeyOtherSGC", func(t *testing.T) {
		p := baseKeyParams(t)
		p.KT = sts.KeyTypeCommon
		k1, err := sts.DeriveKey(sts.DKGA02, mustHex(t, vectorVK02), p)
		if err != nil {
			t.Fatal(err)
		}
		p.SGC++
		k2, err := sts.DeriveKey(sts.DKGA02, mustHex(t, vectorVK02), p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(k1, k2) {
			t.Errorf("KT 3 keys of SGC 123456 and 123457: got %x for both, want different", k1)
		}
	})
}

func mustPANFromDRN(tb testing.TB, iin, drn string) sts.PAN {
	tb.Helper()
	p, err := sts.NewPAN(iin, drn)
	if err != nil {
		tb.Fatalf("NewPAN(%s, %s): %v", iin, drn, err)
	}
	return p
}
