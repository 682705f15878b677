package lang_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

var update = flag.Bool("update", false, "rewrite the golden texts in testdata/golden")

var sast = time.FixedZone("SAST", 2*60*60)

// inZone returns v sold in a utility of zone loc.
func inZone(v *core.Vend, loc *time.Location) *core.Vend {
	v.Location = loc
	return v
}

// renderings are the replies of one language, by name, in the order of the golden file.
func renderings(t *testing.T, c *lang.Catalog, l *lang.Language) [][2]string {
	t.Helper()
	reversed := creditVend(t)
	reversed.Status = core.VendReversed
	return [][2]string{
		{"vend_full", l.VendFull(creditVend(t))},
		{"vend_compact", l.VendCompact(creditVend(t))},
		{"vend_full_key_change", l.VendFull(keyChangeVend(t))},
		{"vend_compact_key_change", l.VendCompact(keyChangeVend(t))},
		{"vend_reply_long", l.VendReply(longVend(t))},
		{"vend_reversed", l.VendFull(reversed)},
		{"last", l.Last(inZone(creditVend(t), sast))},
		{"last_key_change", l.Last(keyChangeVend(t))},
		{"last_reversed", l.Last(inZone(reversed, sast))},
		{"no_vend", l.NoVend(meter11)},
		{"no_default_meter", l.NoDefaultMeter()},
		{"help", l.Help()},
		{"language_set", l.LanguageSet()},
		{"language_list", l.LanguageList()},
		{"problem_unknown", l.Problem(c.Parse("hello", zar))},
		{"problem_meter", l.Problem(c.Parse("BUY 01234567890 50", zar))},
		{"problem_decimals", l.Problem(c.Parse("BUY 01234567897 50,5", xof))},
		{"problem_language", l.Problem(c.Parse("LANG klingon", zar))},
		{"error_meter_not_found", l.Error(core.Errorf(core.CodeNotFound, "meter_not_found", "meter %s is not registered", meter11))},
		{"error_blocked", l.Error(core.Errorf(core.CodeInvalid, "meter_blocked", "meter %s is blocked", meter11))},
		{"error_funds", l.Error(core.Errorf(core.CodeInsufficientFunds, "insufficient_funds", "float"))},
		{"error_unavailable", l.Error(core.Errorf(core.CodeUnavailable, "unavailable", "the database failed"))},
		{"error_internal", l.Error(fmt.Errorf("disk full"))},
		{"ussd_main", l.USSDMain("City Power Prepaid")},
		{"ussd_enter_meter", l.USSDEnterMeter()},
		{"ussd_confirm_name", l.USSDConfirmName(meter11, "Thabo Nkosi")},
		{"ussd_enter_amount", l.USSDEnterAmount(meter11, zar)},
		{"ussd_confirm", l.USSDConfirm(meter11, "Thabo Nkosi", 5000, zar)},
		{"ussd_result", l.USSDResult(creditVend(t), true)},
		{"ussd_result_key_change", l.USSDResult(keyChangeVend(t), true)},
		{"ussd_language", l.USSDLanguageMenu()},
		{"ussd_invalid_choice", l.USSDInvalidChoice()},
		{"ussd_expired", l.USSDExpired()},
		{"ussd_bye", l.USSDBye("City Power Prepaid")},
	}
}

