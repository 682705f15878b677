package lang_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vendgate/vendgate/adapters/lang"
)

// TestEveryLanguageHasEveryMessage checks each language against English: every message, with
// the same placeholders. (Load refuses a missing message; this also catches a translation that
// dropped or added a value English shows.)
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	c := MustCatalog(t)
	en := c.Default()
	if len(c.Languages()) < 3 {
		t.Fatalf("got %d languages, want en, fr and sw at least", len(c.Languages()))
	}
	for _, l := range c.Languages() {
		for _, key := range lang.Keys() {
			if got, want := l.Placeholders(key), en.Placeholders(key); !slices.Equal(got, want) {
				t.Errorf("%s %s: placeholders %v, want English's %v", l.Code(), key, got, want)
			}
			if strings.TrimSpace(l.Text(key)) == "" {
				t.Errorf("%s %s: empty", l.Code(), key)
			}
		}
	}
}

// TestTextsAreGSM7 checks every text of every language is in the GSM 7-bit alphabet, so that an
// SMS holds 160 characters and a USSD screen 182.
func TestTextsAreGSM7(t *testing.T) {
	c := MustCatalog(t)
	for _, l := range c.Languages() {
		if _, ok := lang.GSM7Len(l.Name()); !ok {
			t.Errorf("%s: name %q is not GSM 7-bit", l.Code(), l.Name())
		}
		for _, key := range lang.Keys() {
			if _, ok := lang.GSM7Len(l.Text(key)); !ok {
				t.Errorf("%s %s: not GSM 7-bit: %q", l.Code(), key, l.Text(key))
			}
		}
	}
}

