package smsc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vendgate/vendgate/testkit/smsc"
)

// TestDecodeSubmitGolden decodes the submit_sm wire files in testdata/submit, made by gosmpp's
// client encoder (v0.3.1) as Vendgate's adapter will send them.
func TestDecodeSubmitGolden(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "submit", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	m, err := smsc.DecodeSubmit(read("gsm7-receipt.pdu"))
	if text, _ := m.Text(); err != nil || text != "Token 1234 5678 9012 3456 7890" || m.RegisteredDelivery != 1 || m.Sequence != 7 {
		t.Errorf("gsm7-receipt: got %+v %q, %v", m, text, err)
	}
	m, err = smsc.DecodeSubmit(read("ucs2-udh.pdu"))
	if text, _ := m.Text(); err != nil || text != "Token: 1234 ✓" || !bytes.Equal(m.UDH, []byte{5, 0, 3, 7, 2, 1}) {
		t.Errorf("ucs2-udh: got %+v %q, %v", m, text, err)
	}
	m, err = smsc.DecodeSubmit(read("payload-sar.pdu"))
	if err != nil || m.DataCoding != 0xF5 || string(m.Payload()) != "Token 1234" || !bytes.Equal(m.TLVs[smsc.TagSarMsgRefNum], []byte{1, 2}) {
		t.Errorf("payload-sar: got %+v, %v", m, err)
	}
	for _, bad := range [][]byte{nil, read("ucs2-udh.pdu")[:40], append(read("ucs2-udh.pdu")[:4:4], 0, 0, 0, 5)} {
		if _, err := smsc.DecodeSubmit(bad); err == nil {
			t.Errorf("DecodeSubmit(% X): got no error", bad)
		}
	}
}

// FuzzDecodeSubmit feeds the SMSC's submit_sm decoder (gosmpp's pdu.Parse, then the SMSC's own
// reading of data_coding, UDH and TLVs) arbitrary bytes: it must return an error or a Submit,
// never panic.
func FuzzDecodeSubmit(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "submit", "*.pdu"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := smsc.DecodeSubmit(raw)
		if err != nil {
			return
		}
		_, _ = m.Text()
		_, _, _, _ = m.Concat()
	})
}

// FuzzParseReceipt checks that reading a receipt's text never panics.
func FuzzParseReceipt(f *testing.F) {
	f.Add("id:17 sub:001 dlvr:001 submit date:2603011200 done date:2603011201 stat:DELIVRD err:000 text:Token 1234")
	f.Add("id: sub: dlvr: submit date: done date: stat: err: text:")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = smsc.ParseReceipt(s)
	})
}
