package smstext

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Limits of one short message (3GPP TS 23.040 §9.2.3.16, 140 octets of user data): a lone part
// holds 160 septets or 70 UTF-16 units; with the 6-octet concatenation header, 153 or 67.
const (
	MaxSeptets          = 160
	MaxSeptetsConcat    = 153
	MaxUCS2Units        = 70
	MaxUCS2UnitsConcat  = 67
	MaxParts            = 255
	concatHeaderOctets  = 6
	concatHeaderFillBit = 1 // fillBits(concatHeaderOctets)
)

// Part is the content of one submit_sm of a reply.
type Part struct {
	DataCoding   byte   // data_coding: DataCodingDefault for GSM 7-bit text, DataCodingUCS2 otherwise
	ESMClass     byte   // ESMClassUDHI when ShortMessage starts with a UDH, else 0; OR it into esm_class
	ShortMessage []byte // short_message: the UDH, if any, then the text
}

// Size is what a text costs as SMS.
type Size struct {
	Alphabet Alphabet // AlphabetGSM7 (AlphabetLatin1 on a Latin1 SMSC) or AlphabetUCS2
	Units    int      // septets (extension characters count two) or UTF-16 code units
	Parts    int      // short messages needed; more than MaxParts means Encode refuses it
}

// Measure is Codec{}.Measure.
func Measure(text string) Size { return Codec{}.Measure(text) }

// Measure tells what Encode would make of text: the alphabet, its length in that alphabet's
// units and how many parts it needs, so that callers can keep a reply within one SMS. Invalid
// UTF-8 counts as U+FFFD (Encode refuses it).
func (c Codec) Measure(text string) Size {
	p := c.plan([]rune(text))
	return Size{Alphabet: p.alphabet, Units: p.units, Parts: len(p.cuts)}
}

// Encode is Codec{}.Encode: GSM 7-bit unpacked under data_coding 0 where it can.
func Encode(text string, ref uint8) ([]Part, error) { return Codec{}.Encode(text, ref) }

// Encode turns a reply into the parts to submit. It uses the GSM 7-bit default alphabet
// (data_coding 0) when every character of text is in it or its extension table, and UCS-2
// (data_coding 8, UTF-16BE, emoji as surrogate pairs) otherwise. On an SMSC whose default
// alphabet is Latin1 it sends ISO 8859-1 octets under data_coding 0, for the SMSC to convert,
// when every character is both in GSM 7-bit and in ISO 8859-1, and counts septets as the SMSC will.
//
// A text that fits in one part (160 septets, 70 UTF-16 units) gives one part with no header.
// A longer text gives parts of at most 153 septets or 67 units, each headed by an 8-bit
// concatenation UDH with reference ref (the caller keeps refs distinct per recipient) and with
// ESMClassUDHI set; no part ends inside an escape sequence or a surrogate pair. GSM 7-bit is one
// septet per octet unless Default is GSM7Packed; packed text follows TS 23.038 §6.1.2.3.1 (a
// <CR> pads seven spare bits, and a final <CR> that ends on an octet boundary is doubled, which
// the standard defines to mean the same).
//
// Empty text gives one empty part. Errors: ErrInvalidUTF8, ErrTooLong.
func (c Codec) Encode(text string, ref uint8) ([]Part, error) {
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, errAt(ErrInvalidUTF8, i, "")
	}
	runes := []rune(text)
	p := c.plan(runes)
	if len(p.cuts) > MaxParts {
		return nil, errAt(ErrTooLong, -1, "")
	}
	parts := make([]Part, len(p.cuts))
	start := 0
	for i, end := range p.cuts {
		var udh []byte
		if len(p.cuts) > 1 {
			udh = concatUDH(ref, uint8(len(p.cuts)), uint8(i+1))
			parts[i].ESMClass = ESMClassUDHI
		}
		parts[i].DataCoding = DataCodingDefault
		chunk := runes[start:end]
		start = end
		switch {
		case p.alphabet == AlphabetUCS2:
			parts[i].DataCoding = DataCodingUCS2
			sm := udh
			for _, u := range utf16.Encode(chunk) {
				sm = append(sm, byte(u>>8), byte(u))
			}
			parts[i].ShortMessage = sm
		case p.alphabet == AlphabetLatin1:
			sm := udh
			for _, r := range chunk {
				sm = append(sm, byte(r))
			}
			parts[i].ShortMessage = sm
		case p.packed:
			fill := 0
			if udh != nil {
				fill = concatHeaderFillBit
			}
			parts[i].ShortMessage = append(udh, packSeptets(packedSeptets(chunk, fill), fill)...)
		default:
			sm := udh
			for _, r := range chunk {
				sm = appendGSM(sm, r)
			}
			parts[i].ShortMessage = sm
		}
		if parts[i].ShortMessage == nil {
			parts[i].ShortMessage = []byte{}
		}
	}
	return parts, nil
}

