package sts_test

import (
	"crypto/cipher"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/vendgate/vendgate/sts"
)

// fuzzTokenSeeds are every published vector token (testdata) and a few malformed inputs.
func fuzzTokenSeeds(f *testing.F) []string {
	var seeds []string
	for _, v := range loadVectors(f) {
		seeds = append(seeds, v.Token)
	}
	return append(seeds, "", "0000-0000", "73786976294838206464", "73786976294838206463",
		"5649-3153-7254-5031-3471", "5649 3153 7254 5031 347a", "--------------------------------")
}

func FuzzParseToken(f *testing.F) {
	for _, s := range fuzzTokenSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := sts.ParseToken(s)
		if err != nil {
			if !errors.Is(err, sts.ErrFormat) {
				t.Fatalf("ParseToken(%q): got error %v, want it to wrap ErrFormat", s, err)
			}
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s)
			if len(digits) >= 8 && strings.Contains(err.Error(), digits) {
				t.Fatalf("ParseToken(%q): error %q repeats the input digits", s, err)
			}
			return
		}
		str := tok.String()
		if len(str) != 20 || strings.TrimFunc(str, unicode.IsDigit) != "" {
			t.Fatalf("ParseToken(%q).String(): got %q, want 20 digits", s, str)
		}
		for _, form := range []string{str, tok.Display()} {
			back, err := sts.ParseToken(form)
			if err != nil || back != tok {
				t.Fatalf("ParseToken(%q): got %v, %v, want %v (from %q)", form, back, err, tok, s)
			}
		}
		if got := tokenDigits(tok.Class(), tok.Cipher()); got != str {
			t.Fatalf("class insertion of Class() and Cipher(): got %s, want %s", got, str)
		}
	})
}

// fuzzKeys makes an STA and a MISTY1 key from arbitrary fuzz bytes.
func fuzzKeys(b []byte) (sta, misty []byte) {
	sta, misty = make([]byte, 8), make([]byte, 16)
	if len(b) > 0 {
		for i := range misty {
			misty[i] = b[i%len(b)]
		}
		copy(sta, misty)
	}
	return sta, misty
}

func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.Token, mustHex(f, v.DecoderKey))
	}
	for _, s := range []string{"", "0000-0000", "73786976294838206464", "00000000000402653184"} {
		f.Add(s, []byte{})
	}
	f.Fuzz(func(t *testing.T, s string, key []byte) {
		tok, err := sts.ParseToken(s)
		if err != nil {
			return
		}
		staKey, mistyKey := fuzzKeys(key)
		sta, err := sts.NewSTA(staKey)
		if err != nil {
			t.Fatal(err)
		}
		misty, err := sts.NewMISTY1(mistyKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			c    cipher.Block
		}{{"STA", sta}, {"MISTY1", misty}} {
			p, err := sts.Decode(tok, c.c)
			if err != nil {
				switch {
				case errors.Is(err, sts.ErrCRC), errors.Is(err, sts.ErrReservedClass), errors.Is(err, sts.ErrUnknownKind):
				default:
					t.Fatalf("Decode(%s) under %s: got error %v, want ErrCRC, ErrReservedClass or ErrUnknownKind", tok, c.name, err)
				}
				if p != nil {
					t.Fatalf("Decode(%s) under %s: got payload %+v with error %v", tok, c.name, p, err)
				}
				continue
			}
			back, err := sts.Encode(p, c.c)
			if err != nil || back != tok {
				t.Fatalf("Encode(Decode(%s) = %+v) under %s: got %v, %v, want %s", tok, p, c.name, back, err, tok)
			}
		}
		// The same bits as a plaintext block with its CRC corrected: every defined kind parses,
		// and its payload rebuilds exactly that block.
		class := tok.Class()
		b := tok.Cipher()
		b = b&^0xFFFF | uint64(sts.CRC(class, b))
		p, err := sts.ParseBlock(class, b)
		if err != nil {
			k := sts.Kind{Class: class, Subclass: uint8(b >> 60)}
			if class == 3 && errors.Is(err, sts.ErrReservedClass) || !k.Known() && errors.Is(err, sts.ErrUnknownKind) {
				return
			}
			t.Fatalf("ParseBlock(%d, %016x): got error %v", class, b, err)
		}
		if got, err := sts.Block(p); err != nil || got != b {
			t.Fatalf("Block(ParseBlock(%d, %016x) = %+v): got %016x, %v", class, b, p, got, err)
		}
		enc, err := sts.Encode(p, sta)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", p, err)
		}
		if back, err := sts.Decode(enc, sta); err != nil || back != p {
			t.Fatalf("Decode(Encode(%+v)): got %+v, %v", p, back, err)
		}
	})
}

func FuzzParseTenths(f *testing.F) {
	for _, s := range []string{"12", "12.5", "12.50", "0.1", ".5", "0", "12.34", "-1", "1e3", "", ".", "abc",
		"1.2.3", " 1", "1820162.4", "999999999999999.9", "12.", "0000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := sts.ParseTenths(s)
		if err != nil {
			return
		}
		if strings.TrimLeft(s, "0123456789.") != "" || strings.Count(s, ".") > 1 {
			t.Fatalf("ParseTenths(%q): got %d, nil, want an error for a non-decimal", s, v)
		}
		str := sts.FormatTenths(v)
		back, err := sts.ParseTenths(str)
		if err != nil || back != v {
			t.Fatalf("ParseTenths(FormatTenths(%d) = %q): got %d, %v, want %d", v, str, back, err, v)
		}
	})
}

func FuzzParsePAN(f *testing.F) {
	for _, s := range []string{vectorPAN, vectorLegacyPAN, "", "600727000000000008", "600727000000000019",
		"123456000000000009", "0000", "60072700000000000X", "000000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := sts.ParsePAN(s)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("ParsePAN(%q): got %v with error %v, want the zero PAN", s, p, err)
			}
			return
		}
		if p.String() != s || p.IsZero() {
			t.Fatalf("ParsePAN(%q): got %q (zero %v)", s, p, p.IsZero())
		}
		if back, err := sts.ParsePAN(p.String()); err != nil || back != p {
			t.Fatalf("ParsePAN(String()): got %v, %v, want %v", back, err, p)
		}
		if err := sts.CheckDRN(p.IIN(), p.DRN()); err != nil {
			t.Fatalf("CheckDRN(%s, %s): %v", p.IIN(), p.DRN(), err)
		}
		if q, err := sts.NewPAN(p.IIN(), p.DRN()); err != nil || q != p {
			t.Fatalf("NewPAN(IIN(), DRN()): got %v, %v, want %v", q, err, p)
		}
		if !strings.HasPrefix(s, p.IIN()+p.DRN()) {
			t.Fatalf("ParsePAN(%q): IIN %s and DRN %s are not its prefix", s, p.IIN(), p.DRN())
		}
		_ = p.ManufacturerCode()
	})
}
