package smstext_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/smstext"
)

// sentinels names this package's errors as testdata spells them.
var sentinels = map[string]error{
	"ErrUnsupportedCoding": smstext.ErrUnsupportedCoding,
	"ErrInvalidSeptet":     smstext.ErrInvalidSeptet,
	"ErrTrailingEscape":    smstext.ErrTrailingEscape,
	"ErrInvalidIA5":        smstext.ErrInvalidIA5,
	"ErrOddUCS2":           smstext.ErrOddUCS2,
	"ErrLoneSurrogate":     smstext.ErrLoneSurrogate,
	"ErrMalformedUDH":      smstext.ErrMalformedUDH,
	"ErrBadConcat":         smstext.ErrBadConcat,
	"ErrInvalidUTF8":       smstext.ErrInvalidUTF8,
	"ErrTooLong":           smstext.ErrTooLong,
}

type decodeVector struct {
	Name       string `json:"name"`
	Source     string `json:"source"`
	DataCoding byte   `json:"data_coding"`
	ESMClass   byte   `json:"esm_class"`
	Default    string `json:"default"`
	Hex        string `json:"hex"`
	Text       string `json:"text"`
	Alphabet   string `json:"alphabet"`
	Packed     bool   `json:"packed"`
	Class      *int   `json:"class"`
	Concat     *struct {
		Ref   uint16 `json:"ref"`
		Total uint8  `json:"total"`
		Seq   uint8  `json:"seq"`
	} `json:"concat"`
	Error  string `json:"error"`
	Offset int    `json:"offset"`
}

type encodeVector struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Default string `json:"default"`
	Text    string `json:"text"`
	Parts   []struct {
		DataCoding byte   `json:"data_coding"`
		ESMClass   byte   `json:"esm_class"`
		Hex        string `json:"hex"`
	} `json:"parts"`
}

func loadJSON[T any](tb testing.TB, name string) []T {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var v []T
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if len(v) == 0 {
		tb.Fatalf("%s: no vectors", name)
	}
	return v
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustCodec(tb testing.TB, def string) smstext.Codec {
	tb.Helper()
	d, err := smstext.ParseDefaultAlphabet(def)
	if err != nil {
		tb.Fatal(err)
	}
	return smstext.Codec{Default: d}
}

// codecs are the three SMSC configurations.
var codecs = []smstext.Codec{{Default: smstext.GSM7Unpacked}, {Default: smstext.GSM7Packed}, {Default: smstext.Latin1}}

// decodeParts decodes each part as an SMSC would hand it back and joins them through a
// Reassembler, checking that the parts agree on their concatenation header.
func decodeParts(tb testing.TB, c smstext.Codec, parts []smstext.Part) string {
	tb.Helper()
	r := smstext.NewReassembler(smstext.ReassemblerConfig{})
	var out string
	for i, p := range parts {
		m, err := c.Decode(p.DataCoding, p.ESMClass, p.ShortMessage)
		if err != nil {
			tb.Fatalf("part %d of %d (% X): %v", i+1, len(parts), p.ShortMessage, err)
		}
		if len(parts) > 1 && (m.Concat.Total != uint8(len(parts)) || m.Concat.Seq != uint8(i+1)) {
			tb.Fatalf("part %d of %d: got concat %+v", i+1, len(parts), m.Concat)
		}
		text, done, err := r.Add(smstext.Fragment{Source: "27821234567", Destination: "4040", Concat: m.Concat, Text: m.Text})
		if err != nil {
			tb.Fatal(err)
		}
		if done != (i == len(parts)-1) {
			tb.Fatalf("part %d of %d: got done %v", i+1, len(parts), done)
		}
		out = text
	}
	return out
}

// sameText reports whether got is what decoding an encoding of want gives: want itself, or, with
// packed GSM 7-bit, want with its final <CR> doubled (TS 23.038 §6.1.2.3.1 defines <CR><CR> to
// mean <CR>).
func sameText(c smstext.Codec, want, got string) bool {
	return got == want || (c.Default == smstext.GSM7Packed && strings.HasSuffix(want, "\r") && got == want+"\r")
}

func isErr(err error, name string) bool {
	s, ok := sentinels[name]
	return ok && errors.Is(err, s)
}
