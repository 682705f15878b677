package smstext

import (
	"errors"
	"strconv"
)

// The errors of this package. Every error it returns wraps one of them (errors.Is works), mostly
// inside an *Error that says where in the short_message the problem is.
var (
	// ErrUnsupportedCoding: the data_coding names an alphabet Vendgate does not read (JIS,
	// Cyrillic, Hebrew, pictograms, Kanji, KS C 5601, compressed text, reserved values).
	ErrUnsupportedCoding = errors.New("unsupported data_coding")
	// ErrInvalidSeptet: an octet of unpacked GSM 7-bit text is above 0x7F.
	ErrInvalidSeptet = errors.New("octet above 0x7F in GSM 7-bit text")
	// ErrTrailingEscape: GSM 7-bit text ends with the escape septet 0x1B and no character after it.
	ErrTrailingEscape = errors.New("GSM 7-bit text ends with an escape")
	// ErrInvalidIA5: an octet of IA5 (data_coding 1) text is above 0x7F.
	ErrInvalidIA5 = errors.New("octet above 0x7F in IA5 text")
	// ErrOddUCS2: UCS-2 text has an odd number of octets.
	ErrOddUCS2 = errors.New("UCS-2 text of odd length")
	// ErrLoneSurrogate: UCS-2 text has a UTF-16 surrogate that is not half of a pair.
	ErrLoneSurrogate = errors.New("UCS-2 text with a lone surrogate")
	// ErrMalformedUDH: the user data header is missing or its lengths overrun it or the message.
	ErrMalformedUDH = errors.New("malformed user data header")
	// ErrBadConcat: concatenation values are out of range (total 0, sequence 0 or above total).
	ErrBadConcat = errors.New("concatenation values out of range")
	// ErrInvalidUTF8: text to encode is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("text is not valid UTF-8")
	// ErrTooLong: text to encode needs more than 255 parts.
	ErrTooLong = errors.New("text needs more than 255 parts")
)

// Error is a decoding or encoding failure: which of the Err values above, where, and a detail.
// Neither Error nor Detail ever quotes the text itself (a customer's message may hold a meter
// number or a token); they name only offsets, lengths and single octet values.
type Error struct {
	Err    error  // one of the Err values of this package
	Offset int    // octet offset into short_message (or byte offset into the text to encode); -1 if none
	Detail string // what exactly, e.g. "UDHL 7 but 5 octets follow"
}

func (e *Error) Error() string {
	s := "smstext: " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	return s
}

// Unwrap returns the Err value, so errors.Is(err, ErrOddUCS2) works.
func (e *Error) Unwrap() error { return e.Err }

func errAt(err error, offset int, detail string) *Error {
	return &Error{Err: err, Offset: offset, Detail: detail}
}
