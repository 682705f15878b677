package lang

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/vendgate/vendgate/core"
)

// Lengths of the messages Vendgate sends.
const (
	// MaxSMS is what one SMS holds in the GSM 7-bit alphabet (SMPP data_coding 0), in septets.
	MaxSMS = 160
	// MaxSMSUCS2 is what one SMS holds when a character is outside that alphabet (UCS-2).
	MaxSMSUCS2 = 70
	// MaxUSSD is the longest USSD screen, in GSM 7-bit characters.
	MaxUSSD = 182
	// MaxName is how much of a customer's name a reply shows, in characters.
	MaxName = 40
	// MaxService is how much of the service's name a USSD screen shows, in characters.
	MaxService = 30
)

// VendFull returns the reply to a vend in full: meter and customer name, every token labelled
// (key change tokens first, numbered, then the credit token and any free basic energy token), the
// units bought in the meter kind's unit, the amount paid and the reference. A vend that is no longer completed (reversed)
// gets the cancellation notice instead, never its tokens.
func (l *Language) VendFull(v *core.Vend) string {
	if v.Status != core.VendCompleted {
		return l.reversed(v)
	}
	a := l.vendArgs(v)
	a["name"] = clean(v.CustomerName, MaxName)
	a["tokens"] = l.tokens(v, false, "\n")
	return l.msg("vend_full", a)
}

// VendCompact returns the reply to a vend in few characters: the tokens (key change tokens
// first), energy, amount, meter and reference, without the customer's name. With one credit token
// it fits one SMS in every language (see the tests). A reversed vend gets the cancellation notice.
func (l *Language) VendCompact(v *core.Vend) string {
	if v.Status != core.VendCompleted {
		return l.reversed(v)
	}
	a := l.vendArgs(v)
	a["tokens"] = l.tokens(v, true, " ")
	return l.msg("vend_compact", a)
}

// VendReply returns VendFull when it fits one SMS, else VendCompact (which may itself need
// several SMS when the vend carries key change tokens).
func (l *Language) VendReply(v *core.Vend) string {
	if full := l.VendFull(v); FitsOneSMS(full) {
		return full
	}
	return l.VendCompact(v)
}

// Last returns the reply to LAST: the vend's date in its utility's zone, meter, tokens, energy,
// amount and reference; a reversed vend gets the reversal notice.
func (l *Language) Last(v *core.Vend) string {
	if v.Status != core.VendCompleted {
		return l.reversed(v)
	}
	a := l.vendArgs(v)
	a["tokens"] = l.tokens(v, false, "\n")
	a["date"] = l.date(v.CreatedAt, v.Location)
	return l.msg("last", a)
}

// NoVend returns the reply to LAST for a meter with no purchase on this channel.
func (l *Language) NoVend(meter string) string {
	return l.msg("no_vend", args{"meter": meter})
}

// NoDefaultMeter returns the reply to BUY <amount> (or LAST) from a phone with no registered
// meter.
func (l *Language) NoDefaultMeter() string { return l.msg("no_default_meter", nil) }

// Help returns the help text, with the languages the catalog has.
func (l *Language) Help() string { return l.msg("help", l.common()) }

// LanguageSet returns the confirmation of a LANG command, in the language chosen.
func (l *Language) LanguageSet() string { return l.msg("language_set", nil) }

// LanguageList returns the reply to LANG alone: the languages and how to choose one.
func (l *Language) LanguageList() string { return l.msg("language_list", l.common()) }

// Problem returns the reply to a message Parse could not act on (Kind Help with a Reason): what is
// wrong and how to write it. Without a Reason it is the help text.
func (l *Language) Problem(cmd Command) string {
	if cmd.Reason == "" {
		return l.Help()
	}
	return l.msg(messageKey(core.CodeInvalid, cmd.Reason), l.common())
}

// Error returns the reply to a failed vend or lookup, chosen by the error's code and reason (the
// table in errors.go). It never shows the error's own message, which is for operators.
func (l *Language) Error(err error) string {
	e := core.AsError(err)
	return l.msg(messageKey(e.Code, e.Reason), l.common())
}

// USSDMain returns the main menu under the service's name (at most MaxService characters shown).
func (l *Language) USSDMain(service string) string {
	return l.msg("ussd_main", args{"service": clean(service, MaxService)})
}

// USSDEnterMeter returns the screen that asks for the meter number.
func (l *Language) USSDEnterMeter() string { return l.msg("ussd_enter_meter", nil) }