// packedSeptets is the septets of chunk as packed GSM 7-bit sends them after fill bits: with a
// second <CR> when the text ends with <CR> on an octet boundary, and a padding <CR> when seven
// bits of the last octet would be spare (TS 23.038 §6.1.2.3.1).
func packedSeptets(chunk []rune, fill int) []byte {
	var s []byte
	for _, r := range chunk {
		s = appendGSM(s, r)
	}
	if n := len(s); n > 0 && s[n-1] == cr && (fill+7*n)%8 == 0 {
		s = append(s, cr)
	}
	if (fill+7*len(s))%8 == 1 {
		s = append(s, cr)
	}
	return s
}

// plan is how a text is split: the alphabet and where each part ends.
type plan struct {
	alphabet Alphabet
	packed   bool
	units    int
	cuts     []int // end index into the runes of each part
}

func (c Codec) plan(runes []rune) plan {
	p := plan{alphabet: AlphabetGSM7, packed: c.Default == GSM7Packed}
	if c.Default == Latin1 {
		p.alphabet = AlphabetLatin1
	}
	for _, r := range runes {
		n := gsmSeptets(r)
		if n == 0 || (c.Default == Latin1 && r > 0xFF) {
			p.alphabet, p.packed, p.units = AlphabetUCS2, false, 0
			break
		}
		p.units += n
	}
	cost, single, multi := gsmSeptets, MaxSeptets, MaxSeptetsConcat
	if p.alphabet == AlphabetUCS2 {
		cost, single, multi = utf16Units, MaxUCS2Units, MaxUCS2UnitsConcat
		for _, r := range runes {
			p.units += utf16Units(r)
		}
	}
	if p.units+p.extraCR(runes, len(runes), p.units, 0) <= single {
		p.cuts = []int{len(runes)}
		return p
	}
	fill := 0
	if p.packed {
		fill = concatHeaderFillBit
	}
	for start := 0; start < len(runes); {
		end, used := start, 0
		for end < len(runes) && used+cost(runes[end]) <= multi {
			used += cost(runes[end])
			end++
		}
		// Packed GSM 7-bit: a part that ends with <CR> on an octet boundary needs a second <CR>.
		// Only the last part may have it (in the middle it would add a character), and only
		// when there is room; otherwise the <CR> moves on to the next part.
		if x := p.extraCR(runes, end, used, fill); x > 0 && (end < len(runes) || used+x > multi) {
			end--
		}
		p.cuts = append(p.cuts, end)
		start = end
	}
	return p
}

// extraCR is 1 when the packed part runes[:end] of septets septets ends with <CR> on an octet
// boundary, else 0.
func (p plan) extraCR(runes []rune, end, septets, fill int) int {
	if p.packed && end > 0 && runes[end-1] == '\r' && (fill+7*septets)%8 == 0 {
		return 1
	}
	return 0
}

func utf16Units(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}