// TestAddingALanguageIsAddingAFile loads the built-in files plus a new one.
func TestAddingALanguageIsAddingAFile(t *testing.T) {
	fsys := builtin(t)
	pt := strings.NewReplacer(`code = "en"`, `code = "pt"`, `name = "English"`, `name = "Portugues"`,
		`names = ["ENGLISH", "ANGLAIS", "KIINGEREZA"]`, `names = []`,
		`buy = ["BUY", "PURCHASE", "RECHARGE"]`, `buy = ["COMPRAR"]`, `last = ["LAST", "RESEND"]`, `last = ["ULTIMO"]`,
		`help = ["HELP", "INFO", "MENU", "?"]`, `help = ["AJUDA"]`, `lang = ["LANG", "LANGUAGE"]`, `lang = ["IDIOMA"]`,
	).Replace(string(fsys["en.toml"].Data))
	fsys["pt.toml"] = &fstest.MapFile{Data: []byte(pt)}
	c, err := lang.New(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := c.Lookup("pt"); !ok || l.Name() != "Portugues" {
		t.Fatalf("Lookup(pt) = %v, %v", l, ok)
	}
	if got := c.Parse("Último", zar); got.Kind != lang.Last || got.Lang != "pt" {
		t.Errorf("Parse(Último) = %+v, want Last in pt", got)
	}
}

func builtin(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, code := range []string{"en", "fr", "sw"} {
		b, err := os.ReadFile("messages/" + code + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		fsys[code+".toml"] = &fstest.MapFile{Data: b}
	}
	return fsys
}

// TestBadLanguageFiles checks a broken file is refused with an error that names the problem.
func TestBadLanguageFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    string // the file changed
		from    string
		to      string
		wantErr string
	}{
		{"MissingMessage", "fr.toml", "ussd_bye = ", "ussd_au_revoir = ", `fr.toml: unknown message "ussd_au_revoir"`},
		{"UnknownPlaceholder", "fr.toml", "Merci d'avoir utilisé {service}", "Merci {client}", "unknown placeholder {client}"},
		{"UnclosedBrace", "sw.toml", "Asante kwa kutumia {service}", "Asante {service", "unclosed '{'"},
		{"StrayBrace", "sw.toml", "Asante kwa kutumia {service}", "Asante } {service}", "unmatched '}'"},
		{"CodeMismatch", "fr.toml", `code = "fr"`, `code = "de"`, `code "de" does not match the file name`},
		{"UnknownField", "fr.toml", `date_layout = `, `colour = "blue"` + "\ndate_layout = ", "colour"},
		{"NoKeyword", "sw.toml", `help = ["MSAADA", "USAIDIZI"]`, `help = []`, "no keyword for help"},
		{"KeywordClash", "sw.toml", `last = ["MWISHO", "ILIYOPITA"]`, `last = ["MWISHO", "BUY"]`, `keyword "BUY" means buy in en`},
		{"KeywordWithDigit", "sw.toml", `lang = ["LUGHA"]`, `lang = ["LUGHA2"]`, "one word without digits"},
		{"NameIsKeyword", "sw.toml", `names = ["SWAHILI"]`, `names = ["AIDE"]`, `language name "AIDE" is a keyword of fr`},
		{"NotTOML", "fr.toml", `code = "fr"`, `code = `, "fr.toml:3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := builtin(t)
			data := string(fsys[tc.file].Data)
			if !strings.Contains(data, tc.from) {
				t.Fatalf("%s does not contain %q", tc.file, tc.from)
			}
			fsys[tc.file] = &fstest.MapFile{Data: []byte(strings.Replace(data, tc.from, tc.to, 1))}
			_, err := lang.New(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	t.Run("MissingMessages", func(t *testing.T) {
		fsys := builtin(t)
		data := strings.Replace(string(fsys["fr.toml"].Data), "ussd_bye = ", "# ussd_bye = ", 1)
		fsys["fr.toml"] = &fstest.MapFile{Data: []byte(data)}
		if _, err := lang.New(fsys); err == nil || !strings.Contains(err.Error(), "fr.toml: missing messages: ussd_bye") {
			t.Errorf("got %v, want the missing message named", err)
		}
	})
	t.Run("NoEnglish", func(t *testing.T) {
		fsys := builtin(t)
		delete(fsys, "en.toml")
		if _, err := lang.New(fsys); err == nil || !strings.Contains(err.Error(), "en.toml") {
			t.Errorf("got %v, want English required", err)
		}
	})
}

func TestLanguageLookup(t *testing.T) {
	c := MustCatalog(t)
	var codes []string
	for _, l := range c.Languages() {
		codes = append(codes, l.Code())
	}
	if want := []string{"en", "fr", "sw"}; !slices.Equal(codes, want) {
		t.Errorf("Languages() = %v, want %v (the default first)", codes, want)
	}
	for in, want := range map[string]string{"fr": "fr", "FR": "fr", "fr-CM": "fr", "sw_KE": "sw", " sw ": "sw", "de": "en", "": "en", "xx-YY": "en"} {
		if got := c.Language(in).Code(); got != want {
			t.Errorf("Language(%q) = %s, want %s", in, got, want)
		}
	}
	if _, ok := c.Lookup("de"); ok {
		t.Error("Lookup(de) found a language the catalog lacks")
	}
}

func TestNegotiate(t *testing.T) {
	c := MustCatalog(t)
	for _, tc := range []struct {
		pref, keyword, want string
	}{
		{"", "", "en"},
		{"", "fr", "fr"},    // a French keyword, no stored preference: French
		{"sw", "fr", "sw"},  // the stored preference wins
		{"de", "fr", "fr"},  // a preference the catalog lacks is ignored
		{"sw-TZ", "", "sw"}, // a locale's language
	} {
		if got := c.Negotiate(tc.pref, lang.Command{Lang: tc.keyword}).Code(); got != tc.want {
			t.Errorf("Negotiate(%q, keyword in %q) = %s, want %s", tc.pref, tc.keyword, got, tc.want)
		}
	}
}

func TestMenuChoice(t *testing.T) {
	c := MustCatalog(t)
	for in, want := range map[string]string{"1": "en", "2": "fr", " 3 ": "sw", "03": "sw"} {
		if l, ok := c.MenuChoice(in); !ok || l.Code() != want {
			t.Errorf("MenuChoice(%q) = %v, %v, want %s", in, l, ok, want)
		}
	}
	for _, in := range []string{"", "0", "4", "-1", "1a", "99999999999999999999"} {
		if l, ok := c.MenuChoice(in); ok {
			t.Errorf("MenuChoice(%q) = %s, want none", in, l.Code())
		}
	}
}
