package lang

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/vendgate/vendgate/core"
)

// symbols are the currency symbols, abbreviations and names customers write around an amount,
// each with the ISO 4217 currencies it can mean. One that cannot mean the currency sold is a
// mismatch, never ignored: "$50" does not buy fifty rand. Keys are folded (upper case, no accents).
var symbols = map[string][]string{
	"R": {"ZAR"}, "RAND": {"ZAR"},
	"$": {"USD"}, "US$": {"USD"}, "USD$": {"USD"}, "DOLLAR": {"USD"}, "DOLLARS": {"USD"},
	"€": {"EUR"}, "£": {"GBP"},
	"₦": {"NGN"}, "N": {"NGN"}, "NAIRA": {"NGN"},
	"KSH": {"KES"}, "KSHS": {"KES"}, "TSH": {"TZS"}, "TSHS": {"TZS"}, "USH": {"UGX"}, "USHS": {"UGX"},
	"SH": {"KES", "TZS", "UGX"}, "SHS": {"KES", "TZS", "UGX"}, "SHILLING": {"KES", "TZS", "UGX"},
	"SHILLINGS": {"KES", "TZS", "UGX"}, "SHILINGI": {"KES", "TZS", "UGX"},
	"GH₵": {"GHS"}, "GH¢": {"GHS"}, "₵": {"GHS"}, "¢": {"GHS"}, "GHC": {"GHS"}, "CEDI": {"GHS"}, "CEDIS": {"GHS"},
	"K": {"ZMW", "MWK"}, "KWACHA": {"ZMW", "MWK"}, "ZK": {"ZMW"}, "MK": {"MWK"},
	"CFA": {"XOF", "XAF"}, "FCFA": {"XOF", "XAF"}, "F": {"XOF", "XAF", "RWF", "CDF"},
	"FRANC": {"XOF", "XAF", "RWF", "CDF"}, "FRANCS": {"XOF", "XAF", "RWF", "CDF"},
	"FRW": {"RWF"}, "RF": {"RWF"}, "FC": {"CDF"},
	"P": {"BWP"}, "PULA": {"BWP"}, "E": {"SZL"}, "N$": {"NAD"}, "M": {"LSL"}, "L": {"LSL"},
	"MT": {"MZN"}, "MTS": {"MZN"}, "BR": {"ETB"}, "BIRR": {"ETB"}, "LE": {"SLE"},
	"DH": {"MAD"}, "DHS": {"MAD"}, "ZIG": {"ZWG"},
	"₹": {"INR"}, "RS": {"INR", "PKR"}, "E£": {"EGP"}, "LE£": {"EGP"},
}

