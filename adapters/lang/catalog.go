package lang

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/unicode/norm"
)

// DefaultLanguage is the code of the language every catalog must have and falls back to.
const DefaultLanguage = "en"

//go:embed messages/*.toml
var embedded embed.FS

// Catalog is the set of languages Vendgate answers SMS and USSD customers in, with the keywords
// of every language. It is read-only once loaded and safe for concurrent use.
type Catalog struct {
	langs    map[string]*Language
	order    []*Language // the default first, then by code
	def      *Language
	keywords map[string]keyword // folded keyword -> command kind and language
	names    map[string]string  // folded language name -> code
}

// keyword is what a keyword means: a command kind, in a language.
type keyword struct {
	kind Kind
	lang string
}

// Language is one language's names, keywords and message texts; its methods render replies.
type Language struct {
	code       string
	name       string
	dateLayout string
	msgs       map[string]template
	cat        *Catalog
}

// Code returns the language's code, as in its file name: "en", "fr".
func (l *Language) Code() string { return l.code }

// Name returns the language's name in itself, for a language menu: "English", "Francais".
func (l *Language) Name() string { return l.name }

// file is a language file as written (messages/<code>.toml).
type file struct {
	Code       string            `toml:"code"`
	Name       string            `toml:"name"`
	Names      []string          `toml:"names"`
	DateLayout string            `toml:"date_layout"`
	Keywords   fileKeywords      `toml:"keywords"`
	Messages   map[string]string `toml:"messages"`
}

type fileKeywords struct {
	Buy  []string `toml:"buy"`
	Last []string `toml:"last"`
	Help []string `toml:"help"`
	Lang []string `toml:"lang"`
}

// Load returns the catalog of the language files built into Vendgate (adapters/lang/messages).
func Load() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "messages")
	if err != nil {
		return nil, err
	}
	return New(sub)
}

// New loads a catalog from the *.toml files at the root of fsys, one per language, named by the
// language's code. Every file must hold every message with only the placeholders the message
// allows, and English (DefaultLanguage) must be among them. A keyword that means different
// commands in two languages is an error; a keyword that means the same command in several is
// credited to the default language if it is one of them, else to the first by code.
func New(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	c := &Catalog{langs: map[string]*Language{}, keywords: map[string]keyword{}, names: map[string]string{}}
	var files []file
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		f, l, err := readFile(name, raw)
		if err != nil {
			return nil, err
		}
		l.cat = c
		c.langs[l.code] = l
		files = append(files, f)
	}
	c.def = c.langs[DefaultLanguage]
	if c.def == nil {
		return nil, fmt.Errorf("lang: no %s.toml: the default language is required", DefaultLanguage)
	}
	c.order = append(c.order, c.def)
	for _, f := range files {
		if f.Code != DefaultLanguage {
			c.order = append(c.order, c.langs[f.Code])
		}
	}
	// The default language's keywords first, so that it wins a keyword shared with another.
	slices.SortStableFunc(files, func(a, b file) int {
		switch {
		case a.Code == b.Code:
			return 0
		case a.Code == DefaultLanguage:
			return -1
		case b.Code == DefaultLanguage:
			return 1
		}
		return strings.Compare(a.Code, b.Code)
	})
	for _, f := range files {
		if err := c.index(f); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func readFile(name string, raw []byte) (file, *Language, error) {
	var f file
	dec := toml.NewDecoder(bytes.NewReader(raw)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		var syntax *toml.DecodeError
		switch {
		case errors.As(err, &strict):
			return f, nil, fmt.Errorf("lang: %s: unknown fields:\n%s", name, strict.String())
		case errors.As(err, &syntax):
			row, col := syntax.Position()
			return f, nil, fmt.Errorf("lang: %s:%d:%d: %w", name, row, col, err)
		}
		return f, nil, fmt.Errorf("lang: %s: %w", name, err)
	}
	code := strings.TrimSuffix(path.Base(name), ".toml")
	switch {
	case f.Code != code:
		return f, nil, fmt.Errorf("lang: %s: code %q does not match the file name", name, f.Code)
	case f.Name == "":
		return f, nil, fmt.Errorf("lang: %s: name is missing", name)
	case f.DateLayout == "":
		return f, nil, fmt.Errorf("lang: %s: date_layout is missing", name)
	}
	l := &Language{code: f.Code, name: f.Name, dateLayout: f.DateLayout, msgs: map[string]template{}}
	for key, text := range f.Messages {
		allowed, ok := spec[key]
		if !ok {
			return f, nil, fmt.Errorf("lang: %s: unknown message %q", name, key)
		}
		t, err := parseTemplate(text)
		if err != nil {
			return f, nil, fmt.Errorf("lang: %s: message %s: %w", name, key, err)
		}
		for _, p := range t.placeholders() {
			if !slices.Contains(allowed, p) {
				return f, nil, fmt.Errorf("lang: %s: message %s: unknown placeholder {%s} (allowed: %s)", name, key, p, strings.Join(allowed, ", "))
			}
		}
		l.msgs[key] = t
	}
	var missing []string
	for key := range spec {
		if _, ok := l.msgs[key]; !ok {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return f, nil, fmt.Errorf("lang: %s: missing messages: %s", name, strings.Join(missing, ", "))
	}
	return f, l, nil
}

// index adds a language's keywords and names to the catalog's.
func (c *Catalog) index(f file) error {
	groups := []struct {
		kind  Kind
		words []string
	}{{Buy, f.Keywords.Buy}, {Last, f.Keywords.Last}, {Help, f.Keywords.Help}, {SetLanguage, f.Keywords.Lang}}
	for _, g := range groups {
		if len(g.words) == 0 {
			return fmt.Errorf("lang: %s.toml: no keyword for %s", f.Code, g.kind)
		}
		for _, w := range g.words {
			k := fold(w)
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsDigit(r) }) {
				return fmt.Errorf("lang: %s.toml: keyword %q: one word without digits", f.Code, w)
			}
			if old, ok := c.keywords[k]; ok {
				if old.kind != g.kind {
					return fmt.Errorf("lang: %s.toml: keyword %q means %s in %s", f.Code, w, old.kind, old.lang)
				}
				continue
			}
			c.keywords[k] = keyword{kind: g.kind, lang: f.Code}
		}
	}
	for _, n := range append([]string{f.Name}, f.Names...) {
		k := fold(n)
		if kw, ok := c.keywords[k]; ok {
			return fmt.Errorf("lang: %s.toml: language name %q is a keyword of %s", f.Code, n, kw.lang)
		}
		if old, ok := c.names[k]; ok && old != f.Code {
			return fmt.Errorf("lang: %s.toml: language name %q names %s too", f.Code, n, old)
		}
		c.names[k] = f.Code
	}
	return nil
}

