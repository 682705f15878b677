package lang

import "strings"

// gsmBasic is the GSM 03.38 default alphabet (one septet each); gsmExtension holds the characters
// sent as an escape and a septet (two each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// GSM7Len returns how many septets s takes in the GSM 03.38 default alphabet and its extension
// table, and false when s has a character outside both (the SMS then goes as UCS-2).
func GSM7Len(s string) (int, bool) {
	n := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			n++
		case strings.ContainsRune(gsmExtension, r):
			n += 2
		default:
			return 0, false
		}
	}
	return n, true
}

// FitsOneSMS reports whether s fits one SMS: MaxSMS septets in GSM 7-bit, or MaxSMSUCS2 UTF-16
// units when it needs UCS-2.
func FitsOneSMS(s string) bool {
	if n, ok := GSM7Len(s); ok {
		return n <= MaxSMS
	}
	units := 0
	for _, r := range s {
		units++
		if r > 0xFFFF {
			units++
		}
	}
	return units <= MaxSMSUCS2
}

// USSDLen returns the length of a USSD screen as the limit MaxUSSD counts it: GSM 7-bit septets,
// or characters when s needs UCS-2 (a network then shows fewer).
func USSDLen(s string) int {
	if n, ok := GSM7Len(s); ok {
		return n
	}
	return len([]rune(s))
}