// USSDConfirmName returns the screen that shows the meter's customer name (at most MaxName
// characters) so the customer can confirm the meter before paying.
func (l *Language) USSDConfirmName(meter, name string) string {
	return l.msg("ussd_confirm_name", args{"meter": meter, "name": clean(name, MaxName)})
}

// USSDEnterAmount returns the screen that asks for the amount in cur.
func (l *Language) USSDEnterAmount(meter string, cur core.Currency) string {
	return l.msg("ussd_enter_amount", args{"meter": meter, "currency": cur.Code})
}

// USSDConfirm returns the screen that asks to confirm the purchase.
func (l *Language) USSDConfirm(meter, name string, amount core.Money, cur core.Currency) string {
	return l.msg("ussd_confirm", args{"meter": meter, "name": clean(name, MaxName), "amount": cur.Format(amount)})
}

// USSDResult returns the last screen of a purchase. With sms (the tokens also go by SMS, which
// the caller sends: a screen is easily lost): the tokens when they fit a screen, else a notice
// that they come by SMS. Without: the tokens, with the amounts when they fit. A reversed vend
// gets the reversal notice.
func (l *Language) USSDResult(v *core.Vend, sms bool) string {
	if v.Status != core.VendCompleted {
		return l.reversed(v)
	}
	a := l.vendArgs(v)
	a["tokens"] = l.tokens(v, false, "\n")
	if sms {
		if s := l.msg("ussd_result", a); USSDLen(s) <= MaxUSSD {
			return s
		}
		return l.msg("ussd_result_sms", a)
	}
	if s := l.msg("ussd_result_screen", a); USSDLen(s) <= MaxUSSD {
		return s
	}
	a["tokens"] = l.tokens(v, true, "\n") // the screen is the only answer: every token, in short
	return l.msg("ussd_result_tokens", a)
}

// USSDLanguageMenu returns the language menu: the catalog's languages numbered from 1, each in its
// own name; Catalog.MenuChoice reads the answer.
func (l *Language) USSDLanguageMenu() string {
	var b strings.Builder
	for i, o := range l.cat.order {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, o.name)
	}
	return l.msg("ussd_language", args{"options": b.String()})
}

// USSDInvalidChoice returns the screen for an answer that is not one of the menu's.
func (l *Language) USSDInvalidChoice() string { return l.msg("ussd_invalid_choice", nil) }

// USSDExpired returns the screen for a session that timed out.
func (l *Language) USSDExpired() string { return l.msg("ussd_expired", nil) }

// USSDBye returns the closing screen.
func (l *Language) USSDBye(service string) string {
	return l.msg("ussd_bye", args{"service": clean(service, MaxService)})
}

func (l *Language) vendArgs(v *core.Vend) args {
	return args{
		"meter":    v.MeterNumber,
		"quantity": v.Kind.Format(v.Breakdown.Energy),
		"amount":   v.Currency.Format(v.Breakdown.Paid),
		"ref":      v.Reference,
	}
}

func (l *Language) reversed(v *core.Vend) string {
	return l.msg("vend_reversed", l.vendArgs(v))
}

// tokens renders a vend's tokens in the order the customer enters them, joined by sep.
func (l *Language) tokens(v *core.Vend, compact bool, sep string) string {
	suffix := ""
	if compact {
		suffix = "_compact"
	}
	count := 0
	for _, t := range v.Tokens {
		if t.Purpose == core.PurposeKeyChange {
			count++
		}
	}
	lines := make([]string, 0, len(v.Tokens))
	n := 0
	for _, t := range v.Tokens {
		a := args{"token": t.Token.Display()}
		key := "token_credit"
		switch t.Purpose {
		case core.PurposeKeyChange:
			n++
			key = "token_key_change"
			a["n"], a["count"] = strconv.Itoa(n), strconv.Itoa(count)
		case core.PurposeFreeBasic:
			key = "token_free_basic"
			a["quantity"] = v.Kind.Format(t.Energy)
		}
		lines = append(lines, l.msg(key+suffix, a))
	}
	return strings.Join(lines, sep)
}

// common are the values any message may show.
func (l *Language) common() args {
	return args{"languages": l.cat.codes()}
}

// clean makes a name fit a reply: control characters (a line break would break a menu) become
// spaces, runs of spaces one, and at most max characters are kept.
func clean(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > max {
		return strings.TrimSpace(string(r[:max]))
	}
	return s
}
