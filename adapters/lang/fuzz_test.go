package lang_test

import (
	"testing"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

// FuzzParse feeds Parse customers' messages and mutations of them: it must not panic, and its
// command must be one Vendgate can act on or answer: a valid kind; a Buy with a positive amount
// and a valid meter number or none; a Last with a valid meter number or none; a language the
// catalog has; a Help whose reply is not empty in every language.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.text, tc.cur.Code)
	}
	c := MustCatalog(f)
	f.Fuzz(func(t *testing.T, text, code string) {
		cur, err := core.ParseCurrency(code)
		if err != nil {
			cur = zar
		}
		cmd := c.Parse(text, cur)
		if !cmd.Kind.Valid() {
			t.Fatalf("Parse(%q) kind %d", text, cmd.Kind)
		}
		validMeter := cmd.Meter == "" || core.CheckMeterNumber(cmd.Meter) == nil
		switch cmd.Kind {
		case lang.Buy:
			if cmd.Amount <= 0 || !validMeter {
				t.Errorf("Parse(%q) = %+v: a buy without a positive amount or a valid meter", text, cmd)
			}
		case lang.Last:
			if !validMeter {
				t.Errorf("Parse(%q) = %+v: invalid meter", text, cmd)
			}
		case lang.SetLanguage:
			if _, ok := c.Lookup(cmd.Language); cmd.Language != "" && !ok {
				t.Errorf("Parse(%q) = %+v: unknown language", text, cmd)
			}
		case lang.Help:
			for _, l := range c.Languages() {
				if l.Problem(cmd) == "" {
					t.Errorf("Parse(%q) = %+v: empty reply in %s", text, cmd, l.Code())
				}
			}
		}
		if cmd.Lang != "" {
			if _, ok := c.Lookup(cmd.Lang); !ok {
				t.Errorf("Parse(%q) = %+v: keyword language unknown", text, cmd)
			}
		}
	})
}

// FuzzParseAmount checks ParseAmount never panics and returns a positive amount or an invalid
// error with a reason.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"50", "R50", "ZAR 50.50", "50,50", "1,000.50", "KSh 1,000/=", "5.000 FCFA", "-5", "0.001", "99999999999999999999"} {
		f.Add(s, "ZAR")
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		cur, err := core.ParseCurrency(code)
		if err != nil {
			cur = xof
		}
		m, err := lang.ParseAmount(s, cur)
		if err == nil && m <= 0 {
			t.Errorf("ParseAmount(%q) = %d without an error", s, m)
		}
		if e := core.AsError(err); err != nil && (e.Code != core.CodeInvalid || e.Reason == "") {
			t.Errorf("ParseAmount(%q) error %v: code %s reason %q", s, err, e.Code, e.Reason)
		}
	})
}
