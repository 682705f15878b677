package iso8583_test

import (
	"bytes"
	"io"
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

// FuzzFrameReader feeds the connection's frame reader, as a whole (length header, body, unpack,
// the handling of malformed and oversized messages), byte streams seeded from the golden wire
// files framed both ways, one after another. Properties: no panic; the stream ends in an error (at
// its end at the latest), never in a loop; every message read packs again, and that packing,
// framed and read alone, gives back the same message (a round trip).
func FuzzFrameReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "wire", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden wire files to seed from: %v", err)
	}
	var all []byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for i, fr := range []iso.Framing{iso.Binary2, iso.ASCII4} {
			framed, err := fr.Frame(b)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), framed)
			if i == 0 {
				all = append(all, framed...)
			}
		}
	}
	// Every golden message is read but 11-malformed.request, which is answered 30 and dropped.
	if msgs, err := iso.ReadFrames(iso.Binary2, all); len(msgs) != len(files)-1 || err != io.EOF {
		f.Fatalf("the golden files read as %d messages (%v), want %d then EOF", len(msgs), err, len(files)-1)
	}
	f.Add(uint8(0), append([]byte{0, 0}, all...)) // a keep-alive, then every golden message
	f.Add(uint8(1), []byte("0000"))
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		fr := []iso.Framing{iso.Binary2, iso.ASCII4}[which%2]
		header := map[iso.Framing]int{iso.Binary2: 2, iso.ASCII4: 4}[fr]
		msgs, err := iso.ReadFrames(fr, raw)
		if err == nil {
			t.Fatal("the reader ended without an error")
		}
		if len(msgs)*(header+4) > len(raw) {
			t.Fatalf("%d messages from %d bytes", len(msgs), len(raw))
		}
		for _, packed := range msgs {
			framed, err := fr.Frame(packed)
			if err != nil {
				t.Fatalf("framing %q again: %v", packed, err)
			}
			again, err := iso.ReadFrames(fr, framed)
			if len(again) != 1 || !bytes.Equal(again[0], packed) {
				t.Errorf("round trip of %q: got %q (%v)", packed, again, err)
			}
		}
	})
}
