package lang

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// Kind is what a customer's message asks for.
type Kind int

// The command kinds. The zero Kind is Help, so a Command nobody filled in answers with help, never
// with silence.
const (
	// Help asks for the help text; with a Reason it is a message that could not be acted on.
	Help Kind = iota
	// Buy asks for a purchase: Amount for Meter, or for the phone's registered meter when Meter is
	// empty.
	Buy
	// Last asks for the last purchase's tokens again: for Meter, or for the phone's registered
	// meter when Meter is empty.
	Last
	// SetLanguage asks for replies in Language; with Language empty it asks for the list.
	SetLanguage
)

var kindNames = [...]string{Help: "help", Buy: "buy", Last: "last", SetLanguage: "language"}

// String returns the kind's name: "help", "buy", "last", "language".
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the command kinds.
func (k Kind) Valid() bool { return k >= Help && k <= SetLanguage }

// Command is a customer's SMS read by Parse.
type Command struct {
	Kind Kind
	// Lang is the code of the language the command's keyword is in ("fr" for ACHAT), or "" when
	// the message had no keyword ("<meter> <amount>"). A reply to a customer with no stored
	// preference is in this language (Catalog.Negotiate).
	Lang string
	// Meter is the meter number, digits only, checked with core.CheckMeterNumber; "" means the
	// meter registered to the sender's phone.
	Meter string
	// Amount is what a Buy pays, in minor units of the currency given to Parse; always positive.
	Amount core.Money
	// Language is the code of the language a SetLanguage command asks for; "" asks for the list.
	Language string
	// Reason says why a message became Help: one of the Reason constants, or a core reason
	// ("invalid_meter_number", "invalid_amount", "currency_mismatch"). It is "" when the customer
	// asked for help; Language.Problem renders it.
	Reason core.Reason
}

// Reasons a message could not be acted on, in core's vocabulary (core.Error.Reason); ParseAmount
// and ParseMeter return *core.Error with these reasons, and the error table maps each to a reply.
// Three are core's own: a customer's mistyped meter number or amount is the same mistake as an
// agent's.
const (
	ReasonEmpty           core.Reason = "empty_message"               // nothing but spaces
	ReasonUnknownCommand  core.Reason = "unknown_command"             // no keyword, and not "<meter> <amount>"
	ReasonUnknownLanguage core.Reason = "unknown_language"            // LANG with a language the catalog lacks
	ReasonInvalidMeter                = core.ReasonInvalidMeterNumber // not 11 or 13 digits with a valid check digit
	ReasonMissingAmount   core.Reason = "missing_amount"              // BUY without an amount
	ReasonInvalidAmount               = core.ReasonInvalidAmount      // not a number, or with unknown words
	ReasonAmountZero      core.Reason = "amount_zero"                 // 0
	ReasonAmountNegative  core.Reason = "amount_negative"             // -50
	ReasonAmountDecimals  core.Reason = "amount_too_many_decimals"    // more decimals than the currency has
	ReasonAmountOverflow  core.Reason = "amount_overflow"             // more than an int64 of minor units
	ReasonCurrency                    = core.ReasonCurrencyMismatch   // USD 50 where the meter is sold in ZAR
	ReasonNoDefaultMeter  core.Reason = "no_default_meter"            // BUY <amount> from a phone with no meter (the caller's)
)

// maxText bounds what Parse reads: a concatenated SMS of a few parts. Longer text is not a command.
const maxText = 1000

