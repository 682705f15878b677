package lang_test

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzLanguageChoice feeds the two readers of a customer's language choice: a code (Lookup:
// "fr", "FR", "fr-CM") and a menu number (MenuChoice: "1", " 2 "). Seeded with the catalog's own
// codes (messages/*.toml) in several forms. Properties: no panic; a code found names a language
// whose own code finds it again, and is that code in another case or with a region; a menu
// number chosen is 1 to 3 digits and picks the language at that place in Languages.
func FuzzLanguageChoice(f *testing.F) {
	c := MustCatalog(f)
	for i, l := range c.Languages() {
		f.Add(l.Code())
		f.Add(strings.ToUpper(l.Code()) + "-ZA")
		f.Add(" " + strconv.Itoa(i+1) + " ")
	}
	f.Add("0")
	f.Add("999")
	f.Add("fr_FR")
	f.Fuzz(func(t *testing.T, s string) {
		if l, ok := c.Lookup(s); ok {
			again, ok := c.Lookup(l.Code())
			base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
			base, _, _ = strings.Cut(base, "_")
			if !ok || again != l || base != l.Code() {
				t.Errorf("Lookup(%q) = %s, which does not round-trip", s, l.Code())
			}
		}
		if l, ok := c.MenuChoice(s); ok {
			d := strings.TrimSpace(s)
			n, err := strconv.Atoi(d)
			if err != nil || len(d) > 3 || strings.Trim(d, "0123456789") != "" || n < 1 || n > len(c.Languages()) || c.Languages()[n-1] != l {
				t.Errorf("MenuChoice(%q) = %s", s, l.Code())
			}
		}
	})
}
