package smstext

import (
	"fmt"
	"strconv"
)

// SMPP 3.4 data_coding values (§5.2.19) that Vendgate sends or names.
const (
	DataCodingDefault byte = 0x00 // SMSC default alphabet
	DataCodingIA5     byte = 0x01 // IA5 (CCITT T.50) / ASCII
	DataCodingLatin1  byte = 0x03 // ISO 8859-1
	DataCodingUCS2    byte = 0x08 // UCS-2 big-endian (read as UTF-16BE)
)

// ESMClassUDHI is the esm_class bit (SMPP 3.4 §5.2.12, GSM 03.40 TP-UDHI) that says the
// short_message starts with a user data header.
const ESMClassUDHI byte = 0x40

// DefaultAlphabet is what data_coding 0, the "SMSC default alphabet", means on one SMSC bind.
// Operators configure it per SMSC; the zero value is the common case.
type DefaultAlphabet uint8

// The SMSC default alphabets.
const (
	// GSM7Unpacked: GSM 7-bit, one septet per octet, as most SMSCs carry it over SMPP.
	GSM7Unpacked DefaultAlphabet = iota
	// GSM7Packed: GSM 7-bit packed eight septets to seven octets, as on the air interface.
	GSM7Packed
	// Latin1: ISO 8859-1 (ASCII is its lower half), for SMSCs that take and give 8-bit text
	// under data_coding 0 and convert to GSM 7-bit themselves.
	Latin1
)

func (d DefaultAlphabet) String() string {
	switch d {
	case GSM7Unpacked:
		return "gsm7"
	case GSM7Packed:
		return "gsm7-packed"
	case Latin1:
		return "latin1"
	}
	return "DefaultAlphabet(" + strconv.Itoa(int(d)) + ")"
}

// ParseDefaultAlphabet reads the configuration spelling of a DefaultAlphabet: "gsm7",
// "gsm7-packed" or "latin1" ("ascii" is accepted for latin1).
func ParseDefaultAlphabet(s string) (DefaultAlphabet, error) {
	switch s {
	case "gsm7", "":
		return GSM7Unpacked, nil
	case "gsm7-packed":
		return GSM7Packed, nil
	case "latin1", "ascii":
		return Latin1, nil
	}
	return 0, fmt.Errorf("smstext: unknown SMSC default alphabet %q (want gsm7, gsm7-packed or latin1)", s)
}

// Alphabet is how the octets of a short message are read.
type Alphabet uint8

// The alphabets.
const (
	AlphabetGSM7   Alphabet = iota + 1 // GSM 7-bit default alphabet with its extension table
	AlphabetIA5                        // IA5 / ASCII
	AlphabetLatin1                     // ISO 8859-1
	Alphabet8Bit                       // 8-bit data: read octet for octet as ISO 8859-1
	AlphabetUCS2                       // UCS-2, read as UTF-16BE so surrogate pairs work
)

func (a Alphabet) String() string {
	switch a {
	case AlphabetGSM7:
		return "gsm7"
	case AlphabetIA5:
		return "ia5"
	case AlphabetLatin1:
		return "latin1"
	case Alphabet8Bit:
		return "8bit"
	case AlphabetUCS2:
		return "ucs2"
	}
	return "Alphabet(" + strconv.Itoa(int(a)) + ")"
}

// NoClass is Coding.Class when the data_coding gives no message class.
const NoClass = -1

// Coding is what a data_coding value means.
type Coding struct {
	Alphabet Alphabet
	Packed   bool // GSM 7-bit packed eight septets to seven octets
	Class    int  // message class 0-3 (0 is a flash message), or NoClass
}

// Codec reads and writes short_message text for one SMSC bind. The zero Codec suits an SMSC
// whose default alphabet is GSM 7-bit unpacked. A Codec is a value; it is safe for concurrent use.
type Codec struct {
	// Default is what data_coding 0 means on this SMSC. It also decides packing for the other
	// data_coding values that name the GSM 7-bit alphabet, and what Encode sends.
	Default DefaultAlphabet
}

// Coding returns what dataCoding means on this SMSC: the SMPP 3.4 values 0x00-0x0F (§5.2.19),
// and above them the coding groups of 3GPP TS 23.038 §4: general data coding (0x10-0x1F with a
// message class, 0x40-0x5F marked for automatic deletion), message waiting indication
// (0xC0-0xEF) and data coding/message class (0xF0-0xFF). 8-bit data is read as ISO 8859-1, octet
// for octet, so that text sent as 8-bit still reads and nothing is lost; callers that want binary
// can check for Alphabet8Bit. Compressed text, reserved groups and the national alphabets of
// SMPP (JIS, Cyrillic, Hebrew, pictograms, Kanji, KS C 5601) give ErrUnsupportedCoding.
func (c Codec) Coding(dataCoding byte) (Coding, error) {
	gsm := Coding{Alphabet: AlphabetGSM7, Packed: c.Default == GSM7Packed, Class: NoClass}
	switch {
	case dataCoding == DataCodingDefault:
		if c.Default == Latin1 {
			return Coding{Alphabet: AlphabetLatin1, Class: NoClass}, nil
		}
		return gsm, nil
	case dataCoding == DataCodingIA5:
		return Coding{Alphabet: AlphabetIA5, Class: NoClass}, nil
	case dataCoding == 0x02 || dataCoding == 0x04:
		return Coding{Alphabet: Alphabet8Bit, Class: NoClass}, nil
	case dataCoding == DataCodingLatin1:
		return Coding{Alphabet: AlphabetLatin1, Class: NoClass}, nil
	case dataCoding == DataCodingUCS2:
		return Coding{Alphabet: AlphabetUCS2, Class: NoClass}, nil
	case dataCoding < 0x10:
		return Coding{}, unsupported(dataCoding, "an SMPP alphabet Vendgate does not read")
	case dataCoding < 0x80: // 00xx and 01xx: general data coding, 01xx marked for automatic deletion
		if dataCoding&0x20 != 0 {
			return Coding{}, unsupported(dataCoding, "compressed text")
		}
		class := NoClass
		if dataCoding&0x10 != 0 {
			class = int(dataCoding & 0x03)
		}
		switch dataCoding & 0x0C {
		case 0x00:
			gsm.Class = class
			return gsm, nil
		case 0x04:
			return Coding{Alphabet: Alphabet8Bit, Class: class}, nil
		case 0x08:
			return Coding{Alphabet: AlphabetUCS2, Class: class}, nil
		}
		return Coding{}, unsupported(dataCoding, "reserved alphabet")
	case dataCoding < 0xC0:
		return Coding{}, unsupported(dataCoding, "reserved coding group")
	case dataCoding < 0xE0: // message waiting indication, discard or store, GSM 7-bit
		return gsm, nil
	case dataCoding < 0xF0: // message waiting indication, store, UCS-2
		return Coding{Alphabet: AlphabetUCS2, Class: NoClass}, nil
	default: // data coding/message class
		if dataCoding&0x04 != 0 {
			return Coding{Alphabet: Alphabet8Bit, Class: int(dataCoding & 0x03)}, nil
		}
		gsm.Class = int(dataCoding & 0x03)
		return gsm, nil
	}
}

func unsupported(dc byte, what string) *Error {
	return errAt(ErrUnsupportedCoding, -1, fmt.Sprintf("data_coding 0x%02X: %s", dc, what))
}
