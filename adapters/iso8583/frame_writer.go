package iso8583

import (
	"io"

	moov "github.com/moov-io/iso8583"
)

// frameWriter writes a message with its length header in one write; with secondary set, a
// message without a secondary bitmap gets an empty one.
type frameWriter struct {
	framing   Framing
	secondary bool
}

func (fw frameWriter) WriteMessage(w io.Writer, m *moov.Message) error {
	packed, err := m.Pack()
	if err != nil {
		return err
	}
	if fw.secondary {
		packed = WithSecondaryBitmap(packed)
	}
	framed, err := fw.framing.Frame(packed)
	if err != nil {
		return err
	}
	_, err = w.Write(framed)
	return err
}

// WithSecondaryBitmap returns a packed message (MTI and ASCII-hex bitmap first) with a
// secondary bitmap: unchanged if it has one, else with bit 1 set and 16 zeros after the primary.
func WithSecondaryBitmap(packed []byte) []byte {
	if len(packed) < 20 {
		return packed
	}
	v := hexValue(packed[4])
	if v < 0 || v&8 != 0 {
		return packed
	}
	out := make([]byte, 0, len(packed)+16)
	out = append(out, packed[:4]...)
	out = append(out, "0123456789ABCDEF"[v|8])
	out = append(out, packed[5:20]...)
	out = append(out, "0000000000000000"...)
	return append(out, packed[20:]...)
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
