// Package lang is what Vendgate's SMS (SMPP 3.4) and USSD channels say to customers, in the
// customer's language: it reads their commands and renders every reply and USSD screen. It is
// pure: no network, no database, no clock.
//
// Each language is a TOML file in messages/ (en.toml, fr.toml, sw.toml), embedded in the binary:
// the language's name for a language menu, its keywords (BUY, LAST, HELP, LANG and synonyms) and
// every message text with named {placeholders}. Adding a language is adding a file; a file with a
// message missing, an unknown message or an unknown placeholder does not load. English is the
// default and the fallback.
//
// Catalog.Parse reads an SMS into a Command: "<meter> <amount>", "BUY <meter> <amount>",
// "BUY <amount>" (the phone's registered meter), "LAST [<meter>]", "HELP", "LANG <code>" or a
// language's name, with the keywords of every language; it is forgiving of case, spacing,
// separators inside meter numbers and currency symbols around amounts, and it never fails:
// what it cannot act on becomes Help with a Reason, which Language.Problem answers. Amounts are
// converted to core.Money minor units with the currency's exponent, without floating point.
//
// The Language methods render replies: the vend with its tokens in 4-4-4-4-4 form (key change
// tokens first, labelled) in a full and a compact form, the LAST reply, the error replies (the
// one table from core's error codes and reasons to message keys is in errors.go) and the USSD
// screens, each at most 182 characters. Texts are written in the GSM 03.38 7-bit alphabet so an
// SMS holds 160 characters (GSM7Len, FitsOneSMS).
package lang
