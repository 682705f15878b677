package smstext_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/smstext"
)

// FuzzDecode feeds short messages of every data_coding and esm_class to the three SMSC
// configurations: no panic; a failure is an *Error; a success is valid UTF-8 that encodes and
// decodes back to itself.
func FuzzDecode(f *testing.F) {
	for _, v := range loadJSON[decodeVector](f, "decode.json") {
		f.Add(v.DataCoding, v.ESMClass, mustHex(f, v.Hex))
	}
	f.Fuzz(func(t *testing.T, dataCoding, esmClass byte, sm []byte) {
		for _, c := range codecs {
			m, err := c.Decode(dataCoding, esmClass, sm)
			if err != nil {
				var e *smstext.Error
				if !errors.As(err, &e) || e.Offset >= len(sm)+1 {
					t.Fatalf("%s: got error %#v", c.Default, err)
				}
				continue
			}
			if !utf8.ValidString(m.Text) {
				t.Fatalf("%s: text is not UTF-8: %q", c.Default, m.Text)
			}
			if m.UDH.Len > len(sm) {
				t.Fatalf("%s: UDH of %d octets in %d", c.Default, m.UDH.Len, len(sm))
			}
			parts, err := c.Encode(m.Text, 0x5A)
			if errors.Is(err, smstext.ErrTooLong) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: re-encoding %q: %v", c.Default, m.Text, err)
			}
			if got := decodeParts(t, c, parts); !sameText(c, m.Text, got) {
				t.Fatalf("%s: re-encoded %q decodes as %q", c.Default, m.Text, got)
			}
		}
	})
}

// FuzzUDH feeds user data headers to ParseUDH: no panic; a header it accepts lies inside the
// input and its elements write back to exactly the octets read; a concatenation it reports is in
// range.
func FuzzUDH(f *testing.F) {
	for _, v := range loadJSON[decodeVector](f, "decode.json") {
		if v.ESMClass&smstext.ESMClassUDHI != 0 {
			f.Add(mustHex(f, v.Hex))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := smstext.ParseUDH(b)
		if err != nil {
			if !errors.Is(err, smstext.ErrMalformedUDH) {
				t.Fatalf("got %v, want ErrMalformedUDH", err)
			}
			return
		}
		if u.Len < 1 || u.Len > len(b) || u.Len != int(b[0])+1 {
			t.Fatalf("got Len %d for UDHL %d in %d octets", u.Len, b[0], len(b))
		}
		out := []byte{b[0]}
		for _, ie := range u.Elements {
			out = append(out, ie.ID, byte(len(ie.Data)))
			out = append(out, ie.Data...)
		}
		if string(out) != string(b[:u.Len]) {
			t.Fatalf("elements write back as % X, read from % X", out, b[:u.Len])
		}
		c, found, err := u.Concat()
		if err != nil && !errors.Is(err, smstext.ErrMalformedUDH) {
			t.Fatalf("Concat: got %v", err)
		}
		if found && (c.Total == 0 || c.Seq == 0 || c.Seq > c.Total) {
			t.Fatalf("Concat: got %+v", c)
		}
	})
}

// FuzzReassemble drives a Reassembler with a script of parts: three octets a step (sender and
// whether to let 40 s pass, total, sequence). Whatever the order, duplicates, bad values and
// timeouts: no panic, never more than MaxPending held, every completed text is the whole message
// in order, every drop names only parts that came and is missing one.
func FuzzReassemble(f *testing.F) {
	f.Add([]byte{0, 2, 1, 0, 2, 2})                      // two parts in order
	f.Add([]byte{0, 3, 3, 0, 3, 1, 0, 3, 1, 0, 3, 2})    // out of order with a duplicate
	f.Add([]byte{0, 2, 1, 0x80, 0, 0, 0x80, 0, 0, 1, 2}) // timeout, then a late part
	f.Add([]byte{0, 2, 1, 1, 2, 1, 2, 2, 1, 3, 2, 1})    // more senders than MaxPending
	f.Add([]byte{0, 0, 1, 0, 2, 3, 0, 1, 1})             // bad values and a lone part
	f.Fuzz(func(t *testing.T, script []byte) {
		const maxPending = 3
		clk := &clock{now: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
		var dropped []smstext.Dropped
		r := smstext.NewReassembler(smstext.ReassemblerConfig{Timeout: time.Minute, MaxPending: maxPending, Now: clk.Now,
			OnDrop: func(d smstext.Dropped) { dropped = append(dropped, d) }})
		for i := 0; i+2 < len(script); i += 3 {
			if script[i]&0x80 != 0 {
				clk.Advance(40 * time.Second)
			}
			src, total, seq := fmt.Sprint("s", script[i]&0x03), script[i+1]%6, script[i+2]%7
			fr := frag(src, uint16(script[i]>>2&0x01), total, seq)
			text, done, err := r.Add(fr)
			standalone := fr.Concat.IsZero()
			valid := standalone || total > 0 && seq > 0 && seq <= total
			if valid != (err == nil) {
				t.Fatalf("part %d of %d: got error %v", seq, total, err)
			}
			if standalone && (!done || text != fr.Text) {
				t.Fatalf("standalone: got %q %v, want %q", text, done, fr.Text)
			}
			if !standalone && done && text != whole(total) {
				t.Fatalf("got %q, want %q", text, whole(total))
			}
			if n := r.Pending(); n > maxPending {
				t.Fatalf("got %d pending, more than %d", n, maxPending)
			}
		}
		r.Expire()
		for _, d := range dropped {
			if len(d.Received) == 0 || len(d.Received) >= int(d.Key.Total) || !slices.IsSorted(d.Received) ||
				d.Received[0] < 1 || d.Received[len(d.Received)-1] > d.Key.Total {
				t.Fatalf("got drop %+v", d)
			}
		}
	})
}
