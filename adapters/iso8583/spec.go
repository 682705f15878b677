package iso8583

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
	"github.com/moov-io/iso8583/sort"
)

// Message type indicators Vendgate receives and sends.
const (
	MTIAuthRequest      = "0100"
	MTIAuthResponse     = "0110"
	MTIFinancialRequest = "0200"
	MTIFinancialResp    = "0210"
	MTIReversalAdvice   = "0420"
	MTIReversalRepeat   = "0421"
	MTIReversalResponse = "0430"
	MTINetworkRequest   = "0800"
	MTINetworkResponse  = "0810"
)

// Network management codes (field 70).
const (
	NetSignOn  = "001"
	NetSignOff = "002"
	NetEcho    = "301"
)

// Processing codes (field 3, first two digits: the transaction type).
const (
	ProcPurchase = "00" // goods and services: buy electricity
	ProcPayment  = "50" // payment: accepted as a purchase too
	ProcInquiry  = "31" // balance inquiry: meter lookup on 0100 or 0200
)

// Subfields of field 48 (additional data), tag 2 digits, then an LL length and the value.
const (
	Tag48Meter    = "01" // meter number, 11 or 13 digits
	Tag48Customer = "02" // customer name, responses only
	Tag48Channel  = "03" // free channel data from the switch (terminal location, phone): ignored
)

// MaxMessageLength bounds a message's length from its header; a longer frame is read, discarded
// and logged, and the connection goes on.
const MaxMessageLength = 4096

// ReceiptColumns is the width of a receipt line in field 63 and a display line in field 62.
const ReceiptColumns = 40

// TokenDigits is the length of a token in field 63.
const TokenDigits = 20

func str(desc string, length int, pref prefix.Prefixer) *field.String {
	return field.NewString(&field.Spec{Length: length, Description: desc, Enc: encoding.ASCII, Pref: pref})
}

// Spec is Vendgate's ISO 8583:1987 ASCII message spec: every field of docs/iso8583.md and no
// other. Numeric fields are strings on the wire spec so that the adapter checks their digits
// itself and names the field in its error.
var Spec = &moov.MessageSpec{
	Name: "Vendgate ISO 8583:1987 ASCII",
	Fields: map[int]field.Field{
		0:  str("Message Type Indicator", 4, prefix.ASCII.Fixed),
		1:  field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap (64 bits each, 16 hexadecimal characters)", Enc: encoding.BytesToASCIIHex, Pref: prefix.Hex.Fixed}),
		2:  str("Primary Account Number", 19, prefix.ASCII.LL),
		3:  str("Processing Code", 6, prefix.ASCII.Fixed),
		4:  str("Transaction Amount", 12, prefix.ASCII.Fixed),
		7:  str("Transmission Date & Time", 10, prefix.ASCII.Fixed),
		11: str("Systems Trace Audit Number (STAN)", 6, prefix.ASCII.Fixed),
		12: str("Local Transaction Time", 6, prefix.ASCII.Fixed),
		13: str("Local Transaction Date", 4, prefix.ASCII.Fixed),
		32: str("Acquiring Institution Identification Code", 11, prefix.ASCII.LL),
		37: str("Retrieval Reference Number", 12, prefix.ASCII.Fixed),
		38: str("Authorization Identification Response", 6, prefix.ASCII.Fixed),
		39: str("Response Code", 2, prefix.ASCII.Fixed),
		41: str("Card Acceptor Terminal Identification", 8, prefix.ASCII.Fixed),
		42: str("Card Acceptor Identification Code", 15, prefix.ASCII.Fixed),
		48: field.NewComposite(&field.Spec{
			Length:      999,
			Description: "Additional Data: meter and channel data",
			Pref:        prefix.ASCII.LLL,
			Tag: &field.TagSpec{
				Length: 2,
				Enc:    encoding.ASCII,
				Sort:   sort.StringsByInt,
			},
			Subfields: map[string]field.Field{
				Tag48Meter:    str("Meter Number", 13, prefix.ASCII.LL),
				Tag48Customer: str("Customer Name", 40, prefix.ASCII.LL),
				Tag48Channel:  str("Channel Data", 99, prefix.ASCII.LL),
			},
		}),
		49: str("Currency Code, Transaction", 3, prefix.ASCII.Fixed),
		62: str("Display Lines", 999, prefix.ASCII.LLL),
		63: str("Tokens and Receipt", 999, prefix.ASCII.LLL),
		70: str("Network Management Information Code", 3, prefix.ASCII.Fixed),
		90: str("Original Data Elements", 42, prefix.ASCII.Fixed),
	},
}

// Framing is how a message's length is written before it on the wire.
type Framing int

// The framings.
const (
	// Binary2 is a 2-byte big-endian binary length (the default).
	Binary2 Framing = iota
	// ASCII4 is the length as 4 ASCII digits.
	ASCII4
)

// String names the framing as configuration spells it.
func (f Framing) String() string {
	switch f {
	case Binary2:
		return "binary2"
	case ASCII4:
		return "ascii4"
	}
	return fmt.Sprintf("Framing(%d)", int(f))
}

// ParseFraming parses "binary2" or "ascii4".
func ParseFraming(s string) (Framing, error) {
	switch s {
	case "", "binary2":
		return Binary2, nil
	case "ascii4":
		return ASCII4, nil
	}
	return 0, fmt.Errorf("iso8583: unknown framing %q (want binary2 or ascii4)", s)
}

// ReadLength reads a length header.
func (f Framing) ReadLength(r io.Reader) (int, error) {
	var b [4]byte
	if f == ASCII4 {
		if _, err := io.ReadFull(r, b[:4]); err != nil {
			return 0, err
		}
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, errors.New("iso8583: the length header is not 4 ASCII digits")
			}
			n = n*10 + int(c-'0')
		}
		return n, nil
	}
	if _, err := io.ReadFull(r, b[:2]); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b[:2])), nil
}

// WriteLength writes a length header.
func (f Framing) WriteLength(w io.Writer, n int) (int, error) {
	var b []byte
	switch {
	case n < 0:
		return 0, fmt.Errorf("iso8583: negative length %d", n)
	case f == ASCII4 && n <= 9999:
		b = []byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
	case f != ASCII4 && n <= 0xffff:
		b = binary.BigEndian.AppendUint16(nil, uint16(n))
	default:
		return 0, fmt.Errorf("iso8583: length %d does not fit the %s header", n, f)
	}
	return w.Write(b)
}

// Frame returns packed with its length header.
func (f Framing) Frame(packed []byte) ([]byte, error) {
	var b bytesWriter
	if _, err := f.WriteLength(&b, len(packed)); err != nil {
		return nil, err
	}
	return append(b, packed...), nil
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
