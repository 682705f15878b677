package smstext_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vendgate/vendgate/smstext"
)

// gsmChars is every character of the GSM 7-bit default alphabet and its extension table.
var gsmChars = []rune("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" + "\f^{}\\[~]|€")

func randomGSM(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(700) {
		b.WriteRune(gsmChars[rng.IntN(len(gsmChars))])
	}
	return b.String()
}

// randomUnicode mixes GSM characters with Latin-1, Cyrillic, CJK, emoji (outside the BMP) and
// control characters, so that boundaries fall on every kind of character.
func randomUnicode(rng *rand.Rand) string {
	ranges := [][2]rune{{0x20, 0x7E}, {0x00, 0x1F}, {0xA0, 0xFF}, {0x400, 0x4FF}, {0x4E00, 0x9FFF}, {0x1F300, 0x1FAFF}, {0xE000, 0xFFFD}, {0x10000, 0x10FFFF}}
	var b strings.Builder
	for range rng.IntN(400) {
		if rng.IntN(3) == 0 {
			b.WriteRune(gsmChars[rng.IntN(len(gsmChars))])
			continue
		}
		r := ranges[rng.IntN(len(ranges))]
		c := r[0] + rng.Int32N(r[1]-r[0]+1)
		if !utf8.ValidRune(c) {
			c = 'x'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// TestRoundTrip is the property encode → split → decode each part → reassemble == input, over
// random GSM-representable and random Unicode texts, on every SMSC configuration.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 3))
	for _, c := range codecs {
		for i := range 300 {
			for _, text := range []string{randomGSM(rng), randomUnicode(rng)} {
				ref := uint8(i)
				parts, err := c.Encode(text, ref)
				if err != nil {
					t.Fatalf("%s: %q: %v", c.Default, text, err)
				}
				if n := c.Measure(text).Parts; n != len(parts) {
					t.Fatalf("%s: %q: Measure says %d parts, Encode made %d", c.Default, text, n, len(parts))
				}
				for j, p := range parts {
					if max := maxOctets(c, p); len(p.ShortMessage) > max {
						t.Fatalf("%s: %q: part %d has %d octets, more than %d", c.Default, text, j+1, len(p.ShortMessage), max)
					}
				}
				if got := decodeParts(t, c, parts); !sameText(c, text, got) {
					t.Fatalf("%s: got %q, want %q", c.Default, got, text)
				}
			}
		}
	}
}

// maxOctets is the most a part may hold: 140 octets on the air, or one octet a septet when
// GSM 7-bit is unpacked (160 septets, or 6 header octets and 153 septets).
func maxOctets(c smstext.Codec, p smstext.Part) int {
	if p.DataCoding == smstext.DataCodingDefault && c.Default != smstext.GSM7Packed {
		return 160
	}
	return 140
}
