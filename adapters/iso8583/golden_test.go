package iso8583_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	moov "github.com/moov-io/iso8583"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/testkit/memstore"
)

var update = flag.Bool("update", false, "rewrite the golden wire files in testdata/wire")

// fields is a message to pack: field number to value; 48 is the meter number (48.01).
type fields map[int]string

const (
	goldenPAN  = "4761739001010119"
	goldenTime = "0301093000" // field 7 of the golden messages: 1 March 09:30:00 UTC
)

func pack(tb testing.TB, mti string, f fields) []byte {
	tb.Helper()
	m := moov.NewMessage(iso.Spec)
	m.MTI(mti)
	for id, v := range f {
		var err error
		if id == 48 {
			err = m.MarshalPath("48.01", v)
		} else {
			err = m.Field(id, v)
		}
		if err != nil {
			tb.Fatalf("field %d: %v", id, err)
		}
	}
	b, err := m.Pack()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func network(stan, code string) fields {
	return fields{7: goldenTime, 11: stan, 32: memstore.BankCode, 70: code}
}

func financial(proc, amount, stan, rrn, meter string) fields {
	f := fields{2: goldenPAN, 3: proc, 7: goldenTime, 11: stan, 12: "113000", 13: "0301", 32: memstore.BankCode,
		37: rrn, 41: "ATM00001", 42: "FIRSTBANK-00001", 48: meter, 49: "710"}
	if amount != "" {
		f[4] = amount
	}
	return f
}

func reversalOf(purchase fields, stan string) fields {
	f := fields{90: "0200" + purchase[11] + purchase[7] + "00000123456" + "00000000000"}
	for id, v := range purchase {
		if id != 11 && id != 7 {
			f[id] = v
		}
	}
	f[7], f[11] = "0301093035", stan
	return f
}

// goldenExchange is one request of the golden script and the response code it gets.
type goldenExchange struct {
	name    string
	mti     string
	fields  fields
	raw     []byte // instead of mti and fields: bytes as sent
	wantRC  string
	sameAs  string // the response must equal this earlier exchange's (a repeat)
	wantMTI string
}

func goldenScript(tb testing.TB) []goldenExchange {
	purchase := financial("000000", "000000005000", "000004", "000000000004", memstore.MeterOK)
	unseen := financial("000000", "000000002000", "000009", "000000000009", memstore.MeterOK)
	malformed := pack(tb, "0200", financial("000000", "000000001000", "000010", "000000000010", memstore.MeterOK))
	// Field 32's length prefix (after the bitmap and fields 2 to 13) made "Z1": unpacking stops
	// at field 32, after the STAN was read.
	at := bytes.Index(malformed, []byte("06"+memstore.BankCode))
	malformed = append(append(append([]byte{}, malformed[:at]...), 'Z', '1'), malformed[at+2:]...)
	return []goldenExchange{
		{name: "01-signon", mti: "0800", fields: network("000001", "001"), wantRC: "00", wantMTI: "0810"},
		{name: "02-echo", mti: "0800", fields: network("000002", "301"), wantRC: "00", wantMTI: "0810"},
		{name: "03-lookup", mti: "0100", fields: financial("310000", "", "000003", "000000000003", memstore.MeterOK), wantRC: "00", wantMTI: "0110"},
		{name: "04-purchase", mti: "0200", fields: purchase, wantRC: "00", wantMTI: "0210"},
		{name: "05-purchase-repeat", mti: "0200", fields: purchase, wantRC: "00", wantMTI: "0210", sameAs: "04-purchase"},
		{name: "06-reversal", mti: "0420", fields: reversalOf(purchase, "000006"), wantRC: "00", wantMTI: "0430"},
		{name: "07-reversal-repeat", mti: "0421", fields: reversalOf(purchase, "000007"), wantRC: "00", wantMTI: "0430"},
		{name: "08-purchase-after-reversal", mti: "0200", fields: purchase, wantRC: "12", wantMTI: "0210"},
		{name: "09-reversal-unknown", mti: "0420", fields: reversalOf(unseen, "000008"), wantRC: "00", wantMTI: "0430"},
		{name: "10-late-original", mti: "0200", fields: unseen, wantRC: "12", wantMTI: "0210"},
		{name: "11-malformed", raw: malformed, wantRC: "30", wantMTI: "0210"},
		{name: "12-signoff", mti: "0800", fields: network("000012", "002"), wantRC: "00", wantMTI: "0810"},
	}
}

// TestGoldenWire plays the golden script over one TCP connection and compares every request and
// response with testdata/wire (go test -run TestGoldenWire -update rewrites them).
func TestGoldenWire(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	conn := MustRaw(t, ts)
	responses := map[string][]byte{}
	for _, ex := range goldenScript(t) {
		t.Run(ex.name, func(t *testing.T) {
			req := ex.raw
			if req == nil {
				req = pack(t, ex.mti, ex.fields)
			}
			conn.write(req)
			resp := conn.read(5 * time.Second)
			if resp == nil {
				t.Fatal("got no response, want one")
			}
			responses[ex.name] = resp
			m := mustUnpack(t, resp)
			if got, _ := m.GetMTI(); got != ex.wantMTI {
				t.Errorf("MTI: got %s, want %s", got, ex.wantMTI)
			}
			if got := field(m, 39); got != ex.wantRC {
				t.Errorf("field 39: got %s, want %s; logs:\n%s", got, ex.wantRC, ts.logs)
			}
			if ex.sameAs != "" {
				if want := responses[ex.sameAs]; !bytes.Equal(resp, want) {
					t.Errorf("response:\ngot  %q\nwant %q (the response to %s)", resp, want, ex.sameAs)
				}
				return
			}
			golden(t, ex.name+".request", req)
			golden(t, ex.name+".response", resp)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "wire", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenWire -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", name, got, want)
	}
}
