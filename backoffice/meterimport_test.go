package backoffice_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

const header = "number,kind,sgc,krn,ti,kt,ea,base-date,ken\n"

func TestDecodeMeterCSV(t *testing.T) {
	f, err := os.Open("testdata/meters.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := backoffice.DecodeMeterCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []backoffice.ImportRow{
		{Row: 2, Number: "01000000016", Kind: core.Electricity, SGC: 123456, KRN: 1, TI: 1, KT: 2, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: 255},
		{Row: 3, Number: "01000000024", Kind: core.Water, SGC: 123456, KRN: 1, TI: 7, KT: 2, EA: sts.EA11, BaseDate: sts.BaseDate1993, KEN: 10},
		{Row: 4, Number: "01000000032", Kind: core.Gas, SGC: 123456, KRN: 2, TI: 99, KT: 1, EA: sts.EA07, BaseDate: sts.BaseDate2035, KEN: 0},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestDecodeMeterCSVColumnsInAnyOrder(t *testing.T) {
	rows, err := backoffice.DecodeMeterCSV(strings.NewReader("\ufeffKEN, Base-Date ,ea,kt,ti,krn,sgc,kind,number\r\n255,2014,07,2,1,1,123456,electricity,01000000016\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Number != "01000000016" || rows[0].KEN != 255 || rows[0].SGC != 123456 {
		t.Errorf("got %+v", rows)
	}
}

func TestDecodeMeterCSVRefused(t *testing.T) {
	good := "01000000016,electricity,123456,1,01,2,07,2014,255\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"Empty", "", "the file is empty"},
		{"HeaderOnly", header, "no meters"},
		{"MissingColumn", "number,kind,sgc,krn,ti,kt,ea,base-date\n", "column ken is missing"},
		{"UnknownColumn", strings.TrimSuffix(header, "\n") + ",colour\n", `unknown column "colour"`},
		{"DuplicateColumn", "number,number,sgc,krn,ti,kt,ea,base-date,ken\n", `column "number" appears twice`},
		{"BadNumber", header + good + "01000000017,electricity,123456,1,01,2,07,2014,255\n", "row 3, column number: meter number \"01000000017\" fails its check digit"},
		{"BadKind", header + strings.Replace(good, "electricity", "steam", 1), `row 2, column kind: "steam" is not electricity, water or gas`},
		{"BadSGC", header + strings.Replace(good, "123456", "12a456", 1), `row 2, column sgc: "12a456" is not 6 digits`},
		{"BadKRN", header + strings.Replace(good, ",1,01,", ",0,01,", 1), `row 2, column krn: "0" is not 1 to 15`},
		{"BadTI", header + strings.Replace(good, ",01,", ",100,", 1), `row 2, column ti: "100" is not 0 to 99`},
		{"BadKT", header + strings.Replace(good, ",2,07,", ",0,07,", 1), `row 2, column kt: "0" is not 1 to 3`},
		{"BadEA", header + strings.Replace(good, ",07,", ",09,", 1), `row 2, column ea: "09" is not 07 or 11`},
		{"BadBaseDate", header + strings.Replace(good, "2014", "2015", 1), `row 2, column base-date: "2015" is not 1993, 2014 or 2035`},
		{"BadKEN", header + strings.Replace(good, ",255", ",256", 1), `row 2, column ken: "256" is not 0 to 255`},
		{"FieldCount", header + "01000000016,electricity\n", "row 2: 2 columns, the header has 9"},
		{"StrayQuote", header + `01000000016,elec"tricity,123456,1,01,2,07,2014,255` + "\n", "row 2, column"},
		{"TwoBadRows", header + strings.Replace(good, "2014", "2015", 1) + strings.Replace(good, ",255", ",-1", 1), "2 rows are bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := backoffice.DecodeMeterCSV(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != backoffice.ReasonInvalidMeterRow || e.Field != "file" {
				t.Errorf("got %s/%s on %q, want invalid/invalid_meter_row on file", e.Code, e.Reason, e.Field)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestDecodeMeterCSVNamesAtMostMaxRowErrors(t *testing.T) {
	bad := strings.Repeat("x,electricity,123456,1,01,2,07,2014,255\n", backoffice.MaxRowErrors+5)
	_, err := backoffice.DecodeMeterCSV(strings.NewReader(header + bad))
	if err == nil {
		t.Fatal("got no error")
	}
	msg := err.Error()
	if got := strings.Count(msg, "column number"); got != backoffice.MaxRowErrors || !strings.Contains(msg, "and 5 more") {
		t.Errorf("%d rows named in %q, want %d and the rest counted", got, msg, backoffice.MaxRowErrors)
	}
}

// FuzzDecodeMeterCSV: whatever the bytes, the decoder answers rows or an invalid error naming the
// file, never panics; every row it accepts has valid fields.
func FuzzDecodeMeterCSV(f *testing.F) {
	seed, err := os.ReadFile("testdata/meters.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add(header)
	f.Add(header + "01000000016,gas,000000,15,0,3,11,1993,0\n")
	f.Add("number\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := backoffice.DecodeMeterCSV(strings.NewReader(in))
		if err != nil {
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != backoffice.ReasonInvalidMeterRow {
				t.Fatalf("got %s/%s: %v", e.Code, e.Reason, err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no error and no rows")
		}
		for _, r := range rows {
			k := core.MeterKey{SGC: r.SGC, KRN: r.KRN, KT: r.KT, TI: r.TI, DKGA: sts.DKGA02, EA: r.EA, BaseDate: r.BaseDate, KEN: r.KEN}
			m := core.Meter{Number: r.Number, Kind: r.Kind, Key: k}
			if err := m.CheckNew(0); err != nil {
				t.Fatalf("row %d accepted but %v", r.Row, err)
			}
			if r.Row < 2 {
				t.Fatalf("row %d: the header is row 1", r.Row)
			}
		}
	})
}
