package smstext_test

import (
	"errors"
	"testing"

	"github.com/vendgate/vendgate/smstext"
)

func TestDecodeVectors(t *testing.T) {
	for _, v := range loadJSON[decodeVector](t, "decode.json") {
		t.Run(v.Name, func(t *testing.T) {
			m, err := mustCodec(t, v.Default).Decode(v.DataCoding, v.ESMClass, mustHex(t, v.Hex))
			if v.Error != "" {
				if !isErr(err, v.Error) {
					t.Fatalf("got error %v, want %s (%s)", err, v.Error, v.Source)
				}
				var e *smstext.Error
				if !errors.As(err, &e) {
					t.Fatalf("got %T, want *smstext.Error", err)
				}
				if e.Offset != v.Offset {
					t.Errorf("got offset %d, want %d (%v)", e.Offset, v.Offset, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %q (%s)", err, v.Text, v.Source)
			}
			if m.Text != v.Text {
				t.Errorf("got text %q, want %q (%s)", m.Text, v.Text, v.Source)
			}
			if got := m.Coding.Alphabet.String(); got != v.Alphabet {
				t.Errorf("got alphabet %s, want %s", got, v.Alphabet)
			}
			if m.Coding.Packed != v.Packed {
				t.Errorf("got packed %v, want %v", m.Coding.Packed, v.Packed)
			}
			wantClass := smstext.NoClass
			if v.Class != nil {
				wantClass = *v.Class
			}
			if m.Coding.Class != wantClass {
				t.Errorf("got class %d, want %d", m.Coding.Class, wantClass)
			}
			var want smstext.Concat
			if v.Concat != nil {
				want = smstext.Concat{Ref: v.Concat.Ref, Total: v.Concat.Total, Seq: v.Concat.Seq}
			}
			if m.Concat != want {
				t.Errorf("got concat %+v, want %+v", m.Concat, want)
			}
		})
	}
}

// TestGSM7Alphabet checks every septet of the default alphabet decodes to one character that
// encodes back to that septet, and every extension character likewise.
func TestGSM7Alphabet(t *testing.T) {
	for s := byte(0); s < 0x80; s++ {
		if s == 0x1B {
			continue
		}
		m, err := smstext.Decode(0, 0, []byte{s})
		if err != nil {
			t.Fatalf("septet 0x%02X: %v", s, err)
		}
		if n := len([]rune(m.Text)); n != 1 {
			t.Fatalf("septet 0x%02X: got %q, want one character", s, m.Text)
		}
		parts, err := smstext.Encode(m.Text, 0)
		if err != nil || len(parts) != 1 || parts[0].DataCoding != 0 || string(parts[0].ShortMessage) != string([]byte{s}) {
			t.Errorf("septet 0x%02X %q: got %+v, %v; want one GSM part 0x%02X", s, m.Text, parts, err, s)
		}
	}
	ext := map[byte]rune{0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\', 0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€'}
	for code, r := range ext {
		m, err := smstext.Decode(0, 0, []byte{0x1B, code})
		if err != nil || m.Text != string(r) {
			t.Errorf("ESC 0x%02X: got %q, %v; want %q", code, m.Text, err, r)
		}
		if got := smstext.Measure(string(r)).Units; got != 2 {
			t.Errorf("%q: got %d septets, want 2", r, got)
		}
	}
}

func TestCoding(t *testing.T) {
	gsm := smstext.Coding{Alphabet: smstext.AlphabetGSM7, Class: smstext.NoClass}
	tests := []struct {
		dc   byte
		def  smstext.DefaultAlphabet
		want smstext.Coding
	}{
		{0x00, smstext.GSM7Unpacked, gsm},
		{0x00, smstext.GSM7Packed, smstext.Coding{Alphabet: smstext.AlphabetGSM7, Packed: true, Class: smstext.NoClass}},
		{0x00, smstext.Latin1, smstext.Coding{Alphabet: smstext.AlphabetLatin1, Class: smstext.NoClass}},
		{0x01, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetIA5, Class: smstext.NoClass}},
		{0x02, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.Alphabet8Bit, Class: smstext.NoClass}},
		{0x03, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetLatin1, Class: smstext.NoClass}},
		{0x04, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.Alphabet8Bit, Class: smstext.NoClass}},
		{0x08, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetUCS2, Class: smstext.NoClass}},
		{0x10, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetGSM7, Class: 0}},
		{0x12, smstext.GSM7Packed, smstext.Coding{Alphabet: smstext.AlphabetGSM7, Packed: true, Class: 2}},
		{0x14, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.Alphabet8Bit, Class: 0}},
		{0x1B, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetUCS2, Class: 3}},
		{0x40, smstext.Latin1, gsm},
		{0x51, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetGSM7, Class: 1}},
		{0xC0, smstext.GSM7Unpacked, gsm},
		{0xE8, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetUCS2, Class: smstext.NoClass}},
		{0xF3, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.AlphabetGSM7, Class: 3}},
		{0xF6, smstext.GSM7Unpacked, smstext.Coding{Alphabet: smstext.Alphabet8Bit, Class: 2}},
	}
	for _, tt := range tests {
		got, err := smstext.Codec{Default: tt.def}.Coding(tt.dc)
		if err != nil || got != tt.want {
			t.Errorf("0x%02X on %s: got %+v, %v; want %+v", tt.dc, tt.def, got, err, tt.want)
		}
	}
	for _, dc := range []byte{0x05, 0x06, 0x07, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x0C | 0x10, 0x20, 0x3F, 0x60, 0x4C, 0x80, 0xBF} {
		if _, err := (smstext.Codec{}).Coding(dc); !errors.Is(err, smstext.ErrUnsupportedCoding) {
			t.Errorf("0x%02X: got %v, want ErrUnsupportedCoding", dc, err)
		}
	}
}

