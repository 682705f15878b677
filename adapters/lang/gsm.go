package lang

import "github.com/vendgate/vendgate/smstext"

// GSM7Len returns how many septets s takes in the GSM 03.38 default alphabet and its extension
// table, and false when s has a character outside both (the SMS then goes as UCS-2). The SMS
// codec measures it, so a reply is counted the way it is sent.
func GSM7Len(s string) (int, bool) {
	m := smstext.Measure(s)
	if m.Alphabet != smstext.AlphabetGSM7 {
		return 0, false
	}
	return m.Units, true
}

// FitsOneSMS reports whether s fits one SMS: MaxSMS septets in GSM 7-bit, or MaxSMSUCS2 UTF-16
// units when it needs UCS-2.
func FitsOneSMS(s string) bool { return smstext.Measure(s).Parts <= 1 }

// USSDLen returns the length of a USSD screen as the limit MaxUSSD counts it: GSM 7-bit septets,
// or characters when s needs UCS-2 (a network then shows fewer).
func USSDLen(s string) int {
	if n, ok := GSM7Len(s); ok {
		return n
	}
	return len([]rune(s))
}