// ParseAmount reads an amount as a customer writes it, in whole units of cur with at most
// cur.Exponent decimals ("50", "50.5", "50,50", "R 1 000", "KSh 1,000/=", "1.500 FCFA"), and
// returns it in minor units. A separator followed by exactly three digits groups thousands when
// the currency has fewer than three decimals ("1,000", "1.500"); with both "." and ",", the last
// one is the decimal mark. Extra decimals that are zeros are dropped ("5000.00" XOF). The error is
// a *core.Error with one of the amount reasons: ReasonMissingAmount, ReasonInvalidAmount,
// ReasonAmountZero, ReasonAmountNegative, ReasonAmountDecimals, ReasonAmountOverflow,
// ReasonCurrency.
func ParseAmount(s string, cur core.Currency) (core.Money, error) {
	s = strings.Join(strings.Fields(fold(s)), "")
	if s == "" {
		return 0, amountError(ReasonMissingAmount, "the amount is missing")
	}
	for _, suffix := range []string{"/=", "/-", ",-", ".-"} {
		s = strings.TrimSuffix(s, suffix)
	}
	neg := false
	sign := func() {
		for _, m := range []string{"-", "−", "+"} {
			if strings.HasPrefix(s, m) {
				neg = neg || m != "+"
				s = s[len(m):]
				return
			}
		}
	}
	sign()
	i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsDigit(r) || strings.ContainsRune("-−+.,", r) })
	if i < 0 {
		return 0, amountError(ReasonInvalidAmount, "the amount has no digits")
	}
	if err := currencyWord(s[:i], cur); err != nil {
		return 0, err
	}
	s = s[i:]
	if i > 0 && strings.HasPrefix(s, ".") {
		s = s[1:] // the abbreviation's dot: "Sh.500", "Kshs.1,000"
	}
	sign()
	j := strings.LastIndexFunc(s, func(r rune) bool { return unicode.IsDigit(r) || r == '.' || r == ',' })
	if j < 0 {
		return 0, amountError(ReasonInvalidAmount, "the amount has no digits")
	}
	if err := currencyWord(s[j+1:], cur); err != nil {
		return 0, err
	}
	num := strings.TrimRight(s[:j+1], ".,")
	for _, r := range num {
		if (r < '0' || r > '9') && r != '.' && r != ',' {
			return 0, amountError(ReasonInvalidAmount, "the amount is not a number")
		}
	}
	whole, frac, ok := splitDecimal(num, cur.Exponent)
	if !ok {
		return 0, amountError(ReasonInvalidAmount, "the amount's separators are not where thousands or decimals go")
	}
	exp := int(cur.Exponent)
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			if exp == 0 {
				return 0, amountError(ReasonAmountDecimals, "%s amounts have no decimals", cur.Code)
			}
			return 0, amountError(ReasonAmountDecimals, "%s amounts have at most %d decimals", cur.Code, exp)
		}
		frac = frac[:exp]
	}
	digits := strings.TrimLeft(whole+frac+strings.Repeat("0", exp-len(frac)), "0")
	var v int64
	if digits != "" {
		var err error
		if v, err = strconv.ParseInt(digits, 10, 64); err != nil {
			return 0, amountError(ReasonAmountOverflow, "the amount is too large")
		}
	}
	switch {
	case neg:
		return 0, amountError(ReasonAmountNegative, "the amount is negative")
	case v == 0:
		return 0, amountError(ReasonAmountZero, "the amount is zero")
	}
	return core.Money(v), nil
}

// splitDecimal splits digits with separators into the whole digits and the decimal digits,
// removing thousands separators; false when the separators are not in a place they can be.
func splitDecimal(num string, exponent int32) (whole, frac string, ok bool) {
	dots, commas := strings.Count(num, "."), strings.Count(num, ",")
	var mark byte
	switch {
	case dots == 0 && commas == 0:
		return num, "", num != ""
	case dots > 0 && commas > 0:
		mark = num[strings.LastIndexAny(num, ".,")]
		if strings.Count(num, string(mark)) > 1 {
			return "", "", false
		}
	case dots+commas == 1:
		i := strings.IndexAny(num, ".,")
		if before, after := num[:i], num[i+1:]; !(len(after) == 3 && exponent < 3 && len(before) >= 1 && len(before) <= 3 && before[0] != '0') {
			mark = num[i]
		}
	}
	whole = num
	if mark != 0 {
		i := strings.LastIndexByte(num, mark)
		whole, frac = num[:i], num[i+1:]
	}
	if whole == "" && frac == "" {
		return "", "", false
	}
	groups := strings.FieldsFunc(whole, func(r rune) bool { return r == '.' || r == ',' })
	if len(groups) > 1 || strings.ContainsAny(whole, ".,") {
		if strings.ContainsAny(whole[:1], ".,") || strings.ContainsAny(whole[len(whole)-1:], ".,") ||
			len(groups) != strings.Count(whole, ".")+strings.Count(whole, ",")+1 || len(groups[0]) > 3 || groups[0][0] == '0' {
			return "", "", false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", "", false
			}
		}
	}
	return strings.Join(groups, ""), frac, true
}

// currencyWord accepts the text around an amount when it is empty, the currency's code, or a
// symbol that can mean it.
func currencyWord(w string, cur core.Currency) error {
	switch {
	case w == "" || w == cur.Code:
		return nil
	case slices.Contains(symbols[w], cur.Code):
		return nil
	}
	if _, err := core.ParseCurrency(w); err == nil || symbols[w] != nil {
		return amountError(ReasonCurrency, "the amount is not in %s", cur.Code)
	}
	return amountError(ReasonInvalidAmount, "the amount has words that are not a currency")
}

func amountError(reason core.Reason, format string, a ...any) *core.Error {
	return core.Errorf(core.CodeInvalid, reason, format, a...)
}
