package lang_test

import (
	"testing"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

type parseCase struct {
	name string
	text string
	cur  core.Currency
	want lang.Command
}

func buy(l, meter string, amount core.Money) lang.Command {
	return lang.Command{Kind: lang.Buy, Lang: l, Meter: meter, Amount: amount}
}

func help(l string, reason core.Reason) lang.Command {
	return lang.Command{Kind: lang.Help, Lang: l, Reason: reason}
}

// parseCases are messages as customers send them; they also seed FuzzParse.
var parseCases = []parseCase{
	// English purchases.
	{"Buy", "BUY 01234567897 50", zar, buy("en", meter11, 5000)},
	{"BuyLowerCase", "buy 01234567897 50", zar, buy("en", meter11, 5000)},
	{"BuyExtraSpaces", "  Buy   01234567897 \t  50  ", zar, buy("en", meter11, 5000)},
	{"BuyMeterDashes", "BUY 0123-4567-897 50", zar, buy("en", meter11, 5000)},
	{"BuyMeterDots", "BUY 0123.4567.897 50", zar, buy("en", meter11, 5000)},
	{"BuyMeterGroups", "BUY 0123 4567 897 50", zar, buy("en", meter11, 5000)},
	{"BuyMeter13", "BUY 0123456789015 50", zar, buy("en", meter13, 5000)},
	{"BuyMeter13Groups", "buy 0123 4567 8901 5 20.00", zar, buy("en", meter13, 2000)},
	{"BuyStars", "BUY*01234567897*50#", zar, buy("en", meter11, 5000)},
	{"BuyGlued", "BUY01234567897 50", zar, buy("en", meter11, 5000)},
	{"BuyPunctuation", "Buy 01234567897, 50.", zar, buy("en", meter11, 5000)},
	{"BuyAmountFirst", "BUY 50 01234567897", zar, buy("en", meter11, 5000)},
	{"BuySynonym", "purchase 01234567897 20", zar, buy("en", meter11, 2000)},
	{"BuySymbol", "BUY 01234567897 R50", zar, buy("en", meter11, 5000)},
	{"BuySymbolSpace", "BUY 01234567897 R 50", zar, buy("en", meter11, 5000)},
	{"BuyCode", "BUY 01234567897 ZAR 50.50", zar, buy("en", meter11, 5050)},
	{"BuyTrailingCode", "BUY 01234567897 50 zar", zar, buy("en", meter11, 5000)},
	{"BuyTrailingWord", "BUY 01234567897 50 rand", zar, buy("en", meter11, 5000)},
	{"BuyDecimalComma", "BUY 01234567897 50,50", zar, buy("en", meter11, 5050)},
	{"BuyOneDecimal", "BUY 01234567897 50.5", zar, buy("en", meter11, 5050)},
	{"BuyThousands", "BUY 01234567897 R1,000", zar, buy("en", meter11, 100000)},
	{"BuyThousandsSpace", "BUY 01234567897 1 000", zar, buy("en", meter11, 100000)},
	{"BuyThousandsAndDecimals", "BUY 01234567897 1,250.75", zar, buy("en", meter11, 125075)},
	{"BuyLeadingZeros", "BUY 01234567897 0050", zar, buy("en", meter11, 5000)},
	{"BuyDefaultMeter", "BUY 50", zar, buy("en", "", 5000)},
	{"BuyDefaultMeterSymbol", "buy R100", zar, buy("en", "", 10000)},
	{"Bare", "01234567897 50", zar, buy("", meter11, 5000)},
	{"BareSymbol", "0123-4567-897 R50", zar, buy("", meter11, 5000)},
	{"BareAmountFirst", "50 01234567897", zar, buy("", meter11, 5000)},
	{"Bare13", "0123456789015 100", zar, buy("", meter13, 10000)},
	// English other commands.
	{"Last", "LAST", zar, lang.Command{Kind: lang.Last, Lang: "en"}},
	{"LastMeter", "last 0123-4567-897", zar, lang.Command{Kind: lang.Last, Lang: "en", Meter: meter11}},
	{"LastWords", "Last token please", zar, lang.Command{Kind: lang.Last, Lang: "en"}},
	{"Resend", "resend", zar, lang.Command{Kind: lang.Last, Lang: "en"}},
	{"Help", "HELP", zar, help("en", "")},
	{"HelpWords", "help me please", zar, help("en", "")},
	{"HelpQuestionMark", "?", zar, help("en", "")},
	{"LangCode", "LANG FR", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en", Language: "fr"}},
	{"LangName", "lang francais", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en", Language: "fr"}},
	{"LangNameAccent", "LANGUAGE Français", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en", Language: "fr"}},
	{"LangEnglishName", "lang swahili", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en", Language: "sw"}},
	{"LangLocale", "LANG fr-CM", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en", Language: "fr"}},
	{"LangList", "LANG", zar, lang.Command{Kind: lang.SetLanguage, Lang: "en"}},
	{"NameAlone", "Kiswahili", zar, lang.Command{Kind: lang.SetLanguage, Lang: "sw", Language: "sw"}},
	{"NameAloneAccent", "français", zar, lang.Command{Kind: lang.SetLanguage, Lang: "fr", Language: "fr"}},
	// English mistakes: always Help with a reason.
	{"ErrEmpty", "", zar, help("", lang.ReasonEmpty)},
	{"ErrSpaces", "  \n ", zar, help("", lang.ReasonEmpty)},
	{"ErrUnknownWord", "hello", zar, help("", lang.ReasonUnknownCommand)},
	{"ErrLoneAmount", "50", zar, help("", lang.ReasonUnknownCommand)},
	{"ErrUnknownLanguage", "LANG Klingon", zar, help("en", lang.ReasonUnknownLanguage)},
	{"ErrBuyAlone", "BUY", zar, help("en", lang.ReasonMissingAmount)},
	{"ErrBuyNoAmount", "BUY 01234567897", zar, help("en", lang.ReasonMissingAmount)},
	{"ErrBareNoAmount", "01234567897", zar, help("", lang.ReasonMissingAmount)},
	{"ErrCheckDigit", "BUY 01234567890 50", zar, help("en", lang.ReasonInvalidMeter)},
	{"ErrShortMeter", "BUY 012345678 50", zar, help("en", lang.ReasonInvalidMeter)},
	{"ErrShortMeterBare", "0123456789 50", zar, help("", lang.ReasonInvalidMeter)},
	{"ErrLongMeter", "BUY 01234567897123 50", zar, help("en", lang.ReasonInvalidMeter)},
	{"ErrLastBadMeter", "LAST 0123456789", zar, help("en", lang.ReasonInvalidMeter)},
	{"ErrNegative", "BUY 01234567897 -50", zar, help("en", lang.ReasonAmountNegative)},
	{"ErrNegativeAfterSymbol", "BUY 01234567897 R-50", zar, help("en", lang.ReasonAmountNegative)},
	{"ErrZero", "BUY 01234567897 0", zar, help("en", lang.ReasonAmountZero)},
	{"ErrZeroDecimals", "BUY 01234567897 0.00", zar, help("en", lang.ReasonAmountZero)},
	{"ErrDecimals", "BUY 01234567897 50.5055", zar, help("en", lang.ReasonAmountDecimals)},
	{"ErrDecimalsAfterThousands", "BUY 01234567897 1,000.505", zar, help("en", lang.ReasonAmountDecimals)},
	{"ErrOverflow", "BUY 01234567897 99999999999999999999", zar, help("en", lang.ReasonAmountOverflow)},
	{"ErrOtherCurrency", "BUY 01234567897 USD 50", zar, help("en", lang.ReasonCurrency)},
	{"ErrOtherSymbol", "BUY 01234567897 $50", zar, help("en", lang.ReasonCurrency)},
	{"ErrWords", "BUY 01234567897 fifty", zar, help("en", lang.ReasonInvalidAmount)},
	{"ErrBadGrouping", "BUY 01234567897 1,00,0", zar, help("en", lang.ReasonInvalidAmount)},
	{"ErrTwoDecimalMarks", "BUY 01234567897 1.000.50,5", zar, help("en", lang.ReasonInvalidAmount)},
	{"ErrInvalidUTF8", "BUY \xff 50", zar, help("", lang.ReasonUnknownCommand)},
	// French, in West African CFA francs (no decimals).
	{"FrAchat", "ACHAT 01234567897 5000", xof, buy("fr", meter11, 5000)},
	{"FrAcheter", "acheter 0123-4567-897 2500 FCFA", xof, buy("fr", meter11, 2500)},
	{"FrThousandsDot", "Achat 0123 4567 897 5.000 F", xof, buy("fr", meter11, 5000)},
	{"FrThousandsSpace", "ACHAT 01234567897 10 000 CFA", xof, buy("fr", meter11, 10000)},
	{"FrCode", "achat 01234567897 XOF 1500", xof, buy("fr", meter11, 1500)},
	{"FrZeroDecimals", "ACHAT 01234567897 5000,00", xof, buy("fr", meter11, 5000)},
	{"FrDefaultMeter", "ACHAT 2000", xof, buy("fr", "", 2000)},
	{"FrEuroCommaDecimal", "ACHAT 01234567897 50,50 EUR", mustCurrency("EUR"), buy("fr", meter11, 5050)},
	{"FrDernier", "DERNIER", xof, lang.Command{Kind: lang.Last, Lang: "fr"}},
	{"FrDerniereAccent", "Dernière 01234567897", xof, lang.Command{Kind: lang.Last, Lang: "fr", Meter: meter11}},
	{"FrAide", "aide", xof, help("fr", "")},
	{"FrLangue", "LANGUE anglais", xof, lang.Command{Kind: lang.SetLanguage, Lang: "fr", Language: "en"}},
	{"FrLangueCode", "langue EN", xof, lang.Command{Kind: lang.SetLanguage, Lang: "fr", Language: "en"}},
	{"FrErrDecimals", "ACHAT 01234567897 50,5", xof, help("fr", lang.ReasonAmountDecimals)},
	{"FrErrNoAmount", "ACHAT 01234567897", xof, help("fr", lang.ReasonMissingAmount)},
	{"FrErrNaira", "ACHAT 01234567897 ₦500", xof, help("fr", lang.ReasonCurrency)},
	// Swahili, in Kenya shillings.
	{"SwNunua", "NUNUA 01234567897 500", kes, buy("sw", meter11, 50000)},
	{"SwShillingsSlash", "nunua 01234567897 KSh 1,000/=", kes, buy("sw", meter11, 100000)},
	{"SwSlashEquals", "Nunua 01234567897 500/=", kes, buy("sw", meter11, 50000)},
	{"SwSh", "NUNUA 0123-4567-897 Sh.500", kes, buy("sw", meter11, 50000)},
	{"SwKes", "nunua 01234567897 KES 250.50", kes, buy("sw", meter11, 25050)},
	{"SwDefaultMeter", "NUNUA 200", kes, buy("sw", "", 20000)},
	{"SwMwisho", "mwisho", kes, lang.Command{Kind: lang.Last, Lang: "sw"}},
	{"SwMsaada", "MSAADA", kes, help("sw", "")},
	{"SwLugha", "LUGHA kiingereza", kes, lang.Command{Kind: lang.SetLanguage, Lang: "sw", Language: "en"}},
	{"SwErrRand", "NUNUA 01234567897 R50", kes, help("sw", lang.ReasonCurrency)},
	{"SwErrZero", "NUNUA 01234567897 0/=", kes, help("sw", lang.ReasonAmountZero)},
}

func TestParse(t *testing.T) {
	c := MustCatalog(t)
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Parse(tc.text, tc.cur); got != tc.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestParseThousandsOrDecimals pins the reading of one separator followed by three digits: a
// thousands separator for currencies with fewer than three decimals.
func TestParseThousandsOrDecimals(t *testing.T) {
	c := MustCatalog(t)
	for _, tc := range []struct {
		text string
		cur  core.Currency
		want core.Money
	}{
		{"1,000", zar, 100000},
		{"1.000", zar, 100000},
		{"50.505", zar, 5050500},
		{"5.000", xof, 5000},
		{"1,000,000", xof, 1000000},
		{"1.000,50", zar, 100050},
		{"12.5", zar, 1250},
		{"12,50", kes, 1250},
		{".50", zar, 50},
	} {
		got := c.Parse("BUY "+meter11+" "+tc.text, tc.cur)
		if got.Kind != lang.Buy || got.Amount != tc.want {
			t.Errorf("%s %s: got %+v, want Buy of %d", tc.text, tc.cur.Code, got, tc.want)
		}
	}
}

func TestParseAmountErrors(t *testing.T) {
	for _, tc := range []struct {
		text   string
		cur    core.Currency
		reason core.Reason
	}{
		{"", zar, lang.ReasonMissingAmount},
		{"R", zar, lang.ReasonInvalidAmount},
		{"abc", zar, lang.ReasonInvalidAmount},
		{"5O", zar, lang.ReasonInvalidAmount},
		{"-1", zar, lang.ReasonAmountNegative},
		{"−1", zar, lang.ReasonAmountNegative},
		{"0", zar, lang.ReasonAmountZero},
		{"0.001", zar, lang.ReasonAmountDecimals},
		{"1.5", xof, lang.ReasonAmountDecimals},
		{"92233720368547758.08", zar, lang.ReasonAmountOverflow},
		{"9223372036854775808", xof, lang.ReasonAmountOverflow},
		{"GBP 5", zar, lang.ReasonCurrency},
		{"5 CFA", zar, lang.ReasonCurrency},
	} {
		_, err := lang.ParseAmount(tc.text, tc.cur)
		e := core.AsError(err)
		if err == nil || e.Code != core.CodeInvalid || e.Reason != tc.reason {
			t.Errorf("ParseAmount(%q, %s) = %v, want %s", tc.text, tc.cur.Code, err, tc.reason)
		}
	}
	// The largest amount an int64 holds is accepted: no float rounding on the way.
	if got, err := lang.ParseAmount("92233720368547758.07", zar); err != nil || got != 9223372036854775807 {
		t.Errorf("largest amount: got %d, %v, want 9223372036854775807", got, err)
	}
}

func TestParseMeter(t *testing.T) {
	for in, want := range map[string]string{
		meter11: meter11, "0123-4567-897": meter11, " 0123 4567 897 ": meter11, "0123.4567.8901.5": meter13,
	} {
		if got, err := lang.ParseMeter(in); err != nil || got != want {
			t.Errorf("ParseMeter(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", badMeter11, "0123456789", "01234567897x", "meter"} {
		_, err := lang.ParseMeter(in)
		if e := core.AsError(err); err == nil || e.Reason != lang.ReasonInvalidMeter {
			t.Errorf("ParseMeter(%q) = %v, want %s", in, err, lang.ReasonInvalidMeter)
		}
	}
}

func TestKind(t *testing.T) {
	for k, want := range map[lang.Kind]string{lang.Help: "help", lang.Buy: "buy", lang.Last: "last", lang.SetLanguage: "language", 9: "kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
	if lang.Kind(9).Valid() || lang.Kind(-1).Valid() || !lang.SetLanguage.Valid() {
		t.Error("Valid accepts a kind that is not one")
	}
}
