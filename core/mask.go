package core

import (
	"regexp"
	"strings"
)

// What operators, logs and errors are shown of secrets: phone numbers, API keys and passwords,
// and tokens.

// MaskPhone shows a phone number's last four digits only, for logs: "*******4567".
func MaskPhone(phone string) string {
	if len(phone) <= 4 {
		return strings.Repeat("*", len(phone))
	}
	return strings.Repeat("*", len(phone)-4) + phone[len(phone)-4:]
}

// MaskSecret shows the first few characters of a secret and hides the rest.
func MaskSecret(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:6] + strings.Repeat("*", len(s)-6)
}

// tokenPattern finds a 20-digit STS token in a reply's body: plain, or grouped 4-4-4-4-4 with
// dashes (sts.Token.Display) or spaces. A longer run of digits matches from its left.
var tokenPattern = regexp.MustCompile(`[0-9]{4}(?:[- ]?[0-9]{4}){4}`)

// MaskTokens hides every STS token in a text (a reply's body) but its last four digits, keeping the token's
// form ("****-****-****-****-7890"). A run of 20 or more digits without separators is masked the
// same way first, so that a token inside a longer number cannot show through.
func MaskTokens(body string) string {
	b := []byte(body)
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j-i >= 20 {
			for k := i; k < j-4; k++ {
				b[k] = '*'
			}
		}
		i = max(j, i+1)
	}
	for _, m := range tokenPattern.FindAllIndex(b, -1) {
		seen := 0
		for k := m[1] - 1; k >= m[0]; k-- {
			if b[k] >= '0' && b[k] <= '9' {
				if seen++; seen > 4 {
					b[k] = '*'
				}
			}
		}
	}
	return string(b)
}