// TestDecodeLatin1IsTotal: on a Latin1 SMSC every octet string decodes, octet for octet.
func TestDecodeLatin1IsTotal(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	m, err := smstext.Codec{Default: smstext.Latin1}.Decode(0, 0, all)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []rune(m.Text) {
		if r != rune(i) {
			t.Fatalf("octet 0x%02X: got U+%04X", i, r)
		}
	}
}

func TestParseUDH(t *testing.T) {
	u, err := smstext.ParseUDH(mustHex(t, "0B05040B8423F00003AB0201FFFF"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Len != 12 || len(u.Elements) != 2 || u.Elements[0].ID != 0x05 || u.Elements[1].ID != smstext.IEConcat8 {
		t.Fatalf("got %+v, want 12 octets, elements 0x05 and 0x00", u)
	}
	c, found, err := u.Concat()
	if err != nil || !found || c != (smstext.Concat{Ref: 0xAB, Total: 2, Seq: 1}) {
		t.Errorf("got %+v %v %v, want ref 0xAB part 1 of 2", c, found, err)
	}
	// Of repeated concatenation elements the last counts (TS 23.040 §9.2.3.24).
	u, err = smstext.ParseUDH(mustHex(t, "0B000301030108041234020268"))
	if err != nil {
		t.Fatal(err)
	}
	if c, found, _ := u.Concat(); !found || c != (smstext.Concat{Ref: 0x1234, Total: 2, Seq: 2}) {
		t.Errorf("got %+v %v, want the 16-bit element", c, found)
	}
}

func TestSAR(t *testing.T) {
	c, err := smstext.SAR(0xBEEF, 3, 3)
	if err != nil || c != (smstext.Concat{Ref: 0xBEEF, Total: 3, Seq: 3}) {
		t.Errorf("got %+v, %v", c, err)
	}
	for _, bad := range [][2]uint8{{0, 0}, {0, 1}, {3, 0}, {3, 4}} {
		if _, err := smstext.SAR(1, bad[0], bad[1]); !errors.Is(err, smstext.ErrBadConcat) {
			t.Errorf("total %d seq %d: got %v, want ErrBadConcat", bad[0], bad[1], err)
		}
	}
}

func TestParseDefaultAlphabet(t *testing.T) {
	for _, d := range []smstext.DefaultAlphabet{smstext.GSM7Unpacked, smstext.GSM7Packed, smstext.Latin1} {
		got, err := smstext.ParseDefaultAlphabet(d.String())
		if err != nil || got != d {
			t.Errorf("%s: got %s, %v", d, got, err)
		}
	}
	if _, err := smstext.ParseDefaultAlphabet("utf8"); err == nil {
		t.Error("utf8: got no error")
	}
}

// TestErrorsQuoteNoText: an error names offsets and octet values, never the message text (it may
// carry a customer's meter number).
func TestErrorsQuoteNoText(t *testing.T) {
	sm := append([]byte("BUY 04123456789 500"), 0x80)
	_, err := smstext.Decode(0, 0, sm)
	if err == nil {
		t.Fatal("got no error")
	}
	if got := err.Error(); got != "smstext: octet above 0x7F in GSM 7-bit text: octet 0x80 at offset 19" {
		t.Errorf("got %q", got)
	}
}
