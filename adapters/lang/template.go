package lang

import (
	"fmt"
	"strings"
)

// template is a message text split at its {placeholders}.
type template struct {
	parts []part
}

// part is literal text, or a placeholder when name is set.
type part struct {
	text string
	name string
}

// parseTemplate splits s at its placeholders: {name}, name in lower case letters and underscores.
// A brace that opens no placeholder is an error.
func parseTemplate(s string) (template, error) {
	var t template
	for {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			if s != "" {
				t.parts = append(t.parts, part{text: s})
			}
			return t, nil
		}
		if s[i] == '}' {
			return template{}, fmt.Errorf("unmatched '}' at %q", clip(s[i:]))
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return template{}, fmt.Errorf("unclosed '{' at %q", clip(s[i:]))
		}
		name := s[i+1 : i+j]
		if !isName(name) {
			return template{}, fmt.Errorf("placeholder {%s}: names are lower case letters and underscores", name)
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: s[:i]})
		}
		t.parts = append(t.parts, part{name: name})
		s = s[i+j+1:]
	}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "..."
	}
	return s
}

// placeholders returns the names t uses, each once, in order of first use.
func (t template) placeholders() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.name != "" && !seen[p.name] {
			seen[p.name] = true
			out = append(out, p.name)
		}
	}
	return out
}

// args are the values of a rendering, by placeholder name.
type args map[string]string

// render fills t; a placeholder without a value renders empty.
func (t template) render(a args) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.text)
		} else {
			b.WriteString(a[p.name])
		}
	}
	return b.String()
}
