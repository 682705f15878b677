package iso8583_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestLongMeterNumberNotEchoed sends purchases whose field 48.01 is 99 digits (the spec allows
// 13) and 13 digits failing the check: both are refused, and the log never carries the 99 digits
// (the refusal names the field, not its value).
func TestLongMeterNumberNotEchoed(t *testing.T) {
	ts := MustServe(t, iso.Config{})
	conn := MustRaw(t, ts)
	conn.write(pack(t, "0800", network("000001", "001")))
	if rc := field(mustUnpack(t, conn.read(5*time.Second)), 39); rc != "00" {
		t.Fatalf("sign-on: got %s, want 00", rc)
	}
	long := strings.Repeat("123456789", 11)
	packed := pack(t, "0200", financial("000000", "000000005000", "000077", "000000000077", memstore.MeterOK))
	old := []byte("015" + "01" + "11" + memstore.MeterOK)
	if !bytes.Contains(packed, old) {
		t.Fatalf("no field 48 %q in %q", old, packed)
	}
	conn.write(bytes.Replace(packed, old, []byte("103"+"01"+"99"+long), 1))
	if rc := field(mustUnpack(t, conn.read(5*time.Second)), 39); rc != iso.RCFormatError {
		t.Errorf("99-digit meter number: got %s, want 30", rc)
	}
	conn.write(pack(t, "0200", financial("000000", "000000005000", "000078", "000000000078", "1234567890123")))
	if rc := field(mustUnpack(t, conn.read(5*time.Second)), 39); rc != iso.RCInvalidMeter {
		t.Errorf("13 digits failing the check: got %s, want 14", rc)
	}
	if logs := ts.logs.String(); strings.Contains(logs, long[:14]) || !strings.Contains(logs, "field 48") {
		t.Errorf("logs: want the refusal naming field 48 without the number:\n%s", logs)
	}
}
