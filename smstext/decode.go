package smstext

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Message is one short message as decoded from a deliver_sm (or data_sm).
type Message struct {
	Text   string // the text, valid UTF-8
	Coding Coding // how it was read
	UDH    UDH    // the user data header; Len is 0 when there was none
	Concat Concat // the concatenation element of the UDH; zero when there was none
}

// Decode is Codec{}.Decode: data_coding 0 read as GSM 7-bit unpacked.
func Decode(dataCoding, esmClass byte, shortMessage []byte) (Message, error) {
	return Codec{}.Decode(dataCoding, esmClass, shortMessage)
}

// Decode reads a short message: dataCoding and esmClass as the PDU carries them, and
// shortMessage the octets of short_message (or of the message_payload TLV), the user data header
// included when esmClass has ESMClassUDHI. Concatenation sent in SAR TLVs is not in the octets:
// build it with SAR.
//
// Decode is strict: it never guesses or replaces. Every failure is an *Error wrapping one of
// ErrUnsupportedCoding, ErrMalformedUDH, ErrInvalidSeptet, ErrTrailingEscape, ErrInvalidIA5,
// ErrOddUCS2 or ErrLoneSurrogate, with the octet offset of the problem. What the standards
// themselves define is honoured: in GSM 7-bit, ESC ESC reads as a space and ESC before a code
// the extension table leaves undefined reads as the main-table character (TS 23.038 §6.2.1.1);
// in packed GSM 7-bit, a <CR> that fills the last seven spare bits is padding and dropped
// (§6.1.2.3.1), and text after a UDH starts after the fill bits that align it to a septet.
func (c Codec) Decode(dataCoding, esmClass byte, shortMessage []byte) (Message, error) {
	coding, err := c.Coding(dataCoding)
	if err != nil {
		return Message{}, err
	}
	m := Message{Coding: coding}
	body := shortMessage
	if esmClass&ESMClassUDHI != 0 {
		if m.UDH, err = ParseUDH(shortMessage); err != nil {
			return Message{}, err
		}
		if m.Concat, _, err = m.UDH.Concat(); err != nil {
			return Message{}, err
		}
		body = shortMessage[m.UDH.Len:]
	}
	m.Text, err = decodeText(coding, body, m.UDH.Len)
	if err != nil {
		return Message{}, err
	}
	return m, nil
}

// decodeText reads body, the text octets that start at octet base of the short message.
func decodeText(coding Coding, body []byte, base int) (string, error) {
	switch coding.Alphabet {
	case AlphabetGSM7:
		if !coding.Packed {
			s, i, err := decodeSeptets(body)
			if err != nil {
				return "", errAt(err, base+i, fmt.Sprintf("octet 0x%02X", body[i]))
			}
			return s, nil
		}
		fill := fillBits(base)
		septets := unpackSeptets(body, fill)
		if n := len(septets); n > 0 && (8*len(body)-fill)%7 == 0 && septets[n-1] == cr {
			septets = septets[:n-1]
		}
		s, i, err := decodeSeptets(septets)
		if err != nil {
			return "", errAt(err, base+(fill+7*i)/8, fmt.Sprintf("septet %d", i))
		}
		return s, nil
	case AlphabetIA5:
		for i, b := range body {
			if b > 0x7F {
				return "", errAt(ErrInvalidIA5, base+i, fmt.Sprintf("octet 0x%02X", b))
			}
		}
		return string(body), nil
	case AlphabetLatin1, Alphabet8Bit:
		buf := make([]byte, 0, len(body)+len(body)/2)
		for _, b := range body {
			buf = utf8.AppendRune(buf, rune(b))
		}
		return string(buf), nil
	case AlphabetUCS2:
		return decodeUTF16BE(body, base)
	}
	return "", errAt(ErrUnsupportedCoding, -1, "no alphabet")
}

// decodeUTF16BE reads UCS-2 as UTF-16BE: UCS-2 is UTF-16 without pairs, and phones send emoji as
// surrogate pairs under data_coding 8 all the same. gosmpp v0.3.1's data.UCS2 (golang.org/x/text)
// turns odd lengths and lone surrogates into U+FFFD without a word; Vendgate rejects them.
func decodeUTF16BE(body []byte, base int) (string, error) {
	if len(body)%2 != 0 {
		return "", errAt(ErrOddUCS2, base+len(body)-1, fmt.Sprintf("%d octets", len(body)))
	}
	buf := make([]byte, 0, len(body)+len(body)/2)
	for i := 0; i < len(body); i += 2 {
		u := rune(body[i])<<8 | rune(body[i+1])
		switch {
		case !utf16.IsSurrogate(u):
			buf = utf8.AppendRune(buf, u)
		case u < 0xDC00 && i+3 < len(body):
			lo := rune(body[i+2])<<8 | rune(body[i+3])
			r := utf16.DecodeRune(u, lo)
			if r == utf8.RuneError {
				return "", errAt(ErrLoneSurrogate, base+i, fmt.Sprintf("high surrogate 0x%04X before 0x%04X", u, lo))
			}
			buf = utf8.AppendRune(buf, r)
			i += 2
		default:
			return "", errAt(ErrLoneSurrogate, base+i, fmt.Sprintf("surrogate 0x%04X", u))
		}
	}
	return string(buf), nil
}
