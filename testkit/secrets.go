package testkit

import (
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

// Secrets are what a test made that must never reach a log line or an error: the tokens the
// component issued (20 digits), card and meter PANs, vending and decoder keys, API keys and
// passwords.
type Secrets struct {
	Tokens    []string // 20 digits, in any of the forms a token is shown in
	PANs      []string // digits
	Keys      [][]byte // vending and decoder keys: looked for in hex, either case
	APIKeys   []string
	Passwords []string
}

// tokenShaped finds what looks like an STS token whoever made it: 20 digits in a row, or five
// groups of four separated by dashes or spaces.
var tokenShaped = regexp.MustCompile(`(^|[^0-9])([0-9]{20}|[0-9]{4}([- ])[0-9]{4}([- ])[0-9]{4}([- ])[0-9]{4}([- ])[0-9]{4})($|[^0-9])`)

// AssertNoSecrets fails the test for every secret of s found in text (logs, an error message),
// in each form it could be written in: a token plain, 4-4-4-4-4 with dashes and with spaces; a
// PAN plain and in groups of four; a key in lower and upper case hex; API keys and passwords
// as given. Anything token-shaped fails too, since a test does not always know every token the
// component made. what names the text in the failure ("the ISO 8583 server's logs"); the
// failure shows where the secret is without repeating it.
func AssertNoSecrets(tb testing.TB, what, text string, s Secrets) {
	tb.Helper()
	check := func(kind, secret string, forms ...string) {
		if secret == "" {
			return
		}
		for _, f := range forms {
			if i := strings.Index(text, f); i >= 0 {
				tb.Errorf("%s carry a %s (%s...) at offset %d", what, kind, mask(f), i)
				return
			}
		}
	}
	for _, t := range s.Tokens {
		d := digits(t)
		check("token", d, d, grouped(d, "-"), grouped(d, " "))
	}
	for _, p := range s.PANs {
		d := digits(p)
		check("PAN", d, d, grouped(d, " "), grouped(d, "-"))
	}
	for _, k := range s.Keys {
		h := hex.EncodeToString(k)
		check("key", h, h, strings.ToUpper(h))
	}
	for _, k := range s.APIKeys {
		check("API key", k, k)
	}
	for _, p := range s.Passwords {
		check("password", p, p)
	}
	if m := tokenShaped.FindStringSubmatchIndex(text); m != nil {
		tb.Errorf("%s carry something token-shaped (%s...) at offset %d", what, mask(text[m[4]:m[5]]), m[4])
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// grouped writes digits in groups of four joined by sep.
func grouped(d, sep string) string {
	var parts []string
	for len(d) > 4 {
		parts, d = append(parts, d[:4]), d[4:]
	}
	return strings.Join(append(parts, d), sep)
}

// mask shows the first four characters of a secret found.
func mask(s string) string { return s[:min(4, len(s))] }