// TestGolden compares every reply of every language with testdata/golden/<code>.txt; run with
// -update after changing a text, and read the diff.
func TestGolden(t *testing.T) {
	c := MustCatalog(t)
	for _, l := range c.Languages() {
		t.Run(l.Code(), func(t *testing.T) {
			var b strings.Builder
			for _, r := range renderings(t, c, l) {
				fmt.Fprintf(&b, "== %s ==\n%s\n", r[0], r[1])
			}
			path := filepath.Join("testdata", "golden", l.Code()+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("replies differ from %s (go test -update rewrites it):\n%s", path, firstDiff(got, string(want)))
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return ""
}

// TestVendReplyTokens checks what a customer needs from a vend reply in every language and form:
// every token in 4-4-4-4-4 form, key change tokens before the credit token, the energy with one
// decimal, the amount with its currency, the reference.
func TestVendReplyTokens(t *testing.T) {
	c := MustCatalog(t)
	v := keyChangeVend(t)
	for _, l := range c.Languages() {
		for form, s := range map[string]string{"full": l.VendFull(v), "compact": l.VendCompact(v), "last": l.Last(v)} {
			pos := -1
			for _, tok := range v.Tokens {
				i := strings.Index(s, tok.Token.Display())
				if i <= pos {
					t.Errorf("%s %s: token %s missing or out of order in %q", l.Code(), form, tok.Token.Display(), lines(s))
				}
				pos = i
			}
			for _, want := range []string{"25.5", "ZAR 50.00", v.Reference, v.MeterNumber} {
				if !strings.Contains(s, want) {
					t.Errorf("%s %s: %q missing in %q", l.Code(), form, want, lines(s))
				}
			}
		}
	}
}

// TestReversedVendShowsNoToken checks a reversed vend's replies never carry its tokens.
func TestReversedVendShowsNoToken(t *testing.T) {
	c := MustCatalog(t)
	v := creditVend(t)
	v.Status = core.VendReversed
	tok := v.Tokens[0].Token.Display()
	for _, l := range c.Languages() {
		for _, s := range []string{l.VendFull(v), l.VendCompact(v), l.VendReply(v), l.Last(v), l.USSDResult(v, true)} {
			if strings.Contains(s, tok) || !strings.Contains(s, v.Reference) {
				t.Errorf("%s: reversed vend reply %q shows its token or lacks the reference", l.Code(), lines(s))
			}
		}
	}
}

// TestSMSFits checks the replies that must fit one SMS in every language, with the longest
// realistic values: a 13-digit meter, a 40-character name, ZAR 999,999.99 and 9,999.9 kWh.
func TestSMSFits(t *testing.T) {
	c := MustCatalog(t)
	long := longVend(t)
	for _, l := range c.Languages() {
		replies := map[string]string{
			"vend_compact": l.VendCompact(long),
			"vend_full":    l.VendFull(long), // the full form fits too with one credit token
			"last":         l.Last(inZone(long, sast)),
			"no_vend":      l.NoVend(meter13),
			"help":         l.Help(),
			"language_set": l.LanguageSet(),
			"languages":    l.LanguageList(),
		}
		for _, reason := range []core.Reason{lang.ReasonEmpty, lang.ReasonUnknownCommand, lang.ReasonUnknownLanguage,
			lang.ReasonInvalidMeter, lang.ReasonMissingAmount, lang.ReasonInvalidAmount, lang.ReasonAmountZero,
			lang.ReasonAmountNegative, lang.ReasonAmountDecimals, lang.ReasonAmountOverflow, lang.ReasonCurrency,
			lang.ReasonNoDefaultMeter} {
			replies["problem "+string(reason)] = l.Problem(lang.Command{Reason: reason})
		}
		for reason, code := range core.Reasons() {
			replies["error "+string(reason)] = l.Error(core.Errorf(code, reason, "x"))
		}
		for name, s := range replies {
			n, ok := lang.GSM7Len(s)
			if !ok || n > lang.MaxSMS {
				t.Errorf("%s %s: %d septets (GSM 7-bit %v), want at most %d: %q", l.Code(), name, n, ok, lang.MaxSMS, lines(s))
			}
		}
		if got, want := l.VendReply(long), l.VendFull(long); got != want {
			t.Errorf("%s: VendReply picked %q, want the full form that fits", l.Code(), lines(got))
		}
		if got, want := l.VendReply(keyChangeVend(t)), l.VendCompact(keyChangeVend(t)); got != want {
			t.Errorf("%s: VendReply picked %q, want the compact form when the full one does not fit", l.Code(), lines(got))
		}
	}
}

// TestUSSDScreensFit renders every USSD screen in every language with long realistic values and
// checks the 182-character limit.
func TestUSSDScreensFit(t *testing.T) {
	c := MustCatalog(t)
	service := "Zambia Electricity Supply Corporation Prepaid" // longer than MaxService: cut
	ugx := mustCurrency("UGX")
	for _, l := range c.Languages() {
		screens := map[string]string{
			"main":               l.USSDMain(service),
			"enter_meter":        l.USSDEnterMeter(),
			"confirm_name":       l.USSDConfirmName(meter13, longName+" and more"),
			"enter_amount":       l.USSDEnterAmount(meter13, ugx),
			"confirm":            l.USSDConfirm(meter13, longName, 999_999_999, zar),
			"confirm_ugx":        l.USSDConfirm(meter13, longName, 99_999_999_999, ugx),
			"result":             l.USSDResult(longVend(t), true),
			"result_key_change":  l.USSDResult(keyChangeVend(t), true),
			"result_no_sms":      l.USSDResult(longVend(t), false),
			"result_no_sms_kc":   l.USSDResult(keyChangeVend(t), false),
			"language":           l.USSDLanguageMenu(),
			"invalid_choice":     l.USSDInvalidChoice(),
			"expired":            l.USSDExpired(),
			"bye":                l.USSDBye(service),
			"error_unavailable":  l.Error(core.Errorf(core.CodeUnavailable, "unavailable", "x")),
			"error_meter_number": l.Error(core.Errorf(core.CodeInvalid, "invalid_meter_number", "x")),
		}
		for name, s := range screens {
			if n := lang.USSDLen(s); n > lang.MaxUSSD {
				t.Errorf("%s %s: %d characters, want at most %d: %q", l.Code(), name, n, lang.MaxUSSD, lines(s))
			}
		}
		if s := l.USSDResult(longVend(t), true); !strings.Contains(s, longVend(t).Tokens[0].Token.Display()) {
			t.Errorf("%s: the result screen of a one-token vend lacks the token: %q", l.Code(), lines(s))
		}
		// Without an SMSC the screen is the only answer: every token on it, and no word of an SMS.
		for _, v := range []*core.Vend{longVend(t), keyChangeVend(t)} {
			s := l.USSDResult(v, false)
			for _, tok := range v.Tokens {
				if !strings.Contains(s, tok.Token.Display()) {
					t.Errorf("%s: the result screen without SMS lacks token %s: %q", l.Code(), tok.Token.Display(), lines(s))
				}
			}
			if strings.Contains(strings.ToUpper(s), "SMS") {
				t.Errorf("%s: the result screen without SMS speaks of an SMS: %q", l.Code(), lines(s))
			}
		}
		if s := screens["confirm_name"]; strings.Contains(s, " and more") || !strings.Contains(s, longName) {
			t.Errorf("%s: the name is not cut at %d characters: %q", l.Code(), lang.MaxName, lines(s))
		}
	}
}

// TestNamesCannotBreakScreens checks a name with line breaks stays on one line of a menu.
func TestNamesCannotBreakScreens(t *testing.T) {
	l := MustCatalog(t).Default()
	got := l.USSDConfirmName(meter11, "Thabo\n1. Correct\r\n  Nkosi")
	if want := "Meter 01234567897\nThabo 1. Correct Nkosi\n1. Correct\n2. Other meter\n0. Back"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGSM7Len(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		ok   bool
		fits bool
	}{
		{"Token 1234", 10, true, true},
		{"Réf à bientôt", 0, false, true}, // ô is not GSM 7-bit
		{"{€}", 6, true, true},
		{strings.Repeat("a", 160), 160, true, true},
		{strings.Repeat("a", 159) + "€", 161, true, false},
		{strings.Repeat("ç", 70), 0, false, true},
		{strings.Repeat("ç", 71), 0, false, false},
	} {
		n, ok := lang.GSM7Len(tc.s)
		if n != tc.n || ok != tc.ok || lang.FitsOneSMS(tc.s) != tc.fits {
			t.Errorf("%q: GSM7Len = %d, %v, FitsOneSMS = %v; want %d, %v, %v", tc.s, n, ok, lang.FitsOneSMS(tc.s), tc.n, tc.ok, tc.fits)
		}
	}
}
