package smstext_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/vendgate/vendgate/smstext"
)

func TestEncodeVectors(t *testing.T) {
	for _, v := range loadJSON[encodeVector](t, "encode.json") {
		t.Run(v.Name, func(t *testing.T) {
			parts, err := mustCodec(t, v.Default).Encode(v.Text, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != len(v.Parts) {
				t.Fatalf("got %d parts, want %d", len(parts), len(v.Parts))
			}
			for i, want := range v.Parts {
				got := parts[i]
				if got.DataCoding != want.DataCoding || got.ESMClass != want.ESMClass || !strings.EqualFold(hex.EncodeToString(got.ShortMessage), want.Hex) {
					t.Errorf("part %d: got dc 0x%02X esm 0x%02X %X, want dc 0x%02X esm 0x%02X %s (%s)",
						i+1, got.DataCoding, got.ESMClass, got.ShortMessage, want.DataCoding, want.ESMClass, want.Hex, v.Source)
				}
			}
		})
	}
}

// partText is the text octets of a part, after its concatenation header if it has one.
func partText(tb testing.TB, p smstext.Part) []byte {
	tb.Helper()
	if p.ESMClass&smstext.ESMClassUDHI == 0 {
		return p.ShortMessage
	}
	u, err := smstext.ParseUDH(p.ShortMessage)
	if err != nil {
		tb.Fatal(err)
	}
	return p.ShortMessage[u.Len:]
}

func TestEncodeSplitting(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("ж", n) }
	tests := []struct {
		name   string
		codec  smstext.Codec
		text   string
		dc     byte
		octets []int // text octets of each part, UDH excluded
	}{
		{"OK160Septets", smstext.Codec{}, a(160), 0, []int{160}},
		{"Split161Septets", smstext.Codec{}, a(161), 0, []int{153, 8}},
		{"Split306Septets", smstext.Codec{}, a(306), 0, []int{153, 153}},
		{"Split307Septets", smstext.Codec{}, a(307), 0, []int{153, 153, 1}},
		{"OKExtension80Euro", smstext.Codec{}, strings.Repeat("€", 80), 0, []int{160}},
		{"SplitExtension81Euro", smstext.Codec{}, strings.Repeat("€", 81), 0, []int{152, 10}},
		{"EscapeNotSplit", smstext.Codec{}, a(152) + "€" + a(10), 0, []int{152, 12}},
		{"EscapeFitsExactly", smstext.Codec{}, a(151) + "€" + a(10), 0, []int{153, 10}},
		{"OK70UCS2", smstext.Codec{}, zh(70), 8, []int{140}},
		{"Split71UCS2", smstext.Codec{}, zh(71), 8, []int{134, 8}},
		{"SurrogateNotSplit", smstext.Codec{}, zh(66) + "😀" + zh(3), 8, []int{132, 10}},
		{"SurrogateFitsExactly", smstext.Codec{}, zh(65) + "😀" + zh(4), 8, []int{134, 8}},
		{"OneNonGSMMakesUCS2", smstext.Codec{}, a(100) + "ç", 8, []int{134, 68}},
		{"Packed160", smstext.Codec{Default: smstext.GSM7Packed}, a(160), 0, []int{140}},
		{"Packed161", smstext.Codec{Default: smstext.GSM7Packed}, a(161), 0, []int{134, 8}},
		{"Latin1SMSC161", smstext.Codec{Default: smstext.Latin1}, a(161), 0, []int{153, 8}},
		{"Latin1SMSCExtensionCountsTwo", smstext.Codec{Default: smstext.Latin1}, strings.Repeat("{", 81), 0, []int{76, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := tt.codec.Encode(tt.text, 0x42)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, p := range parts {
				got = append(got, len(partText(t, p)))
				if p.DataCoding != tt.dc {
					t.Errorf("part %d: got data_coding 0x%02X, want 0x%02X", i+1, p.DataCoding, tt.dc)
				}
				wantESM, wantUDH := byte(0), []byte(nil)
				if len(parts) > 1 {
					wantESM, wantUDH = smstext.ESMClassUDHI, []byte{5, 0, 3, 0x42, byte(len(parts)), byte(i + 1)}
				}
				if p.ESMClass != wantESM || !bytes.HasPrefix(p.ShortMessage, wantUDH) {
					t.Errorf("part %d: got esm 0x%02X %X, want esm 0x%02X and header %X", i+1, p.ESMClass, p.ShortMessage, wantESM, wantUDH)
				}
				if tt.codec.Default == smstext.GSM7Packed || p.DataCoding == 8 {
					if len(p.ShortMessage) > 140 {
						t.Errorf("part %d: %d octets, more than the 140 of one SMS", i+1, len(p.ShortMessage))
					}
				}
			}
			if !equalInts(got, tt.octets) {
				t.Errorf("got part lengths %v, want %v", got, tt.octets)
			}
			if s := tt.codec.Measure(tt.text); s.Parts != len(parts) {
				t.Errorf("Measure says %d parts, Encode made %d", s.Parts, len(parts))
			}
			if got := decodeParts(t, tt.codec, parts); got != tt.text {
				t.Errorf("round trip: got %q, want %q", got, tt.text)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEncodeNoPartEndsMidCharacter: wherever the boundary falls, no part ends with an escape
// (€ is ESC 0x65) or a high surrogate, and the parts join back to the text.
func TestEncodeNoPartEndsMidCharacter(t *testing.T) {
	for pad := range 20 {
		for _, text := range []string{strings.Repeat("a", pad) + strings.Repeat("€", 200), strings.Repeat("ж", pad) + strings.Repeat("😀", 100)} {
			parts, err := smstext.Encode(text, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range parts {
				txt := partText(t, p)
				if p.DataCoding == 0 && txt[len(txt)-1] == 0x1B {
					t.Errorf("pad %d part %d ends with an escape", pad, i+1)
				}
				if last := rune(txt[len(txt)-2])<<8 | rune(txt[len(txt)-1]); p.DataCoding == 8 && utf16.IsSurrogate(last) && last < 0xDC00 {
					t.Errorf("pad %d part %d ends with high surrogate %04X", pad, i+1, last)
				}
			}
			if got := decodeParts(t, smstext.Codec{}, parts); got != text {
				t.Errorf("pad %d: round trip got %q", pad, got)
			}
		}
	}
}

func TestEncodePackedCR(t *testing.T) {
	packed := smstext.Codec{Default: smstext.GSM7Packed}
	tests := []struct {
		name, text, want string
	}{
		// 8 septets end on an octet boundary: the final <CR> is doubled (TS 23.038 §6.1.2.3.1).
		{"FinalCROnBoundaryDoubled", "abcdefg\r", "abcdefg\r\r"},
		{"FinalCRNotOnBoundaryKept", "abc\r", "abc\r"},
		// 160 septets ending in <CR> on a boundary leave no room to double it: two parts, and
		// in the second the <CR> is off the boundary, so it is not doubled.
		{"FinalCRAtLimitSplits", strings.Repeat("a", 159) + "\r", strings.Repeat("a", 159) + "\r"},
		// 153 septets ending in <CR> after the header fill bit end on a boundary; the <CR> moves
		// to a last part of its own, where it is doubled.
		{"FinalCRAtPartLimitMoves", strings.Repeat("a", 305) + "\r", strings.Repeat("a", 305) + "\r\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := packed.Encode(tt.text, 9)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range parts {
				if len(p.ShortMessage) > 140 {
					t.Errorf("part %d: %d octets", i+1, len(p.ShortMessage))
				}
			}
			if got := decodeParts(t, packed, parts); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// A middle part never ends with a <CR> on an octet boundary: it would read as padding.
	for n := 140; n < 160; n++ {
		text := strings.Repeat("a", n) + strings.Repeat("\r", 320-n)
		parts, err := packed.Encode(text, 9)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeParts(t, packed, parts); !sameText(packed, text, got) {
			t.Errorf("%d a then CRs: got %q", n, got)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := smstext.Encode("ok\xff", 1); !errors.Is(err, smstext.ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: got %v, want ErrInvalidUTF8", err)
	} else if e := new(smstext.Error); errors.As(err, &e) && e.Offset != 2 {
		t.Errorf("invalid UTF-8: got offset %d, want 2", e.Offset)
	}
	if parts, err := smstext.Encode(strings.Repeat("a", 255*153), 1); err != nil || len(parts) != 255 {
		t.Errorf("255 full parts: got %d parts, %v", len(parts), err)
	}
	if _, err := smstext.Encode(strings.Repeat("a", 255*153+1), 1); !errors.Is(err, smstext.ErrTooLong) {
		t.Errorf("256 parts: got %v, want ErrTooLong", err)
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name  string
		codec smstext.Codec
		text  string
		want  smstext.Size
	}{
		{"Empty", smstext.Codec{}, "", smstext.Size{Alphabet: smstext.AlphabetGSM7, Units: 0, Parts: 1}},
		{"Token", smstext.Codec{}, "Token 1234 5678 9012 3456 7890 for 12.3 kWh", smstext.Size{Alphabet: smstext.AlphabetGSM7, Units: 43, Parts: 1}},
		{"ExtensionCountsTwo", smstext.Codec{}, "[x]", smstext.Size{Alphabet: smstext.AlphabetGSM7, Units: 5, Parts: 1}},
		{"GSM161", smstext.Codec{}, strings.Repeat("a", 161), smstext.Size{Alphabet: smstext.AlphabetGSM7, Units: 161, Parts: 2}},
		{"EmojiTwoUnits", smstext.Codec{}, "a😀", smstext.Size{Alphabet: smstext.AlphabetUCS2, Units: 3, Parts: 1}},
		{"UCS2_71", smstext.Codec{}, strings.Repeat("ж", 71), smstext.Size{Alphabet: smstext.AlphabetUCS2, Units: 71, Parts: 2}},
		{"Latin1SMSC", smstext.Codec{Default: smstext.Latin1}, "Olá", smstext.Size{Alphabet: smstext.AlphabetUCS2, Units: 3, Parts: 1}},
		{"Latin1SMSCGSM", smstext.Codec{Default: smstext.Latin1}, "Ola {1}", smstext.Size{Alphabet: smstext.AlphabetLatin1, Units: 9, Parts: 1}},
		{"Latin1SMSCEuro", smstext.Codec{Default: smstext.Latin1}, "€", smstext.Size{Alphabet: smstext.AlphabetUCS2, Units: 1, Parts: 1}},
		{"TooLongStillCounted", smstext.Codec{}, strings.Repeat("a", 256*153), smstext.Size{Alphabet: smstext.AlphabetGSM7, Units: 256 * 153, Parts: 256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.codec.Measure(tt.text); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
