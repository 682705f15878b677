package core

import (
	"strings"
	"time"
)

// Subscriber is a phone's preferences on the SMS and USSD channels.
type Subscriber struct {
	Phone    string // NormalizePhone's form: digits only, country code first ("27821234567")
	Language string // a language code ("fr"), or "" for the default
	// DefaultMeter is the meter BUY <amount> and LAST act on: the one the phone last bought for,
	// or its customer's only meter; "" when none.
	DefaultMeter string
	UpdatedAt    time.Time
}

// NormalizePhone returns a phone number (MSISDN) in the form Vendgate stores and matches it in:
// digits only, without "+" or the international prefix "00", without spaces, dashes, dots or
// brackets ("+27 82 123-4567" and "0027821234567" are "27821234567"). It keeps 6 to 15 digits
// (ITU-T E.164 allows 15); anything else is an invalid error. Numbers in a national form
// ("0821234567") are kept as they are: Vendgate does not guess the country.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", Errorf(CodeInvalid, ReasonInvalidPhone, "a phone number has digits only")
		}
	}
	n, international := strings.CutPrefix(b.String(), "00")
	if international && strings.HasPrefix(n, "0") {
		// No country code starts with 0: kept, this form would not read as itself again.
		return "", Errorf(CodeInvalid, ReasonInvalidPhone, "a phone number has a country code after 00, and none starts with 0")
	}
	if len(n) < 6 || len(n) > 15 {
		return "", Errorf(CodeInvalid, ReasonInvalidPhone, "a phone number has 6 to 15 digits")
	}
	return n, nil
}
