package smstext

import "unicode/utf8"

// The GSM 7-bit default alphabet and its extension table, 3GPP TS 23.038 §6.2.1 and §6.2.1.1.
// Vendgate keeps its own tables and bit packing instead of gosmpp v0.3.1's data.GSM7: its
// packed decoder cannot tell a final '@' from padding (it keeps or drops a trailing 0x00 septet
// by looking at whether the last octet is zero), ignores the <CR> padding rule of §6.1.2.3.1 and
// skips no fill bits after a user data header, and it rejects ESC followed by a code the
// extension table leaves undefined, where §6.2.1.1 says to show the main-table character.

const (
	esc = 0x1B // escape to the extension table
	cr  = 0x0D // <CR>, also the padding septet of §6.1.2.3.1
)

// gsmBasic is the default alphabet: septet value to character. 0x1B is the escape and maps to
// nothing; decoders handle it before looking here.
var gsmBasic = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 0, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// gsmExt is the extension table: the septet after ESC to character.
var gsmExt = map[byte]rune{
	0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\',
	0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€',
}

// gsmCode maps a character to its septets: the basic code, or ESC and the extension code.
var gsmCode = func() map[rune][2]byte {
	m := make(map[rune][2]byte, 140)
	for i, r := range gsmBasic {
		if i != esc {
			m[r] = [2]byte{byte(i), 0xFF}
		}
	}
	for c, r := range gsmExt {
		m[r] = [2]byte{esc, c}
	}
	return m
}()

// gsmSeptets returns how many septets r takes in GSM 7-bit (1, or 2 for the extension table),
// or 0 if the default alphabet cannot represent it.
func gsmSeptets(r rune) int {
	c, ok := gsmCode[r]
	switch {
	case !ok:
		return 0
	case c[0] == esc:
		return 2
	default:
		return 1
	}
}

// appendGSM appends the septets of r, which must be representable.
func appendGSM(dst []byte, r rune) []byte {
	c := gsmCode[r]
	if c[0] == esc {
		return append(dst, esc, c[1])
	}
	return append(dst, c[0])
}

// decodeSeptets reads septet values as text. ESC ESC reads as a space and ESC followed by a code
// the extension table leaves undefined reads as that code's main-table character (§6.2.1.1). It
// returns the index of the first bad septet with the error.
func decodeSeptets(septets []byte) (string, int, error) {
	buf := make([]byte, 0, len(septets)+len(septets)/2)
	for i := 0; i < len(septets); i++ {
		s := septets[i]
		if s > 0x7F {
			return "", i, ErrInvalidSeptet
		}
		if s != esc {
			buf = utf8.AppendRune(buf, gsmBasic[s])
			continue
		}
		if i+1 == len(septets) {
			return "", i, ErrTrailingEscape
		}
		i++
		n := septets[i]
		switch r, ok := gsmExt[n]; {
		case n > 0x7F:
			return "", i, ErrInvalidSeptet
		case ok:
			buf = utf8.AppendRune(buf, r)
		case n == esc:
			buf = append(buf, ' ')
		default:
			buf = utf8.AppendRune(buf, gsmBasic[n])
		}
	}
	return string(buf), 0, nil
}

// packSeptets packs septets into octets as 3GPP TS 23.038 §6.1.2.1.1 lays them out: least
// significant bit first, after fill zero bits (the padding that puts the first septet on a septet
// boundary after a user data header, TS 23.040 §9.2.3.24).
func packSeptets(septets []byte, fill int) []byte {
	bits := fill + 7*len(septets)
	out := make([]byte, (bits+7)/8)
	for i, s := range septets {
		pos := fill + 7*i
		v := uint16(s&0x7F) << (pos % 8)
		out[pos/8] |= byte(v)
		if v > 0xFF {
			out[pos/8+1] |= byte(v >> 8)
		}
	}
	return out
}

// unpackSeptets reads every whole septet of b after fill bits.
func unpackSeptets(b []byte, fill int) []byte {
	bits := 8*len(b) - fill
	if bits < 7 {
		return nil
	}
	out := make([]byte, bits/7)
	for i := range out {
		pos := fill + 7*i
		v := uint16(b[pos/8])
		if pos/8+1 < len(b) {
			v |= uint16(b[pos/8+1]) << 8
		}
		out[i] = byte(v>>(pos%8)) & 0x7F
	}
	return out
}

// fillBits is the number of zero bits between a user data header of udhLen octets (the UDHL
// octet included) and the first septet.
func fillBits(udhLen int) int {
	return (7 - (8*udhLen)%7) % 7
}
