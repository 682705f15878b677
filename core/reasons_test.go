package core_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestReasonsAreTheDeclaredConstants checks the closed list against the source: every constant
// of type Reason that package core declares is a key of core.Reasons, and nothing else is, so a
// reason added as a constant but not to the list (or the other way round) fails here. Each comes
// with a code of the closed set and is snake_case.
func TestReasonsAreTheDeclaredConstants(t *testing.T) {
	declared := declaredConsts(t, ".", "Reason")
	list := core.Reasons()
	for name, value := range declared {
		if _, ok := list[core.Reason(value)]; !ok {
			t.Errorf("%s (%q) is declared but not in Reasons", name, value)
		}
	}
	values := map[string]bool{}
	for _, v := range declared {
		values[v] = true
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z0-9]+)*$`)
	for reason, code := range list {
		if !values[string(reason)] {
			t.Errorf("%s is in Reasons but no constant of type Reason declares it", reason)
		}
		if !slices.Contains(core.Codes(), code) {
			t.Errorf("%s comes with code %q, which is not in the closed set", reason, code)
		}
		if !snake.MatchString(string(reason)) {
			t.Errorf("%q is not snake_case", reason)
		}
	}
	if len(declared) != len(list) {
		t.Errorf("%d constants of type Reason declared, %d reasons listed", len(declared), len(list))
	}
}

// TestReasonsIsACopy checks that a caller cannot change the closed list.
func TestReasonsIsACopy(t *testing.T) {
	core.Reasons()[core.ReasonMeterBlocked] = core.CodeInternal
	if got := core.Reasons()[core.ReasonMeterBlocked]; got != core.CodeInvalid {
		t.Errorf("meter_blocked is %s after a caller changed its copy", got)
	}
}

// TestCodesAreTheDeclaredConstants checks the closed set of codes against the source the same way.
func TestCodesAreTheDeclaredConstants(t *testing.T) {
	declared := declaredConsts(t, ".", "Code")
	for name, value := range declared {
		if !slices.Contains(core.Codes(), core.Code(value)) {
			t.Errorf("%s (%q) is declared but not in Codes", name, value)
		}
	}
	if len(declared) != len(core.Codes()) {
		t.Errorf("%d codes declared, Codes returns %d", len(declared), len(core.Codes()))
	}
}

// declaredConsts returns the constants of the named type that the non-test files of dir declare,
// by name, with their values.
func declaredConsts(t *testing.T, dir, typeName string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typeName {
					continue
				}
				for i, n := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Errorf("%s: %s is not a string literal", fset.Position(n.Pos()), n.Name)
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					out[n.Name] = v
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no constant of type %s found: the test reads the wrong files", typeName)
	}
	return out
}
