package backoffice_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// TestDecodeReadingCSV: the sample decodes to its readings in tenths, in UTC; each bad field is
// named by its row and column, and nothing is returned.
func TestDecodeReadingCSV(t *testing.T) {
	f, err := os.Open("testdata/readings.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := backoffice.DecodeReadingCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []backoffice.ReadingRow{
		{Row: 2, MeterNumber: "01000000016", Reading: 12345, ReadAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)},
		{Row: 3, MeterNumber: "01000000024", Reading: 0, ReadAt: time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)},
		{Row: 4, MeterNumber: "01000000032", Reading: 987650, ReadAt: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, rows[i], want[i])
		}
	}

	bad := "read_at,reading,meter_number\n2025-03-01,12.34,01000000016\nyesterday,-1,01000000017\n"
	_, err = backoffice.DecodeReadingCSV(strings.NewReader(bad))
	e := core.AsError(err)
	if e.Reason != backoffice.ReasonInvalidReadingRow || e.Field != "file" {
		t.Fatalf("got %v, want %s on the file", err, backoffice.ReasonInvalidReadingRow)
	}
	for _, w := range []string{"row 2, column reading", "row 3, column read_at", "row 3, column reading", "row 3, column meter_number"} {
		if !strings.Contains(e.Message, w) {
			t.Errorf("%q does not name %q", e.Message, w)
		}
	}
	if strings.Contains(e.Message, "row 2, column read_at") || strings.Contains(e.Message, "row 2, column meter_number") {
		t.Errorf("%q names a good field of row 2", e.Message)
	}
}

// FuzzDecodeReadingCSV: whatever the bytes, the decoder answers rows or an invalid error naming
// the file, never panics; every row it accepts has a valid meter number, a reading of 0 or more
// and a time in UTC.
func FuzzDecodeReadingCSV(f *testing.F) {
	seed, err := os.ReadFile("testdata/readings.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("meter_number,reading,read_at\n")
	f.Add("meter_number,reading,read_at\n01000000016,1.,2025-03-01\n")
	f.Add("meter_number\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := backoffice.DecodeReadingCSV(strings.NewReader(in))
		if err != nil {
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != backoffice.ReasonInvalidReadingRow {
				t.Fatalf("got %s/%s: %v", e.Code, e.Reason, err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no error and no rows")
		}
		for _, r := range rows {
			if _, err := core.ParseMeterNumber(r.MeterNumber); err != nil || r.Reading < 0 || r.ReadAt.Location() != time.UTC || r.Row < 2 {
				t.Fatalf("row %+v accepted: %v", r, err)
			}
		}
	})
}