// Parse reads a customer's SMS. It is forgiving: case, accents, extra spaces, dashes and dots
// inside the meter number (or the meter number in groups: "0123 4567 897"), a currency symbol or
// code before or after the amount ("R50", "ZAR 50", "50 ZAR", "KSh 1,000/="), thousands
// separators and a decimal point or comma ("50.5", "50,50") are all accepted; the keyword of any
// language of the catalog works, and may be glued to the meter number ("BUY01234567897 50"). The
// forms are:
//
//	<meter> <amount>          buy (also <amount> <meter>)
//	BUY <meter> <amount>      buy
//	BUY <amount>              buy for the phone's registered meter
//	LAST [<meter>]            the last purchase again
//	HELP                      the help text
//	LANG [<code> | <name>]    replies in a language (the list without one)
//	<name>                    a language's name alone: replies in it ("Kiswahili")
//
// Amounts are whole units of cur with at most cur.Exponent decimals, converted to minor units
// without floating point. Anything else gives Kind Help with a Reason: Parse never fails, so every
// message gets an answer.
func (c *Catalog) Parse(text string, cur core.Currency) Command {
	if len(text) > maxText || !utf8.ValidString(text) {
		return Command{Kind: Help, Reason: ReasonUnknownCommand}
	}
	fields := split(text)
	if len(fields) == 0 {
		return Command{Kind: Help, Reason: ReasonEmpty}
	}
	kw, ok := c.keywords[fold(fields[0])]
	if !ok {
		// A keyword glued to what follows: "BUY01234567897".
		if i := strings.IndexFunc(fields[0], unicode.IsDigit); i > 0 {
			if kw, ok = c.keywords[fold(fields[0][:i])]; ok {
				fields = append([]string{fields[0][:i], fields[0][i:]}, fields[1:]...)
			}
		}
	}
	if ok {
		cmd := c.keywordCommand(kw.kind, fields[1:], cur)
		cmd.Lang = kw.lang
		return cmd
	}
	if len(fields) == 1 {
		if code, ok := c.names[fold(fields[0])]; ok {
			return Command{Kind: SetLanguage, Lang: code, Language: code}
		}
	}
	if meterish(fields[0]) {
		return parseBuy(fields, cur, true)
	}
	return Command{Kind: Help, Reason: ReasonUnknownCommand}
}

func (c *Catalog) keywordCommand(k Kind, body []string, cur core.Currency) Command {
	switch k {
	case Buy:
		return parseBuy(body, cur, false)
	case Last:
		return parseLast(body)
	case SetLanguage:
		if len(body) == 0 {
			return Command{Kind: SetLanguage}
		}
		for _, s := range []string{strings.Join(body, " "), body[0]} {
			if l, ok := c.byName(s); ok {
				return Command{Kind: SetLanguage, Language: l.code}
			}
		}
		return Command{Kind: Help, Reason: ReasonUnknownLanguage}
	}
	return Command{Kind: Help}
}

// split cuts a message into fields at spaces and at the separators people type between fields
// ("BUY*01234567897*50#"), dropping punctuation that ends a field ("50." "BUY,").
func split(text string) []string {
	raw := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || r == '*' || r == '#' || r == ';' || r == ':' || r == '_' || unicode.IsControl(r)
	})
	out := raw[:0]
	for _, f := range raw {
		switch t := strings.TrimRight(f, ",.!?"); {
		case t != "":
			out = append(out, t)
		case strings.Contains(f, "?"):
			out = append(out, "?")
		}
	}
	return out
}

// parseBuy reads what follows BUY (or a whole message when meterFirst: "<meter> <amount>").
func parseBuy(body []string, cur core.Currency, meterFirst bool) Command {
	if len(body) == 0 {
		return Command{Kind: Help, Reason: ReasonMissingAmount}
	}
	m := findMeter(body, false)
	if back := findMeter(body, true); back.score > m.score {
		m = back
	}
	rest := m.rest
	switch m.status {
	case badMeter:
		return Command{Kind: Help, Reason: ReasonInvalidMeter}
	case noMeter:
		// A run of eight digits or more is a meter number mistyped, not an amount.
		if meterDigits(body) >= 8 || meterDigits(reversed(body)) >= 8 {
			return Command{Kind: Help, Reason: ReasonInvalidMeter}
		}
		if meterFirst {
			return Command{Kind: Help, Reason: ReasonUnknownCommand}
		}
		rest = body
	}
	if len(rest) == 0 {
		return Command{Kind: Help, Reason: ReasonMissingAmount}
	}
	amount, err := ParseAmount(strings.Join(rest, " "), cur)
	if err != nil {
		return Command{Kind: Help, Reason: core.AsError(err).Reason}
	}
	return Command{Kind: Buy, Meter: m.number, Amount: amount}
}