// Default returns the default language, English.
func (c *Catalog) Default() *Language { return c.def }

// Languages returns the catalog's languages: the default first, then by code.
func (c *Catalog) Languages() []*Language { return slices.Clone(c.order) }

// Lookup returns the language of a code ("fr", "FR", "fr-CM", "fr_FR"), or false.
func (c *Catalog) Lookup(code string) (*Language, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	l, ok := c.langs[code]
	return l, ok
}

// Language returns the language of a code as Lookup does, or the default language when the
// catalog does not have it.
func (c *Catalog) Language(code string) *Language {
	if l, ok := c.Lookup(code); ok {
		return l
	}
	return c.def
}

// Negotiate picks the language of a reply to cmd: the customer's stored preference when the
// catalog has it, else the language of the keyword the customer wrote, else the default.
func (c *Catalog) Negotiate(preference string, cmd Command) *Language {
	if l, ok := c.Lookup(preference); ok && preference != "" {
		return l
	}
	if l, ok := c.Lookup(cmd.Lang); ok && cmd.Lang != "" {
		return l
	}
	return c.def
}

// byName returns the language a name or code given after LANG means: its code ("FR"), its name
// in itself ("Francais", "Français") or another name its file lists ("French").
func (c *Catalog) byName(s string) (*Language, bool) {
	if l, ok := c.Lookup(s); ok {
		return l, true
	}
	if code, ok := c.names[fold(s)]; ok {
		return c.langs[code], true
	}
	return nil, false
}

// codes returns the languages as "EN English, FR Francais", for replies that list them.
func (c *Catalog) codes() string {
	var b strings.Builder
	for i, l := range c.order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.ToUpper(l.code) + " " + l.name)
	}
	return b.String()
}

// MenuChoice returns the language a customer chose in the language menu ("1", "2" ...), or false.
func (c *Catalog) MenuChoice(input string) (*Language, bool) {
	s := strings.TrimSpace(input)
	if s == "" || len(s) > 3 || strings.TrimLeft(s, "0123456789") != "" {
		return nil, false
	}
	n := 0
	for _, d := range s {
		n = n*10 + int(d-'0')
	}
	if n < 1 || n > len(c.order) {
		return nil, false
	}
	return c.order[n-1], true
}

// msg renders a message; every key exists in every loaded language.
func (l *Language) msg(key string, a args) string {
	return l.msgs[key].render(a)
}

// date formats a time in the language's layout, which shows the zone, in loc (UTC when nil).
func (l *Language) date(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(l.dateLayout)
}

// fold returns s in upper case without accents, for comparing keywords and names: "Français" and
// "FRANCAIS" fold alike.
func fold(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
