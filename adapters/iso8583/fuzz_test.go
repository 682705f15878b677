package iso8583_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
)

var longDigits = regexp.MustCompile(`[0-9]{13,}`)

// FuzzDecodeRequest feeds the decoder of outside bytes (unpack, field reads, field checks, field
// 90) with mutations of the golden wire files: it must not panic, and its errors must never carry
// card data (no run of 13 or more digits, the shortest PAN).
func FuzzDecodeRequest(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "wire", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden wire files to seed from: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := iso.DecodeRequest(raw)
		if err != nil && longDigits.MatchString(err.Error()) {
			t.Errorf("error carries a digit run: %q", err.Error())
		}
	})
}

// FuzzFraming feeds length headers to both framings: no panic, and a length read is in range.
func FuzzFraming(f *testing.F) {
	f.Add([]byte{0x00, 0x10})
	f.Add([]byte("0016"))
	f.Add([]byte("+016"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, fr := range []iso.Framing{iso.Binary2, iso.ASCII4} {
			n, err := fr.ReadLength(bytesReader(raw))
			if err == nil && (n < 0 || n > 0xffff) {
				t.Errorf("%s: got length %d, want 0..65535", fr, n)
			}
		}
	})
}