// parseLast reads what follows LAST: nothing, words ("LAST TOKEN"), or a meter number.
func parseLast(body []string) Command {
	if !strings.ContainsFunc(strings.Join(body, ""), unicode.IsDigit) {
		return Command{Kind: Last}
	}
	m := findMeter(body, false)
	if m.status != found {
		return Command{Kind: Help, Reason: ReasonInvalidMeter}
	}
	return Command{Kind: Last, Meter: m.number}
}

type meterStatus int

const (
	noMeter  meterStatus = iota // no run of fields makes 11 or 13 digits
	badMeter                    // 11 or 13 digits, but the check digit fails
	found
)

// meterReading is a meter number found among a message's fields.
type meterReading struct {
	status meterStatus
	number string   // the digits, when found
	rest   []string // the other fields, in order, when found
	score  int      // how likely the reading is; higher is better
}

// findMeter looks for a meter number in the leading fields (the trailing ones when fromEnd): a
// run of fields of digits, dashes and dots that makes 11 or 13 digits. Of several readings
// ("01234567897 50" is 11 digits and an amount, or 13 digits) it prefers a valid check digit,
// then one that leaves fields for an amount, then the longer.
func findMeter(fields []string, fromEnd bool) meterReading {
	best := meterReading{status: noMeter, score: -1}
	n := 0
	for k := range fields {
		i := k
		if fromEnd {
			i = len(fields) - 1 - k
		}
		if !meterish(fields[i]) {
			break
		}
		if n += len(digitsOf(fields[i])); n > 13 {
			break
		}
		if n != 11 && n != 13 {
			continue
		}
		run, rest := fields[:k+1], fields[k+1:]
		if fromEnd {
			run, rest = fields[i:], fields[:i]
		}
		number := digitsOf(strings.Join(run, ""))
		score := 0
		if core.CheckMeterNumber(number) == nil {
			score += 4
		}
		if len(rest) > 0 {
			score += 2
		}
		if n == 13 {
			score++
		}
		if score > best.score {
			best = meterReading{status: found, number: number, rest: rest, score: score}
		}
	}
	if best.status == found && best.score < 4 {
		return meterReading{status: badMeter, score: best.score}
	}
	return best
}

// meterDigits counts the digits of the leading fields that could be part of a meter number.
func meterDigits(fields []string) int {
	n := 0
	for _, f := range fields {
		if !meterish(f) {
			break
		}
		n += len(digitsOf(f))
	}
	return n
}

// meterish reports whether f could be (part of) a meter number: digits with dashes or dots
// between them.
func meterish(f string) bool {
	if f == "" || f[0] < '0' || f[0] > '9' {
		return false
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func digitsOf(f string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, f)
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[len(s)-1-i] = f
	}
	return out
}

// ParseMeter reads a meter number as a customer types it ("0123-4567-897", "0123 4567 897") and
// checks it with core.CheckMeterNumber; it returns the digits. The error is a *core.Error with
// reason invalid_meter_number.
func ParseMeter(s string) (string, error) {
	fields := split(s)
	var b strings.Builder
	for _, f := range fields {
		if !meterish(f) {
			return "", core.Errorf(core.CodeInvalid, ReasonInvalidMeter, "a meter number has digits only")
		}
		b.WriteString(digitsOf(f))
	}
	if err := core.CheckMeterNumber(b.String()); err != nil {
		return "", err
	}
	return b.String(), nil
}
